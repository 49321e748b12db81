/**
 * The books as reconciliation sees them, and the keyed bookings it applies. Every write is
 * idempotent: a booking's key (book_entries.key) is inserted first, in the same transaction
 * as what it changes, so a retried activity or a second reconciliation changes nothing.
 *
 * "Books cash" is the broker account's cash as the books explain it: the opening balance
 * (recorded by the first reconciliation) + every recorded fill (− qty × price × multiplier −
 * commission) + every lifecycle booking's cash (assignment / exercise at the strike).
 */
import Decimal from 'decimal.js';
import type { Prisma, PrismaClient } from './client';
import { applyFillToPosition } from './instructions';
import { enqueueStatusEventTx, type WebhookTargets } from './webhooks';
import { actionSpec, multiplierOf, ymdOfIso } from '../domain/instrument';
import { applyFill, type NetPosition } from '../domain/positionMath';
import { familyOfAccount, fillCashCents, type BookFill, type BookInstruction, type BookPosition, type Booking, type ContractRef, type OwnerKind } from '../domain/reconcile';
import type { TradeInstruction } from '../contracts/instruction';

type Tx = Prisma.TransactionClient;
/** The client or a transaction: reconciliation reads the books in one repeatable-read snapshot. */
type Db = PrismaClient | Tx;
export const OPENING_BALANCE_KEY = 'OPENING_BALANCE';

const contractOf = (r: { symbol: string; secType: string; expiry: string; strike: { toString(): string }; right: string }): ContractRef => ({
  symbol: r.symbol,
  secType: r.secType as 'STK' | 'OPT',
  expiry: r.expiry,
  strike: r.strike.toString(),
  right: r.right,
});

/** The control scope of a position's owner: a STAR-LAB strategy's segment (of its opening instruction) or the ALL-USE account. */
const scopeOf = (ownerKind: string, ownerId: string, accountTag: string | null | undefined): string => (ownerKind === 'ACCOUNT' ? `account:${ownerId}` : `segment:${accountTag ?? 'UNTAGGED'}`);

export async function bookPositions(prisma: Db): Promise<BookPosition[]> {
  const rows = await prisma.position.findMany({ where: { quantity: { not: 0 } }, orderBy: [{ ownerKind: 'asc' }, { ownerId: 'asc' }, { symbol: 'asc' }] });
  const ids = [...new Set(rows.map((r) => r.openInstructionId).filter((x): x is string => !!x))];
  const tags = new Map((await prisma.instruction.findMany({ where: { id: { in: ids } }, select: { id: true, accountTag: true } })).map((i) => [i.id, i.accountTag]));
  return rows.map((r) => ({
    ownerKind: r.ownerKind as OwnerKind,
    ownerId: r.ownerId,
    scope: scopeOf(r.ownerKind, r.ownerId, r.openInstructionId ? tags.get(r.openInstructionId) : null),
    contract: contractOf(r),
    quantity: r.quantity,
    avgPrice: r.avgPrice.toString(),
  }));
}

/** Option position rows the books closed (quantity 0) for these contracts: who a settled expiry belonged to. */
export async function closedPositions(prisma: Db, contracts: readonly ContractRef[]): Promise<BookPosition[]> {
  const opts = contracts.filter((c) => c.secType === 'OPT');
  if (!opts.length) return [];
  const rows = await prisma.position.findMany({
    where: { quantity: 0, secType: 'OPT', OR: opts.map((c) => ({ symbol: c.symbol, expiry: c.expiry, right: c.right, strike: new Decimal(c.strike).toString() })) },
  });
  return rows.map((r) => ({
    ownerKind: r.ownerKind as OwnerKind,
    ownerId: r.ownerId,
    scope: scopeOf(r.ownerKind, r.ownerId, null),
    contract: contractOf(r),
    quantity: 0,
    avgPrice: r.avgPrice.toString(),
  }));
}

/** Which of these execIds the books hold (recorded fills or booked lifecycle executions). */
export async function knownExecIds(prisma: Db, execIds: readonly string[]): Promise<Set<string>> {
  if (!execIds.length) return new Set();
  const [fills, entries] = await Promise.all([
    prisma.execution.findMany({ where: { execId: { in: [...execIds] } }, select: { execId: true } }),
    prisma.bookEntry.findMany({ where: { execId: { in: [...execIds] } }, select: { execId: true } }),
  ]);
  return new Set([...fills.map((f) => f.execId), ...entries.map((e) => e.execId!)]);
}

/** The instructions with these ids (an execution's orderRef), as reconciliation needs them. */
export async function bookInstructions(prisma: Db, ids: readonly string[]): Promise<Map<string, BookInstruction>> {
  if (!ids.length) return new Map();
  const rows = await prisma.instruction.findMany({ where: { id: { in: [...ids] } } });
  return new Map(
    rows.map((r) => {
      const spec = actionSpec(r.tradeAction as TradeInstruction['trade_action']);
      const ownerKind: OwnerKind = r.accountId ? 'ACCOUNT' : 'STRATEGY';
      const ownerId = r.accountId ?? `${r.clientName}:${r.starlabStrategyId}`;
      return [
        r.id,
        {
          id: r.id,
          ownerKind,
          ownerId,
          scope: scopeOf(ownerKind, ownerId, r.accountTag),
          contract: { symbol: r.symbol, secType: spec.secType, expiry: ymdOfIso(r.expirationDate ?? ''), strike: r.strikePrice?.toString() ?? '0', right: spec.right ?? '' },
        },
      ];
    }),
  );
}

/** Status and workflow of these instructions: whether a fill of theirs may still be on its way to the books. */
export async function instructionProgress(prisma: Db, ids: readonly string[]): Promise<Map<string, { status: string; workflowId: string }>> {
  if (!ids.length) return new Map();
  const rows = await prisma.instruction.findMany({ where: { id: { in: [...ids] } }, select: { id: true, status: true, workflowId: true } });
  return new Map(rows.map((r) => [r.id, { status: r.status, workflowId: r.workflowId }]));
}

/**
 * The fills the books recorded since `since` (their rows' creation) other than `except`, with
 * their cash as `bookCashCents` counts it: reconciliation leaves out the ones later than the
 * broker's snapshot (src/domain/reconcile.ts `laterThanSnapshot`).
 */
export async function bookFillsSince(prisma: Db, since: Date, except: ReadonlySet<string>, brokerCommission: ReadonlyMap<string, number> = new Map()): Promise<BookFill[]> {
  const rows = await prisma.execution.findMany({ where: { createdAt: { gte: since } }, select: { execId: true, instructionId: true, shares: true, price: true, commission: true, executedAt: true } });
  const fresh = rows.filter((r) => !except.has(r.execId));
  const instr = await bookInstructions(prisma, [...new Set(fresh.map((r) => r.instructionId))]);
  const sides = new Map(
    (await prisma.instruction.findMany({ where: { id: { in: [...instr.keys()] } }, select: { id: true, tradeAction: true } })).map((r) => [
      r.id,
      actionSpec(r.tradeAction as TradeInstruction['trade_action']).side,
    ]),
  );
  return fresh.flatMap((r) => {
    const i = instr.get(r.instructionId);
    if (!i) return [];
    const signedQty = (sides.get(r.instructionId) === 'BUY' ? 1 : -1) * r.shares;
    const commission = r.commission !== null ? r.commission.toString() : String(brokerCommission.get(r.execId) ?? 0);
    const commissionCents = new Decimal(commission).mul(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
    return [
      {
        ownerKind: i.ownerKind,
        ownerId: i.ownerId,
        scope: i.scope,
        execId: r.execId,
        time: r.executedAt,
        contract: i.contract,
        signedQty,
        cashCents: fillCashCents(i.contract, signedQty, r.price.toString(), commissionCents),
      },
    ];
  });
}

/**
 * The books' broker cash in cents, or null before the first reconciliation recorded the
 * opening balance. A fill whose commission report has not reached the books yet counts the
 * commission the broker reports for it (`brokerCommission`, dollars by execId).
 */
export async function bookCashCents(prisma: Db, brokerCommission: ReadonlyMap<string, number> = new Map()): Promise<number | null> {
  const opening = await prisma.bookEntry.findUnique({ where: { key: OPENING_BALANCE_KEY } });
  if (!opening) return null;
  let cash = Number(opening.cashCents);
  const fills = await prisma.execution.findMany({ include: { instruction: { select: { tradeAction: true, symbol: true } } } });
  for (const f of fills) {
    const spec = actionSpec(f.instruction.tradeAction as TradeInstruction['trade_action']);
    const commission = f.commission !== null ? f.commission.toString() : String(brokerCommission.get(f.execId) ?? 0);
    const commissionCents = new Decimal(commission).mul(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
    cash += fillCashCents({ symbol: f.instruction.symbol, secType: spec.secType, expiry: '', strike: '0', right: '' }, (spec.side === 'BUY' ? 1 : -1) * f.shares, f.price.toString(), commissionCents);
  }
  const agg = await prisma.bookEntry.aggregate({ where: { kind: 'LIFECYCLE' }, _sum: { cashCents: true } });
  return cash + Number(agg._sum.cashCents ?? 0n);
}

export async function recordOpeningBalance(prisma: PrismaClient, cents: number, runId: string): Promise<boolean> {
  const r = await prisma.bookEntry.createMany({
    data: [
      {
        key: OPENING_BALANCE_KEY,
        kind: 'OPENING_BALANCE',
        reason: 'OPENING_BALANCE',
        ownerKind: 'BROKER',
        ownerId: '',
        symbol: '',
        secType: '',
        quantity: 0,
        price: '0',
        cashCents: BigInt(cents),
        runId,
      },
    ],
    skipDuplicates: true,
  });
  return r.count === 1;
}

/** Moves an owner's position by a lifecycle booking (option closed at 0, stock at the strike), under the fill lock. */
async function moveLifecycle(tx: Tx, b: Booking, openInstructionId: string | null): Promise<void> {
  const c = b.contract;
  const strike = new Decimal(c.strike || 0).toString();
  const key = [b.ownerKind, b.ownerId, c.symbol, c.secType, c.expiry, new Decimal(c.strike || 0).toNumber(), c.right].join('|');
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
  const where = { ownerKind: b.ownerKind, ownerId: b.ownerId, symbol: c.symbol, secType: c.secType, expiry: c.expiry, strike, right: c.right };
  const row = await tx.position.findUnique({ where: { ownerKind_ownerId_symbol_secType_expiry_strike_right: where } });
  const prev: NetPosition = row ? { quantity: row.quantity, avgPrice: row.avgPrice.toString(), realizedPnlCents: Number(row.realizedPnlCents) } : { quantity: 0, avgPrice: '0', realizedPnlCents: 0 };
  const next = applyFill(prev, b.positionDelta, b.price, multiplierOf(c.secType));
  const opensNew = prev.quantity === 0 || Math.sign(next.quantity) !== Math.sign(prev.quantity);
  const data = {
    quantity: next.quantity,
    avgPrice: next.avgPrice,
    realizedPnlCents: BigInt(next.realizedPnlCents),
    ...(opensNew && next.quantity !== 0 && openInstructionId ? { openInstructionId } : {}),
  };
  if (row) await tx.position.update({ where: { id: row.id }, data });
  else await tx.position.create({ data: { id: `pos_${key}`, ...where, ...data, openInstructionId } });
}

/**
 * Applies explained bookings, each once. Returns the keys applied now (a key already present
 * means an earlier run booked it). Stock delivered by an assignment belongs to the owner (and
 * the segment) of the option it came from: it inherits the option's opening instruction.
 */
export async function applyBookings(prisma: PrismaClient, bookings: readonly Booking[], runId: string, reason: (b: Booking) => string): Promise<{ applied: string[]; webhooks: WebhookTargets[] }> {
  const applied: string[] = [];
  const webhooks: WebhookTargets[] = [];
  for (const b of bookings) {
    const done = await prisma.$transaction(async (tx) => {
      const c = b.contract;
      const r = await tx.bookEntry.createMany({
        data: [
          {
            key: b.key,
            kind: b.kind,
            reason: reason(b),
            ownerKind: b.ownerKind,
            ownerId: b.ownerId,
            symbol: c.symbol,
            secType: c.secType,
            expiry: c.expiry,
            strike: new Decimal(c.strike || 0).toString(),
            right: c.right,
            quantity: b.positionDelta,
            price: b.price,
            cashCents: BigInt(b.cashCents),
            commissionCents: BigInt(b.commissionCents),
            realizedPnlCents: BigInt(b.realizedPnlCents),
            execId: b.execId,
            executedAt: b.time,
            runId,
          },
        ],
        skipDuplicates: true,
      });
      if (r.count === 0) return false;
      if (b.kind === 'FILL' && b.instructionId) {
        const ins = await tx.execution.createMany({
          data: [
            { execId: b.execId, instructionId: b.instructionId, shares: Math.abs(b.positionDelta), price: b.price, commission: new Decimal(b.commissionCents).div(100).toString(), executedAt: b.time },
          ],
          skipDuplicates: true,
        });
        // Recorded meanwhile by the instruction itself: its position already has it.
        if (ins.count === 1) {
          await applyFillToPosition(
            tx,
            b.ownerKind,
            b.ownerId,
            {
              symbol: c.symbol,
              secType: c.secType,
              expiry: c.expiry,
              strike: new Decimal(c.strike || 0).toNumber(),
              right: c.right,
              multiplier: multiplierOf(c.secType),
              sign: b.positionDelta > 0 ? 1 : -1,
            },
            b.instructionId,
            { execId: b.execId, time: b.time, shares: Math.abs(b.positionDelta), price: Number(b.price) },
          );
        }
        return true;
      }
      if (b.moves === false) return true;
      if (b.positionDelta !== 0 && b.ownerId) {
        // The option's opening instruction carries the segment over to the delivered stock.
        const opt = await tx.position.findFirst({
          where: { ownerKind: b.ownerKind, ownerId: b.ownerId, symbol: c.symbol, secType: 'OPT', openInstructionId: { not: null } },
          orderBy: { updatedAt: 'desc' },
          select: { openInstructionId: true },
        });
        // A STAR-LAB option that expired or was assigned: its client hears it on the opening
        // instruction's webhook stream, recorded with the booking (docs/WEBHOOKS.md).
        const opening =
          c.secType === 'OPT'
            ? (
                await tx.position.findFirst({
                  where: { ownerKind: b.ownerKind, ownerId: b.ownerId, symbol: c.symbol, secType: 'OPT', expiry: c.expiry, right: c.right, openInstructionId: { not: null } },
                  select: { openInstructionId: true },
                })
              )?.openInstructionId
            : null;
        await moveLifecycle(tx, b, opt?.openInstructionId ?? null);
        if (b.ownerKind === 'STRATEGY' && opening) {
          const kind = reason(b);
          const targets = await enqueueStatusEventTx(tx, {
            instructionId: opening,
            type: kind === 'EXPIRED_WORTHLESS' ? 'POSITION_EXPIRED' : 'POSITION_ASSIGNED',
            dedupeKey: `lifecycle:${b.key}`,
            data: {
              lifecycle: kind,
              symbol: c.symbol,
              expiry: c.expiry,
              strike: c.strike,
              right: c.right,
              quantity: b.positionDelta,
              exec_id: b.execId,
              executed_at: b.time,
              realized_pnl: new Decimal(b.realizedPnlCents).div(100).toNumber(),
            },
          });
          if (targets) webhooks.push(targets);
        }
      }
      if (b.ledger) {
        const l = b.ledger;
        // The account row knows its family (a LEAPS sleeve's id may nest deeper than <family>:<kind>).
        const familyId = (await tx.account.findUnique({ where: { id: b.ownerId }, select: { familyId: true } }))?.familyId ?? familyOfAccount(b.ownerId);
        const e = await tx.ledgerEntry.createMany({
          data: [{ key: l.key, familyId, fromAccountId: l.from, toAccountId: l.to, amountCents: BigInt(l.amountCents), reason: 'ASSIGNMENT', detail: { execId: b.execId, shares: b.positionDelta } }],
          skipDuplicates: true,
        });
        if (e.count === 1) {
          await tx.account.updateMany({ where: { id: l.from }, data: { cashCents: { decrement: BigInt(l.amountCents) } } });
          await tx.account.updateMany({ where: { id: l.to }, data: { cashCents: { increment: BigInt(l.amountCents) } } });
        }
      }
      return true;
    });
    if (done) applied.push(b.key);
  }
  return { applied, webhooks };
}

export interface LifecycleEvent {
  key: string;
  reason: string;
  ownerKind: string;
  ownerId: string;
  contract: ContractRef;
  quantity: number;
  price: string;
  cashCents: number;
  realizedPnlCents: number;
  execId: string | null;
  executedAt: string | null;
}

/** An owner's lifecycle bookings (expiry, assignment, exercise), in time order. */
export async function lifecycleOf(prisma: PrismaClient, ownerKind: string, ownerId: string): Promise<LifecycleEvent[]> {
  const rows = await prisma.bookEntry.findMany({ where: { ownerKind, ownerId, kind: 'LIFECYCLE' }, orderBy: [{ executedAt: 'asc' }, { key: 'asc' }] });
  return rows.map((r) => ({
    key: r.key,
    reason: r.reason,
    ownerKind: r.ownerKind,
    ownerId: r.ownerId,
    contract: contractOf(r),
    quantity: r.quantity,
    price: r.price.toString(),
    cashCents: Number(r.cashCents),
    realizedPnlCents: Number(r.realizedPnlCents),
    execId: r.execId,
    executedAt: r.executedAt,
  }));
}

export interface StoredRun {
  id: string;
  trigger: string;
  brokerTime: string;
  differences: number;
  explained: number;
  unexplained: number;
  reduceOnly: string[];
  body: unknown;
  createdAt: string;
}
const runView = (r: {
  id: string;
  trigger: string;
  brokerTime: Date;
  differences: number;
  explained: number;
  unexplained: number;
  reduceOnly: string[];
  body: unknown;
  createdAt: Date;
}): StoredRun => ({
  id: r.id,
  trigger: r.trigger,
  brokerTime: r.brokerTime.toISOString(),
  differences: r.differences,
  explained: r.explained,
  unexplained: r.unexplained,
  reduceOnly: r.reduceOnly,
  body: r.body,
  createdAt: r.createdAt.toISOString(),
});

/** Stores a run's report once (a retried activity writes the same id: first write wins). */
export async function saveRun(prisma: PrismaClient, r: Omit<StoredRun, 'createdAt'>): Promise<void> {
  await prisma.reconciliationRun.createMany({
    data: [
      {
        id: r.id,
        trigger: r.trigger,
        brokerTime: new Date(r.brokerTime),
        differences: r.differences,
        explained: r.explained,
        unexplained: r.unexplained,
        reduceOnly: r.reduceOnly,
        body: r.body as Prisma.InputJsonValue,
      },
    ],
    skipDuplicates: true,
  });
}

export async function latestRun(prisma: PrismaClient): Promise<StoredRun | null> {
  const r = await prisma.reconciliationRun.findFirst({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  return r ? runView(r) : null;
}

export async function getRun(prisma: PrismaClient, id: string): Promise<StoredRun | null> {
  const r = await prisma.reconciliationRun.findUnique({ where: { id } });
  return r ? runView(r) : null;
}

export async function listRuns(prisma: PrismaClient, limit = 50): Promise<Omit<StoredRun, 'body'>[]> {
  const rows = await prisma.reconciliationRun.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit });
  return rows.map((r) => {
    const { body: _b, ...rest } = runView(r);
    return rest;
  });
}

/** Orphaned-order cases recorded by tradeInstruction (audit action RECONCILIATION_CASE), newest first. */
export async function reconciliationCases(
  prisma: PrismaClient,
  since?: Date,
  limit = 100,
): Promise<Array<{ id: string; actor: string; target: string | null; outcome: string; detail: unknown; createdAt: string }>> {
  const rows = await prisma.auditLog.findMany({ where: { action: 'RECONCILIATION_CASE', ...(since ? { createdAt: { gte: since } } : {}) }, orderBy: { createdAt: 'desc' }, take: limit });
  return rows.map((r) => ({ id: r.id.toString(), actor: r.actor, target: r.target, outcome: r.outcome, detail: r.detail, createdAt: r.createdAt.toISOString() }));
}

export interface OwnerEvent {
  /** instruction id of a fill, or the lifecycle execution's key */
  source: string;
  kind: 'FILL' | 'LIFECYCLE';
  reason: string;
  contract: ContractRef;
  signedQty: number;
  price: string;
  commissionCents: number;
}

/**
 * An owner's executions in the order the books learned them: its fills (instructions of a
 * STAR-LAB strategy `client:strategy` or an ALL-USE account) and its lifecycle bookings. The
 * input of IB-style realised P&L (domain/reconcile realizedNet) and of trade counting.
 */
export async function ownerEvents(prisma: PrismaClient, ownerKind: string, ownerId: string): Promise<OwnerEvent[]> {
  const [client, ...rest] = ownerId.split(':');
  const where = ownerKind === 'ACCOUNT' ? { accountId: ownerId } : { clientName: client, starlabStrategyId: rest.join(':'), accountId: null };
  const [fills, life] = await Promise.all([
    prisma.execution.findMany({ where: { instruction: where }, include: { instruction: { select: { tradeAction: true, symbol: true, expirationDate: true, strikePrice: true } } } }),
    prisma.bookEntry.findMany({ where: { ownerKind, ownerId, kind: 'LIFECYCLE', NOT: { quantity: 0 } } }),
  ]);
  const evs: Array<OwnerEvent & { at: number; tie: string }> = [];
  for (const f of fills) {
    const spec = actionSpec(f.instruction.tradeAction as TradeInstruction['trade_action']);
    evs.push({
      at: f.createdAt.getTime(),
      tie: f.execId,
      source: f.instructionId,
      kind: 'FILL',
      reason: f.instruction.tradeAction,
      contract: {
        symbol: f.instruction.symbol,
        secType: spec.secType,
        expiry: ymdOfIso(f.instruction.expirationDate ?? ''),
        strike: f.instruction.strikePrice?.toString() ?? '0',
        right: spec.right ?? '',
      },
      signedQty: (spec.side === 'BUY' ? 1 : -1) * f.shares,
      price: f.price.toString(),
      commissionCents: f.commission === null ? 0 : new Decimal(f.commission.toString()).mul(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber(),
    });
  }
  for (const e of life)
    evs.push({
      at: e.createdAt.getTime(),
      tie: e.key,
      source: e.key,
      kind: 'LIFECYCLE',
      reason: e.reason,
      contract: contractOf(e),
      signedQty: e.quantity,
      price: e.price.toString(),
      commissionCents: 0,
    });
  return evs.sort((a, b) => a.at - b.at || (a.tie < b.tie ? -1 : 1)).map(({ at: _a, tie: _t, ...e }) => e);
}

/** Every owner that has a position row (STAR-LAB strategies and ALL-USE accounts). */
export async function owners(prisma: PrismaClient): Promise<Array<{ ownerKind: string; ownerId: string }>> {
  return prisma.position.findMany({ distinct: ['ownerKind', 'ownerId'], select: { ownerKind: true, ownerId: true } });
}

/** Runs `fn` in one transaction: the reconciliation reads one snapshot of the books. */
export function inBooksTransaction<T>(prisma: PrismaClient, fn: (tx: Tx) => Promise<T>, options?: { isolationLevel?: Prisma.TransactionIsolationLevel }): Promise<T> {
  return prisma.$transaction(fn, options);
}

/** The audit row of a finished reconciliation run (outcome OK or UNEXPLAINED); a failure throws, so the activity retries. */
export async function recordReconciliationAudit(prisma: PrismaClient, runId: string, outcome: 'OK' | 'UNEXPLAINED', detail: Prisma.InputJsonObject): Promise<void> {
  await prisma.auditLog.create({ data: { actor: 'reconciliation', action: 'RECONCILIATION_RUN', target: runId, outcome, detail } });
}
