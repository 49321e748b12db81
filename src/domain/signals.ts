/**
 * PROTOCOL §4: from a regime to an order. Target delta inside the account's band, strike from the
 * listed chain, a limit price at mid re-priced towards the bid (sells) or ask (buys) at most
 * `maxReprices` times, then skipped; and the rules that forbid a new entry.
 */
import type { Cents } from './money';
import type { AccountConfig, ProtocolConfig } from './config';
import type { Trend, VolRegime } from './indicators';
import type { Level } from './levels';
import type { WeekType } from './weekTypes';

export interface DeltaTarget {
  /** target |delta| */
  delta: number;
  /** multiply the computed contract count by this (then floor) */
  sizeFactor: number;
}

/** Upper end in BULL, middle in NEUTRAL, lower end in BEAR; HIGH volatility: lower end, size × factor. */
export function targetDelta(band: Pick<AccountConfig, 'deltaMin' | 'deltaMax'>, trend: Trend, vol: VolRegime, s: ProtocolConfig['signals']): DeltaTarget {
  if (vol === 'HIGH') return { delta: band.deltaMin, sizeFactor: s.highVolSizeFactor };
  const delta = trend === 'BULL' ? band.deltaMax : trend === 'BEAR' ? band.deltaMin : (band.deltaMin + band.deltaMax) / 2;
  return { delta, sizeFactor: 1 };
}

export interface ChainQuote {
  strike: Cents;
  /** signed model delta (negative for puts) */
  delta: number;
  bid: Cents;
  ask: Cents;
}

/**
 * The listed strike whose |delta| is nearest the target |delta|; on a tie the smaller |delta|
 * (further out of the money, less risk). `minStrike` keeps covered calls at or above cost basis.
 */
export function selectStrike(chain: readonly ChainQuote[], target: number, minStrike?: Cents): ChainQuote | null {
  let best: ChainQuote | null = null;
  for (const q of chain) {
    if (minStrike !== undefined && q.strike < minStrike) continue;
    if (q.bid <= 0 || q.ask < q.bid) continue; // no two-sided market (nothing to sell into)
    const dist = Math.abs(Math.abs(q.delta) - target);
    const bestDist = best ? Math.abs(Math.abs(best.delta) - target) : Infinity;
    // Deltas are floats: distances within 1e-12 are a tie (0.45 − 0.40 vs 0.40 − 0.35).
    if (dist < bestDist - 1e-12 || (Math.abs(dist - bestDist) <= 1e-12 && best && Math.abs(q.delta) < Math.abs(best.delta))) best = q;
  }
  return best;
}

export type Side = 'SELL' | 'BUY';

/** Mid in cents; a half cent rounds in the trader's favour (up for a sell, down for a buy). */
export function midPrice(bid: Cents, ask: Cents, side: Side): Cents {
  const twice = bid + ask;
  return twice % 2 === 0 ? twice / 2 : side === 'SELL' ? (twice + 1) / 2 : (twice - 1) / 2;
}

/**
 * The limit for attempt n (0 = first placement at mid, 1..maxReprices = re-prices), each
 * re-price `repriceStep` × (mid − bid) further towards the bid for a sell (ask for a buy),
 * never past it; 'SKIP' after the last re-price: no order this week.
 */
export function limitPriceForAttempt(attempt: number, bid: Cents, ask: Cents, side: Side, s: ProtocolConfig['signals']): Cents | 'SKIP' {
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`bad attempt: ${attempt}`);
  if (attempt > s.maxReprices) return 'SKIP';
  const mid = midPrice(bid, ask, side);
  const far = side === 'SELL' ? bid : ask;
  const step = Math.min(1, attempt * s.repriceStep);
  const raw = mid + (far - mid) * step;
  return side === 'SELL' ? Math.max(bid, Math.ceil(raw)) : Math.min(ask, Math.floor(raw));
}

/**
 * When an attempt that is still working is re-priced (ms, on one clock): `waitMs` after the
 * order reached the broker (`arrivedAt`), not after the wait began. Under load the instruction
 * can take longer than the interval to reach the broker (risk check, pacing); counting from the
 * start of the wait would cancel orders the market never saw and spend every re-price on them.
 * Until it arrives the wait runs at most `arrivalGraceMs` beyond `waitMs`; never past `capMs`
 * (the activity's own timeout).
 */
export function repriceDeadline(p: { startedAt: number; arrivedAt: number | null; waitMs: number; arrivalGraceMs: number; capMs: number }): number {
  const due = p.arrivedAt !== null ? p.arrivedAt + p.waitMs : p.startedAt + p.waitMs + p.arrivalGraceMs;
  return Math.min(p.startedAt + p.capMs, due);
}

/** The whole limit ladder of an order: the price of each attempt, 0 (mid) to the last re-price. */
export function limitLadder(bid: Cents, ask: Cents, side: Side, s: ProtocolConfig['signals']): Cents[] {
  const out: Cents[] = [];
  for (let n = 0; n <= s.maxReprices; n++) out.push(limitPriceForAttempt(n, bid, ask, side, s) as Cents);
  return out;
}

export type EntryBlock = { ok: true } | { ok: false; reason: 'LEVEL' | 'PREVIOUS_WEEK'; detail: string };

const OPEN: EntryBlock = Object.freeze({ ok: true }); // one answer for every open gate (checked per account and entry day)

/** No new entry while a position in the symbol is at level ≥ 1, or after a P-DD / P-AOL week in it. */
export function canEnter(p: { maxOpenLevel: Level | null; previousWeekType: WeekType | null }): EntryBlock {
  if (p.maxOpenLevel !== null && p.maxOpenLevel >= 1) return { ok: false, reason: 'LEVEL', detail: `open position at level ${p.maxOpenLevel}` };
  if (p.previousWeekType === 'P-DD' || p.previousWeekType === 'P-AOL') return { ok: false, reason: 'PREVIOUS_WEEK', detail: `previous week was ${p.previousWeekType}` };
  return OPEN;
}

/** Contracts after the regime's size factor (HIGH vol halves, rounded down). */
export const sizedContracts = (contracts: number, t: DeltaTarget): number => Math.floor(contracts * t.sizeFactor);

/**
 * The strike range (in the price unit of `spot`) quoted for a right: out of the money up to `window`
 * of spot, and in the money up to `inTheMoney` of spot. Near expiry the strike nearest a 0.40–0.50
 * target is often a step in the money (PROTOCOL §4: the listed strike nearest the target, whichever
 * side of spot), so a chain cut at spot would miss it and skip the entry.
 */
export const chainWindowOf = (right: 'C' | 'P', spot: number, window: number, inTheMoney = 0): [number, number] =>
  right === 'P' ? [spot * (1 - window), spot * (1 + inTheMoney)] : [spot * (1 - inTheMoney), spot * (1 + window)];

export type EntryStrike = { ok: true; quote: ChainQuote } | { ok: false; reason: 'NO_STRIKE' | 'DELTA_OUT_OF_BAND'; detail: string };

/**
 * The strike sold at entry, chosen from the chain as it is then (not the Friday before): the
 * quote nearest the target delta (calls at or above `minStrike`), and only if its |delta| lies in
 * the account's band widened by `tolerance` (PROTOCOL §4; strikes are discrete); otherwise the entry is skipped
 * with the reason.
 */
export function chooseEntryStrike(p: { chain: readonly ChainQuote[]; targetDelta: number; band: Pick<AccountConfig, 'deltaMin' | 'deltaMax'>; tolerance: number; minStrike?: Cents }): EntryStrike {
  const q = selectStrike(p.chain, p.targetDelta, p.minStrike);
  if (!q) return { ok: false, reason: 'NO_STRIKE', detail: `no two-sided quote${p.minStrike !== undefined ? ` at or above ${p.minStrike}` : ''}` };
  const d = Math.abs(q.delta);
  const [lo, hi] = [p.band.deltaMin - p.tolerance, p.band.deltaMax + p.tolerance];
  if (d < lo - 1e-9 || d > hi + 1e-9)
    return { ok: false, reason: 'DELTA_OUT_OF_BAND', detail: `strike=${q.strike}, |delta|=${d.toFixed(3)}, band=${p.band.deltaMin}-${p.band.deltaMax} ± ${p.tolerance}` };
  return { ok: true, quote: q };
}
