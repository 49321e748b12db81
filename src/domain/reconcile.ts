/**
 * Reconciliation of the books with the broker (pure). The broker is the truth for what is
 * held; the books must be able to say why they agree. Given the broker's positions, cash and
 * executions and the books' positions, cash and known executions, `reconcile` returns every
 * difference: the ones it can explain (an option expired, was assigned or exercised — early,
 * partly —, a fill recorded by the broker but missed by the books) with the keyed, idempotent
 * bookings that make the books agree, and the ones it cannot, with both sides' figures.
 *
 * How the broker reports a position's end (as IB does, and src/ib-sim does): executions with
 * no order (orderId 0, no orderRef): the option closed at price 0 (its premium realised) and,
 * when assigned or exercised, the stock at the strike at the same moment.
 *
 * Money: cents (integers); prices: decimal strings; realised P&L as the broker reports it (net
 * of commissions, IB's convention: the commission is part of the position's cost).
 */
import Decimal from 'decimal.js';
import { ibInstant } from './ibTime';

export type SecType = 'STK' | 'OPT';

export interface ContractRef {
  symbol: string;
  secType: SecType;
  /** YYYYMMDD for options, '' for stock */
  expiry: string;
  /** decimal string; '0' for stock */
  strike: string;
  /** 'C' | 'P' for options, '' for stock */
  right: string;
}

export type OwnerKind = 'STRATEGY' | 'ACCOUNT';

export interface Owner {
  ownerKind: OwnerKind;
  ownerId: string;
  /** control scope an unexplained difference of this owner puts into reduce-only */
  scope: string;
}

export interface BookPosition extends Owner {
  contract: ContractRef;
  quantity: number;
  avgPrice: string;
}

export interface BrokerPositionIn {
  contract: ContractRef;
  quantity: number;
  /** IB's avgCost: per share for stock, per contract (× multiplier) for options */
  avgCost: number;
}

export interface BrokerExecutionIn {
  execId: string;
  orderId: number;
  orderRef: string;
  time: string;
  contract: ContractRef;
  side: 'BUY' | 'SELL';
  shares: number;
  price: number;
  commission?: number;
  realizedPnl?: number;
}

/** An instruction of the books an execution's orderRef may name (for a missed fill). */
export interface BookInstruction extends Owner {
  id: string;
  contract: ContractRef;
  /**
   * Its workflow still runs and will record its fills itself: a broker execution of it the books
   * do not hold yet is a fill in flight (IN_FLIGHT), not one the books missed.
   */
  inFlight?: boolean;
}

/** A fill the books recorded for an instruction (with its cash effect as the books count it). */
export interface BookFill extends Owner {
  execId: string;
  /** the execution's time (ISO; older rows: IB's "yyyyMMdd HH:mm:ss <zone>") */
  time: string;
  contract: ContractRef;
  signedQty: number;
  cashCents: number;
}

/**
 * When and in what order the broker was read: executions, then positions and cash, then the
 * executions again (`brokerExecutions`). The broker's snapshot is the positions and cash read.
 */
export interface BrokerSnapshot {
  /** the broker's clock when the reads began (ISO) */
  readStartedAt: string;
  /**
   * execIds the broker had already listed before positions and cash were read: those are in
   * them for certain. The other executions of `brokerExecutions` came while they were read and
   * may be in them or not.
   */
  settledExecIds: ReadonlySet<string>;
}

export interface ReconcileInput {
  /** the broker's clock now (ISO) */
  asOf: string;
  brokerPositions: BrokerPositionIn[];
  brokerCashCents: number;
  /** executions the broker reports over the window looked at */
  brokerExecutions: BrokerExecutionIn[];
  bookPositions: BookPosition[];
  /** the books' broker-cash (opening balance + every booked flow); null = no opening balance yet */
  bookCashCents: number | null;
  /** execIds the books already hold (fills recorded by instructions, lifecycle executions booked) */
  knownExecIds: ReadonlySet<string>;
  /** instructions by id, for executions whose orderRef the books do not yet hold a fill of */
  instructions: ReadonlyMap<string, BookInstruction>;
  /**
   * Position rows at quantity 0 (closed in the books, e.g. by the weekly cycle's own settlement):
   * who a broker lifecycle execution belongs to when the books already settled it.
   */
  closedPositions?: BookPosition[];
  /** how the broker was read; absent: the broker's figures include every execution listed */
  snapshot?: BrokerSnapshot;
  /**
   * Fills the books recorded since the broker read began (candidates): the ones the broker's
   * snapshot does not hold and that executed after the read began are later than the snapshot,
   * and are left out of the books' side for this comparison.
   */
  recentBookFills?: BookFill[];
}

export const EXPLAINED_KINDS = ['EXPIRED_WORTHLESS', 'ASSIGNED', 'EXERCISED', 'EARLY_ASSIGNED', 'PARTIAL_ASSIGNED', 'MISSED_FILL', 'ALREADY_SETTLED', 'IN_FLIGHT'] as const;
export const UNEXPLAINED_KINDS = ['UNEXPLAINED_POSITION', 'UNEXPLAINED_CASH', 'UNKNOWN_EXECUTION'] as const;
export type DifferenceKind = (typeof EXPLAINED_KINDS)[number] | (typeof UNEXPLAINED_KINDS)[number];

/**
 * One keyed change of the books. `positionDelta` changes the owner's position of `contract` at
 * `price` per share; `cashCents` is the broker-cash effect; a FILL also records the execution
 * under its instruction. Applying a booking twice is a no-op (its key, or its execId, exists).
 */
export interface Booking extends Owner {
  key: string;
  kind: 'FILL' | 'LIFECYCLE';
  contract: ContractRef;
  positionDelta: number;
  /** per share, decimal string */
  price: string;
  commissionCents: number;
  cashCents: number;
  /** the broker's realised P&L of this (part of the) execution, net of commissions */
  realizedPnlCents: number;
  execId: string;
  time: string;
  instructionId?: string;
  /** ALL-USE accounts: the ledger entry that moves the account's own cash (assignment/exercise) */
  ledger?: { key: string; from: string; to: string; amountCents: number };
  /** false: the books already moved the position (ALREADY_SETTLED); record the event, move nothing */
  moves?: false;
}

export interface Difference {
  key: string;
  kind: DifferenceKind;
  explained: boolean;
  contract?: ContractRef;
  owners: Owner[];
  /** control scopes an unexplained difference puts into reduce-only */
  scopes: string[];
  broker: Record<string, unknown>;
  books: Record<string, unknown>;
  execIds: string[];
  bookings: Booking[];
  message: string;
  /**
   * Timing, never a reason for reduce-only: `in_flight` a fill between the broker and the books
   * (kind IN_FLIGHT, explained, nothing booked); `deferred` a difference the snapshot's timing
   * may account for (rechecked; `explained` false, `scopes` for information only).
   */
  timing?: 'in_flight' | 'deferred';
}

export interface ReconcileResult {
  differences: Difference[];
  /** explained and booked (in-flight fills excluded) */
  explained: number;
  unexplained: number;
  /** fills in flight between the broker and the books */
  inFlight: number;
  /** differences that may be timing: looked at again, never reduce-only */
  deferred: number;
  /** every scope an unexplained difference affects, sorted */
  reduceOnlyScopes: string[];
  /** the opening balance to record when the books had none (broker cash − booked flows) */
  openingBalanceCents: number | null;
}

export const GLOBAL = 'global';
const MULT: Record<SecType, number> = { STK: 1, OPT: 100 };

export function normStrike(s: string | number): string {
  return new Decimal(s || 0).toString();
}

export function contractKey(c: ContractRef): string {
  return [c.symbol.toUpperCase(), c.secType, c.secType === 'OPT' ? c.expiry : '', c.secType === 'OPT' ? normStrike(c.strike) : '0', c.secType === 'OPT' ? c.right : ''].join('|');
}

export const describeContract = (c: ContractRef): string => (c.secType === 'STK' ? c.symbol : `${c.symbol} ${c.expiry} ${normStrike(c.strike)}${c.right}`);

const toCents = (dollars: number | string): number => new Decimal(dollars).mul(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();

/** Cash effect in cents of a fill: buying pays, selling receives; commission always pays. */
export function fillCashCents(c: ContractRef, signedQty: number, price: string | number, commissionCents: number): number {
  return new Decimal(price).mul(signedQty).mul(MULT[c.secType]).mul(-100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber() - commissionCents;
}

/** New York calendar date (YYYYMMDD) of an instant: expiry dates are New York dates. */
export function nyDate(iso: string): string {
  const d = new Date(iso);
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  return f.replaceAll('-', '');
}

const ownerOrder = (a: Owner, b: Owner): number => (a.ownerKind + a.ownerId < b.ownerKind + b.ownerId ? -1 : a.ownerKind + a.ownerId > b.ownerKind + b.ownerId ? 1 : 0);
const ownerKey = (o: Owner): string => `${o.ownerKind}:${o.ownerId}`;

/** Splits `total` cents over parts proportional to `weights` (largest remainder to the first). */
function split(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (sum === 0) return weights.map(() => 0);
  const out = weights.map((w) => Math.trunc((total * w) / sum));
  out[0]! += total - out.reduce((s, x) => s + x, 0);
  return out;
}

/** The ALL-USE account's family is the part of its id before the kind ('F0:GEN' → 'F0'). */
export const familyOfAccount = (accountId: string): string => accountId.slice(0, accountId.lastIndexOf(':'));

export function reconcile(input: ReconcileInput): ReconcileResult {
  const differences: Difference[] = [];
  // Working copy of the books' positions: bookings move it, the residual check reads it.
  const held = new Map<string, Map<string, BookPosition>>();
  for (const p of input.bookPositions) {
    if (p.quantity === 0) continue;
    const k = contractKey(p.contract);
    const m = held.get(k) ?? new Map<string, BookPosition>();
    m.set(ownerKey(p), { ...p });
    held.set(k, m);
  }
  const move = (o: Owner, c: ContractRef, delta: number, price: string): void => {
    const k = contractKey(c);
    const m = held.get(k) ?? new Map<string, BookPosition>();
    const cur = m.get(ownerKey(o)) ?? { ...o, contract: c, quantity: 0, avgPrice: price };
    cur.quantity += delta;
    m.set(ownerKey(o), cur);
    held.set(k, m);
  };
  let bookedCash = 0;
  // Cash of fills in flight either way: it counts in the comparison, not in the opening balance.
  let timingCash = 0;

  // 0. The books as of the broker's snapshot: a fill they recorded that the broker did not list
  //    yet, executed after the read began, is later than the snapshot (the broker's positions
  //    and cash cannot hold it). A fill the broker never listed that executed before is not.
  const listed = new Set(input.brokerExecutions.map((e) => e.execId));
  for (const f of input.recentBookFills ?? []) {
    if (!input.snapshot || !laterThanSnapshot(f, listed, input.snapshot)) continue;
    move(f, f.contract, -f.signedQty, '0');
    timingCash -= f.cashCents;
    differences.push(
      inFlight(
        f,
        f.contract,
        f.execId,
        { execId: null, readStartedAt: input.snapshot.readStartedAt },
        { execId: f.execId, quantity: f.signedQty, time: f.time },
        `fill ${f.execId} (${f.signedQty} ${describeContract(f.contract)}) reached the books after the broker's snapshot`,
      ),
    );
  }

  const unknown = input.brokerExecutions.filter((e) => !input.knownExecIds.has(e.execId)).sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.execId < b.execId ? -1 : 1));
  const lifecycle = unknown.filter((e) => e.orderId === 0 && !e.orderRef);
  const usedStock = new Set<string>();

  // 1. Fills the broker has and the books missed (an order of ours: its orderRef is an instruction).
  for (const e of unknown.filter((x) => !(x.orderId === 0 && !x.orderRef))) {
    const instr = input.instructions.get(e.orderRef);
    const signed = (e.side === 'BUY' ? 1 : -1) * e.shares;
    if (!instr) {
      const scopes = scopesTouching(held, e.contract.symbol);
      differences.push({
        key: `UNKNOWN_EXECUTION:${e.execId}`,
        kind: 'UNKNOWN_EXECUTION',
        explained: false,
        contract: e.contract,
        owners: [],
        scopes,
        broker: { execId: e.execId, orderId: e.orderId, orderRef: e.orderRef, side: e.side, shares: e.shares, price: e.price, time: e.time },
        books: { instruction: null },
        execIds: [e.execId],
        bookings: [],
        message: `the broker executed ${e.side} ${e.shares} ${describeContract(e.contract)} at ${e.price} (order ${e.orderId}, ref '${e.orderRef}') that no instruction of the books placed`,
      });
      continue;
    }
    const commissionCents = toCents(e.commission ?? 0);
    const price = new Decimal(e.price).toString();
    if (instr.inFlight) {
      // Its workflow records it in a moment: compare as if it had, book nothing.
      move(instr, instr.contract, signed, price);
      timingCash += fillCashCents(instr.contract, signed, price, commissionCents);
      differences.push(
        inFlight(
          instr,
          instr.contract,
          e.execId,
          { execId: e.execId, side: e.side, shares: e.shares, price: e.price, time: e.time },
          { instruction: instr.id, fill: null },
          `fill ${e.execId} of instruction ${instr.id} (${e.side} ${e.shares} ${describeContract(e.contract)}) is in flight: its workflow has not recorded it yet`,
        ),
      );
      continue;
    }
    const b: Booking = {
      ownerKind: instr.ownerKind,
      ownerId: instr.ownerId,
      scope: instr.scope,
      key: `MISSED_FILL:${e.execId}`,
      kind: 'FILL',
      contract: instr.contract,
      positionDelta: signed,
      price,
      commissionCents,
      cashCents: fillCashCents(instr.contract, signed, price, commissionCents),
      realizedPnlCents: toCents(e.realizedPnl ?? 0),
      execId: e.execId,
      time: e.time,
      instructionId: instr.id,
    };
    move(instr, instr.contract, signed, price);
    bookedCash += b.cashCents;
    differences.push({
      key: b.key,
      kind: 'MISSED_FILL',
      explained: true,
      contract: instr.contract,
      owners: [pick(instr)],
      scopes: [],
      execIds: [e.execId],
      bookings: [b],
      broker: { execId: e.execId, side: e.side, shares: e.shares, price: e.price, commission: e.commission ?? null, time: e.time },
      books: { instruction: instr.id, fill: null },
      message: `fill ${e.execId} of instruction ${instr.id} (${e.side} ${e.shares} ${describeContract(e.contract)} at ${e.price}) was not in the books`,
    });
  }

  // 2. Option positions the broker ended (expiry, assignment, exercise), with any stock delivered.
  for (const e of lifecycle.filter((x) => x.contract.secType === 'OPT')) {
    const c = e.contract;
    const strike = normStrike(c.strike);
    const closes = e.side === 'BUY' ? 1 : -1; // BUY closes shorts, SELL closes longs
    const stock = lifecycle.find(
      (s) => s.contract.secType === 'STK' && !usedStock.has(s.execId) && s.contract.symbol === c.symbol && s.time === e.time && new Decimal(s.price).eq(strike) && s.shares === e.shares * MULT.OPT,
    );
    if (stock) usedStock.add(stock.execId);
    const holders = [...(held.get(contractKey(c))?.values() ?? [])].filter((p) => Math.sign(p.quantity) === -closes).sort(ownerOrder);
    const bookQty = holders.reduce((s, p) => s + Math.abs(p.quantity), 0);
    const early = nyDate(e.time) < c.expiry;
    const partial = e.shares < bookQty;
    const kind: DifferenceKind = !stock ? 'EXPIRED_WORTHLESS' : closes < 0 ? 'EXERCISED' : partial ? 'PARTIAL_ASSIGNED' : early ? 'EARLY_ASSIGNED' : 'ASSIGNED';
    const execIds = [e.execId, ...(stock ? [stock.execId] : [])];
    const stockCash = stock ? fillCashCents(stock.contract, (stock.side === 'BUY' ? 1 : -1) * stock.shares, stock.price, 0) : 0;
    if (bookQty === 0) {
      // Nobody in the books holds it any more: the books already settled it (e.g. the weekly
      // cycle's own settlement at the close). The event is recorded for its owner (realised P&L,
      // broker cash) without moving the position again; a settlement that disagreed with the
      // broker shows in the residual position check.
      const owner = (input.closedPositions ?? []).filter((p) => contractKey(p.contract) === contractKey(c)).sort(ownerOrder)[0];
      const o: Owner = owner ? pick(owner) : { ownerKind: 'ACCOUNT', ownerId: '', scope: GLOBAL };
      const bookings: Booking[] = [
        {
          ...o,
          key: `LIFECYCLE:${e.execId}:${ownerKey(o)}`,
          kind: 'LIFECYCLE',
          contract: c,
          positionDelta: owner ? closes * e.shares : 0,
          price: '0',
          commissionCents: 0,
          cashCents: 0,
          realizedPnlCents: toCents(e.realizedPnl ?? 0),
          execId: e.execId,
          time: e.time,
          moves: false,
        },
      ];
      if (stock) {
        bookings.push({
          ...o,
          key: `LIFECYCLE:${stock.execId}:${ownerKey(o)}`,
          kind: 'LIFECYCLE',
          contract: stock.contract,
          positionDelta: owner ? (stock.side === 'BUY' ? 1 : -1) * stock.shares : 0,
          price: strike,
          commissionCents: 0,
          cashCents: stockCash,
          realizedPnlCents: toCents(stock.realizedPnl ?? 0),
          execId: stock.execId,
          time: stock.time,
          moves: false,
        });
      }
      bookedCash += stockCash;
      differences.push({
        key: `ALREADY_SETTLED:${e.execId}`,
        kind: 'ALREADY_SETTLED',
        explained: true,
        contract: c,
        owners: owner ? [o] : [],
        scopes: [],
        execIds,
        bookings,
        broker: { execId: e.execId, contracts: e.shares, stockExecId: stock?.execId ?? null, time: e.time },
        books: { held: 0, settledBy: owner ? ownerKey(owner) : null },
        message: `${describeContract(c)}: the broker's ${kind.toLowerCase().replaceAll('_', ' ')} of ${e.shares} was already settled in the books`,
      });
      continue;
    }
    // Allocate the broker's contracts over the holders (deterministic order), never beyond what they hold.
    let left = Math.min(e.shares, bookQty);
    const parts: Array<{ p: BookPosition; n: number }> = [];
    for (const p of holders) {
      if (left === 0) break;
      const n = Math.min(left, Math.abs(p.quantity));
      parts.push({ p, n });
      left -= n;
    }
    const optPnl = split(
      toCents(e.realizedPnl ?? 0),
      parts.map((x) => x.n),
    );
    const stkPnl = split(
      toCents(stock?.realizedPnl ?? 0),
      parts.map((x) => x.n),
    );
    const stkCash = split(
      stockCash,
      parts.map((x) => x.n),
    );
    const bookings: Booking[] = [];
    parts.forEach(({ p, n }, i) => {
      const o = pick(p);
      bookings.push({
        ...o,
        key: `LIFECYCLE:${e.execId}:${ownerKey(o)}`,
        kind: 'LIFECYCLE',
        contract: c,
        positionDelta: closes * n,
        price: '0',
        commissionCents: 0,
        cashCents: 0,
        realizedPnlCents: optPnl[i]!,
        execId: e.execId,
        time: e.time,
      });
      move(o, c, closes * n, '0');
      if (stock) {
        const shares = (stock.side === 'BUY' ? 1 : -1) * n * MULT.OPT;
        const ledger =
          o.ownerKind === 'ACCOUNT' && stkCash[i]! !== 0
            ? {
                key: early || partial ? `ASSIGNMENT:${o.ownerId}:${stock.execId}` : `ASSIGNMENT:${o.ownerId}:${c.symbol}:${c.expiry}:${c.right}${toCents(strike)}`,
                from: stkCash[i]! < 0 ? o.ownerId : 'MARKET',
                to: stkCash[i]! < 0 ? 'MARKET' : o.ownerId,
                amountCents: Math.abs(stkCash[i]!),
              }
            : undefined;
        bookings.push({
          ...o,
          key: `LIFECYCLE:${stock.execId}:${ownerKey(o)}`,
          kind: 'LIFECYCLE',
          contract: stock.contract,
          positionDelta: shares,
          price: strike,
          commissionCents: 0,
          cashCents: stkCash[i]!,
          realizedPnlCents: stkPnl[i]!,
          execId: stock.execId,
          time: stock.time,
          ...(ledger ? { ledger } : {}),
        });
        move(o, stock.contract, shares, strike);
      }
    });
    bookedCash += stockCash;
    const unallocated = e.shares - (bookQty >= e.shares ? e.shares : bookQty);
    differences.push({
      key: `${kind}:${e.execId}`,
      kind,
      explained: true,
      contract: c,
      owners: parts.map((x) => pick(x.p)),
      scopes: [],
      execIds,
      bookings,
      broker: {
        execId: e.execId,
        contracts: e.shares,
        stockExecId: stock?.execId ?? null,
        stockShares: stock ? stock.shares * (stock.side === 'BUY' ? 1 : -1) : 0,
        strike,
        time: e.time,
        realizedPnl: e.realizedPnl ?? null,
      },
      books: { held: holders.map((p) => ({ owner: ownerKey(p), quantity: p.quantity })) },
      message:
        `${describeContract(c)}: ${e.shares} contract(s) ${kind.toLowerCase().replaceAll('_', ' ')}` +
        (stock ? `, ${stock.shares} shares ${stock.side === 'BUY' ? 'in' : 'out'} at ${strike}` : '') +
        (unallocated > 0 ? ` (${unallocated} more than the books held: see the position difference)` : ''),
    });
  }
  // Stock legs with no option leg to pair with: nothing explains them.
  for (const s of lifecycle.filter((x) => x.contract.secType === 'STK' && !usedStock.has(x.execId))) {
    differences.push({
      key: `UNKNOWN_EXECUTION:${s.execId}`,
      kind: 'UNKNOWN_EXECUTION',
      explained: false,
      contract: s.contract,
      owners: [],
      scopes: scopesTouching(held, s.contract.symbol),
      broker: { execId: s.execId, side: s.side, shares: s.shares, price: s.price, time: s.time },
      books: {},
      execIds: [s.execId],
      bookings: [],
      message: `the broker delivered ${s.side} ${s.shares} ${s.contract.symbol} at ${s.price} with no option closing beside it`,
    });
  }

  // Executions that came while positions and cash were read (and that the books' side counts):
  // the broker's figures may hold any subset of them.
  const unexplainedExec = new Set(differences.filter((d) => d.kind === 'UNKNOWN_EXECUTION').flatMap((d) => d.execIds));
  const around = input.snapshot ? input.brokerExecutions.filter((e) => !input.snapshot!.settledExecIds.has(e.execId) && !unexplainedExec.has(e.execId)) : [];
  const signedOf = (e: BrokerExecutionIn): number => (e.side === 'BUY' ? 1 : -1) * e.shares;

  // 3. Residual: after every explained booking, each contract's total must equal the broker's.
  const brokerBy = new Map<string, BrokerPositionIn>();
  for (const p of input.brokerPositions) if (p.quantity !== 0) brokerBy.set(contractKey(p.contract), p);
  const keys = new Set([...brokerBy.keys(), ...[...held.entries()].filter(([, m]) => [...m.values()].some((p) => p.quantity !== 0)).map(([k]) => k)]);
  for (const k of [...keys].sort()) {
    const bp = brokerBy.get(k);
    const owners = [...(held.get(k)?.values() ?? [])].filter((p) => p.quantity !== 0).sort(ownerOrder);
    const bookQty = owners.reduce((s, p) => s + p.quantity, 0);
    const brokerQty = bp?.quantity ?? 0;
    if (bookQty === brokerQty) continue;
    const c = bp?.contract ?? owners[0]!.contract;
    const scopes = owners.length ? [...new Set(owners.map((o) => o.scope))].sort() : scopesTouching(held, c.symbol);
    const timing = mayBeTiming(
      brokerQty - bookQty,
      around.filter((e) => contractKey(e.contract) === k).map((e) => -signedOf(e)),
    );
    differences.push({
      key: `UNEXPLAINED_POSITION:${k}`,
      kind: 'UNEXPLAINED_POSITION',
      explained: false,
      ...(timing ? { timing: 'deferred' as const } : {}),
      contract: c,
      owners: owners.map(pick),
      scopes,
      execIds: [],
      bookings: [],
      broker: { quantity: brokerQty, avgCost: bp?.avgCost ?? null },
      books: { quantity: bookQty, owners: owners.map((o) => ({ owner: ownerKey(o), quantity: o.quantity, avgPrice: o.avgPrice })) },
      message: `${describeContract(c)}: the broker holds ${brokerQty}, the books ${bookQty}, and no execution explains the difference`,
    });
  }

  // 4. Cash: the books' broker-cash after the bookings must equal the broker's, to the cent.
  let openingBalanceCents: number | null = null;
  if (input.bookCashCents === null) openingBalanceCents = input.brokerCashCents - bookedCash;
  else {
    const books = input.bookCashCents + bookedCash + timingCash;
    if (books !== input.brokerCashCents) {
      const timing = mayBeTiming(
        input.brokerCashCents - books,
        around.map((e) => -fillCashCents(e.contract, signedOf(e), e.price, toCents(e.commission ?? 0))),
      );
      differences.push({
        key: 'UNEXPLAINED_CASH',
        kind: 'UNEXPLAINED_CASH',
        explained: false,
        ...(timing ? { timing: 'deferred' as const } : {}),
        owners: [],
        scopes: [GLOBAL],
        execIds: [],
        bookings: [],
        broker: { cashCents: input.brokerCashCents },
        books: { cashCents: books, differenceCents: input.brokerCashCents - books },
        message: `cash: the broker reports ${(input.brokerCashCents / 100).toFixed(2)}, the books ${(books / 100).toFixed(2)}`,
      });
    }
  }
  return tally(differences, openingBalanceCents);
}

/** Unexplained for good: not explained and not timing. Only these set reduce-only. */
export const isUnexplained = (d: Difference): boolean => !d.explained && !d.timing;

function tally(differences: Difference[], openingBalanceCents: number | null): ReconcileResult {
  const unexplained = differences.filter(isUnexplained);
  return {
    differences,
    explained: differences.filter((d) => d.explained && !d.timing).length,
    unexplained: unexplained.length,
    inFlight: differences.filter((d) => d.timing === 'in_flight').length,
    deferred: differences.filter((d) => d.timing === 'deferred').length,
    reduceOnlyScopes: [...new Set(unexplained.flatMap((d) => d.scopes))].sort(),
    openingBalanceCents,
  };
}

/**
 * A fill of the books is later than the broker's snapshot when the broker did not list it and
 * it executed after the read began (IB's times are whole seconds: the same second counts as
 * after). A time that cannot be read is not later: the difference it makes then shows.
 */
export function laterThanSnapshot(f: Pick<BookFill, 'execId' | 'time'>, listed: ReadonlySet<string>, snapshot: BrokerSnapshot): boolean {
  if (listed.has(f.execId)) return false;
  const at = ibInstant(f.time);
  const start = ibInstant(snapshot.readStartedAt);
  if (!at || !start) return false;
  return at.getTime() >= Math.floor(start.getTime() / 1000) * 1000;
}

/** Every sum of a subset of `values` (0 included); null when there are more than `limit`. */
export function subsetSums(values: readonly number[], limit = 4096): Set<number> | null {
  let sums = new Set([0]);
  for (const v of values) {
    const next = new Set(sums);
    for (const x of sums) next.add(x + v);
    if (next.size > limit) return null;
    sums = next;
  }
  return sums;
}

/** A difference (broker − books) that leaving out some of the executions around the snapshot accounts for; too many to tell: yes. */
function mayBeTiming(diff: number, leftOut: readonly number[]): boolean {
  if (!leftOut.length) return false;
  return subsetSums(leftOut)?.has(diff) ?? true;
}

/** Keys of the differences a recheck looks at again: unexplained or deferred. */
export const undecidedKeys = (r: ReconcileResult): string[] => r.differences.filter((d) => !d.explained).map((d) => d.key);

/**
 * The last look's verdict: a difference is unexplained (reduce-only) only when it persisted, i.e.
 * its key was undecided in every earlier look too; one that just appeared is deferred to the
 * next run. Deferred ones stay deferred.
 */
export function persistentOnly(r: ReconcileResult, undecidedInEveryLook: ReadonlySet<string>): ReconcileResult {
  const differences = r.differences.map((d) => (isUnexplained(d) && !undecidedInEveryLook.has(d.key) ? { ...d, timing: 'deferred' as const } : d));
  return tally(differences, r.openingBalanceCents);
}

/** A fill between the broker and the books: reported, nothing booked, no scope. */
const inFlight = (o: Owner, contract: ContractRef, execId: string, broker: Record<string, unknown>, books: Record<string, unknown>, message: string): Difference => ({
  key: `IN_FLIGHT:${execId}`,
  kind: 'IN_FLIGHT',
  explained: true,
  timing: 'in_flight',
  contract,
  owners: [pick(o)],
  scopes: [],
  execIds: [execId],
  bookings: [],
  broker,
  books,
  message,
});

const pick = (o: Owner): Owner => ({ ownerKind: o.ownerKind, ownerId: o.ownerId, scope: o.scope });

/** Scopes of the owners holding anything in this symbol; nobody → the global scope. */
function scopesTouching(held: Map<string, Map<string, BookPosition>>, symbol: string): string[] {
  const s = new Set<string>();
  for (const [k, m] of held) if (k.startsWith(`${symbol.toUpperCase()}|`)) for (const p of m.values()) if (p.quantity !== 0) s.add(p.scope);
  return s.size ? [...s].sort() : [GLOBAL];
}

/**
 * IB's realised P&L of a stream of executions (one owner): the commission is folded into the
 * position's cost, a reducing execution realises (proceeds − commission) − cost of what it
 * closes; crossing zero opens the rest at the execution's price. Cents, rounded per execution.
 */
export interface NetEvent {
  contract: ContractRef;
  signedQty: number;
  price: string | number;
  commissionCents: number;
}
export function realizedNet(events: readonly NetEvent[]): { realizedCents: number; perEvent: number[] } {
  const pos = new Map<string, { q: number; cost: Decimal }>(); // cost: per unit incl. multiplier, dollars
  let total = 0;
  const perEvent: number[] = [];
  for (const ev of events) {
    const mult = MULT[ev.contract.secType];
    const k = contractKey(ev.contract);
    const p = pos.get(k) ?? { q: 0, cost: new Decimal(0) };
    const perUnit = new Decimal(ev.price).mul(mult).plus(new Decimal(ev.commissionCents).div(100).div(ev.signedQty));
    let realized = 0;
    if (p.q === 0 || Math.sign(p.q) === Math.sign(ev.signedQty)) {
      p.cost = p.cost
        .mul(Math.abs(p.q))
        .plus(perUnit.mul(Math.abs(ev.signedQty)))
        .div(Math.abs(p.q + ev.signedQty));
      p.q += ev.signedQty;
    } else {
      const closed = Math.min(Math.abs(p.q), Math.abs(ev.signedQty));
      realized = perUnit.minus(p.cost).mul(closed).mul(Math.sign(p.q)).mul(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
      const old = p.q;
      p.q += ev.signedQty;
      if (p.q !== 0 && Math.sign(p.q) !== Math.sign(old)) p.cost = perUnit;
    }
    pos.set(k, p);
    total += realized;
    perEvent.push(realized);
  }
  return { realizedCents: total, perEvent };
}
