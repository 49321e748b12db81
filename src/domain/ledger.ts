/**
 * The triple-fork ledger (PROTOCOL §1). Money moves only as entries {from, to, amountCents,
 * reason, key}; `key` is a deterministic idempotency key built from (reason, account/family,
 * period), so planning and applying the same week twice changes nothing: applyEntries skips
 * keys it has seen. The plan* functions compute entries; they never mutate anything.
 */
import { allocate, cents, fractionOf, type Cents } from './money';
import { ACCOUNT_KINDS, type AccountKind, type ProtocolConfig } from './config';
import { applyFill, type NetPosition } from './positionMath';

/**
 * TRADE (buying/selling shares or LEAPS with the account's own cash) is not in PROTOCOL §1's
 * list of transfer reasons, but a cash ledger that balances needs it.
 */
export const LEDGER_REASONS = ['FORK', 'MERGE', 'REINVEST', 'DEPOSIT', 'WITHDRAWAL', 'PREMIUM', 'ASSIGNMENT', 'COMMISSION', 'TRADE', 'INTEREST'] as const;
export type LedgerReason = (typeof LEDGER_REASONS)[number];

/** The client's bank (deposits, withdrawals) and the market (premiums, assignments, fees, trades). */
export const EXTERNAL = 'EXTERNAL';
export const MARKET = 'MARKET';

export interface LedgerEntry {
  from: string;
  to: string;
  amountCents: Cents;
  reason: LedgerReason;
  key: string;
}

export interface LedgerState {
  balances: Readonly<Record<string, Cents>>;
  keys: ReadonlySet<string>;
}

/** 'F0' + 'GEN' → 'F0:GEN'; the LEAPS sleeve of an account is '<account>:LEAPS'. */
export const accountId = (family: string, kind: AccountKind): string => `${family}:${kind}`;
/** The kind of an ALL-USE account id ('F0:GEN', 'F0/2027-W10:COM', 'F0:GEN:LEAPS'), or undefined. */
export function accountKindOf(account: string): AccountKind | undefined {
  const m = /:(GEN|REV|COM)(?::LEAPS)?$/.exec(account);
  return m ? (m[1] as AccountKind) : undefined;
}
export const leapsId = (account: string): string => `${account}:LEAPS`;

export const emptyLedger = (): LedgerState => ({ balances: {}, keys: new Set() });
export const balanceOf = (s: LedgerState, account: string): Cents => s.balances[account] ?? 0;

/**
 * Posts the entries whose key is new into containers the caller owns (a backtest, an activity
 * holding its own copy): no copy per batch. Returns what was applied.
 */
export function postEntries(balances: Record<string, Cents>, keys: Set<string>, entries: readonly LedgerEntry[]): LedgerEntry[] {
  const applied: LedgerEntry[] = [];
  for (const e of entries) if (postEntry(balances, keys, e)) applied.push(e);
  return applied;
}

/** Posts one entry as postEntries does (no batch arrays: the backtest credits interest per account and week); false when its key was already posted. */
export function postEntry(balances: Record<string, Cents>, keys: Set<string>, e: LedgerEntry): boolean {
  if (keys.has(e.key)) return false;
  if (cents(e.amountCents) <= 0) throw new RangeError(`ledger amount must be positive: ${e.key}`);
  if (e.from === e.to) throw new RangeError(`ledger entry to itself: ${e.key}`);
  balances[e.from] = (balances[e.from] ?? 0) - e.amountCents;
  balances[e.to] = (balances[e.to] ?? 0) + e.amountCents;
  keys.add(e.key);
  return true;
}

/** Pure form: the new state (a copy) with the entries whose key is new (also within the batch). */
export function applyEntries(s: LedgerState, entries: readonly LedgerEntry[]): { state: LedgerState; applied: LedgerEntry[] } {
  if (entries.every((e) => s.keys.has(e.key))) return { state: s, applied: [] };
  const balances = { ...s.balances };
  const keys = new Set(s.keys);
  const applied = postEntries(balances, keys, entries);
  return { state: { balances, keys }, applied };
}

/**
 * Lump sum → Gen/Rev/Com by the configured shares. Exact cents by the largest-remainder rule of
 * `allocate`: leftover cents go to the largest fractional share, ties to the earlier of
 * GEN, REV, COM (so $1,000,000.01 → GEN 400,000.01, REV 300,000.00, COM 300,000.00).
 */
export function initialSplit(family: string, lumpSum: Cents, accounts: ProtocolConfig['accounts'], depositId: string): LedgerEntry[] {
  const parts = allocate(
    lumpSum,
    ACCOUNT_KINDS.map((k) => accounts[k].share),
  );
  return ACCOUNT_KINDS.map((k, i) => ({
    from: EXTERNAL,
    to: accountId(family, k),
    amountCents: parts[i] ?? 0,
    reason: 'DEPOSIT' as const,
    key: `DEPOSIT:${accountId(family, k)}:${depositId}`,
  })).filter((e) => e.amountCents > 0);
}

/** The cash no order may consume: value × buffer, rounded up to the cent (never under-reserved). */
export const cashBuffer = (accountValue: Cents, buffer: number): Cents => fractionOf(Math.max(0, accountValue), buffer, 'UP');
export const usableCash = (cash: Cents, accountValue: Cents, buffer: number): Cents => Math.max(0, cash - cashBuffer(accountValue, buffer));

/**
 * Contracts for a cash-secured position: floor(usable cash / (strike × multiplier)), further capped
 * so that the symbol's total at risk (already + new, strike × multiplier each) stays within
 * concentrationLimit × account value.
 */
export function contractsFor(p: { usableCash: Cents; strike: Cents; accountValue: Cents; concentrationLimit: number; atRiskInSymbol?: Cents; multiplier: number }): number {
  const perContract = cents(p.strike) * p.multiplier;
  if (perContract <= 0) return 0;
  const byCash = Math.floor(p.usableCash / perContract);
  const room = fractionOf(p.accountValue, p.concentrationLimit, 'DOWN') - (p.atRiskInSymbol ?? 0);
  return Math.max(0, Math.min(byCash, Math.floor(room / perContract)));
}

export interface ForkPlan {
  entries: LedgerEntry[];
  /** the new family, `<parent>/<week>` (deterministic, so a replay names it the same) */
  child: string;
  surplus: Cents;
  moved: Cents;
  newBase: Cents;
}

/**
 * Fork: when Gen-Acc value − base ≥ threshold, the surplus (value − base) leaves Gen-Acc: the
 * `toForkedShare` part founds a new family split Gen/Com by `forkedGenShare`, the rest goes to the
 * parent's Com-Acc. Only cash can move, so the amount is capped by Gen-Acc's cash; the base
 * resets to the value left behind (the old base whenever the surplus was all cash).
 */
export function planFork(p: { family: string; genValue: Cents; genCash: Cents; base: Cents; week: string; fork: ProtocolConfig['fork'] }): ForkPlan | null {
  const surplus = p.genValue - p.base;
  if (surplus < p.fork.thresholdCents || surplus <= 0) return null;
  const moved = Math.min(surplus, Math.max(0, p.genCash));
  if (moved <= 0) return null;
  const [toChild = 0, toParentCom = 0] = allocate(moved, [p.fork.toForkedShare, 1 - p.fork.toForkedShare]);
  const [childGen = 0, childCom = 0] = allocate(toChild, [p.fork.forkedGenShare, 1 - p.fork.forkedGenShare]);
  const child = `${p.family}/${p.week}`;
  const from = accountId(p.family, 'GEN');
  const entries: LedgerEntry[] = [
    { to: accountId(child, 'GEN'), amountCents: childGen },
    { to: accountId(child, 'COM'), amountCents: childCom },
    { to: accountId(p.family, 'COM'), amountCents: toParentCom },
  ]
    .filter((x) => x.amountCents > 0)
    .map((x) => ({ ...x, from, reason: 'FORK' as const, key: `FORK:${p.family}:${p.week}:${x.to}` }));
  return { entries, child, surplus, moved, newBase: p.genValue - moved };
}

/**
 * Merge: when a forked family's value reaches the threshold, every account of it with cash sends
 * that cash to the parent's Com-Acc and the family closes. Shares move with it at their cost
 * basis (receiveAtCost; the ledger carries cash only). Open options are not moved: the merge
 * waits until the family holds none (they expire within the week), see mergeWaitsFor.
 */
export function planMerge(p: {
  family: string;
  parent: string;
  familyValue: Cents;
  cash: Readonly<Record<string, Cents>>;
  week: string;
  merge: ProtocolConfig['merge'];
  /** Open option positions of the family: a merge waits until none is left (mergeWaitsFor). */
  openOptions?: number;
}): LedgerEntry[] | null {
  if (p.familyValue < p.merge.thresholdCents) return null;
  if ((p.openOptions ?? 0) > 0) return null;
  const to = accountId(p.parent, 'COM');
  return Object.entries(p.cash)
    .filter(([, c]) => c > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([from, c]) => ({ from, to, amountCents: c, reason: 'MERGE' as const, key: `MERGE:${p.family}:${p.week}:${from}` }));
}

/**
 * Quarterly reinvestment of the premium accumulated since the last one: `contractsShare` stays
 * as trading capital (no entry), `leapsShare` (rounded down to the cent) moves to the account's
 * LEAPS sleeve. No entry when the premium is not positive.
 */
export function planReinvest(p: { account: string; premiumCents: Cents; quarter: string; reinvest: ProtocolConfig['reinvest'] }): LedgerEntry[] {
  if (p.premiumCents <= 0) return [];
  const amount = fractionOf(p.premiumCents, p.reinvest.leapsShare, 'DOWN');
  if (amount <= 0) return [];
  return [{ from: p.account, to: leapsId(p.account), amountCents: amount, reason: 'REINVEST', key: `REINVEST:${p.account}:${p.quarter}` }];
}

/** A position as booked: quantity and cost basis per share (decimal string). */
export interface HeldPosition {
  account: string;
  symbol: string;
  secType: 'STK' | 'OPT';
  quantity: number;
  avgPrice: string;
}

/**
 * The positions a merge waits for: open options. An option stays with the account that opened
 * it (its entry plan, level and rolls are that account's) until it expires, is assigned (shares,
 * which move) or is closed; weekly options are gone by the week's expiry.
 */
export const mergeWaitsFor = <P extends HeldPosition>(held: readonly P[]): P[] => held.filter((p) => p.secType === 'OPT' && p.quantity !== 0);

/**
 * The receiving position after a transfer at cost: `incoming` joins `existing` as if bought (or
 * sold) at its own average price, so the combined basis is the quantity-weighted average and the
 * moved shares keep what they cost; opposite sides net at cost (positionMath.applyFill).
 */
export function receiveAtCost(existing: NetPosition, incoming: { quantity: number; avgPrice: string }, multiplier: number): NetPosition {
  if (incoming.quantity === 0) return existing;
  return applyFill(existing, incoming.quantity, incoming.avgPrice, multiplier);
}
