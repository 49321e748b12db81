/**
 * Validation rules of the market-data store (issue 15), pure: each row either passes or gets
 * a coded rule and a reason, and goes to the quarantine table (never dropped, never used).
 * Prices are integer cents. Rules are named by kind: BAR_*, QUOTE_*, CHAIN_*.
 */
import { addDays, isTradingDay, toEpochDay, type IsoDate } from './calendar';
import { atr, trueRange, type Bar } from './indicators';
import type { Cents } from './money';

export interface DailyBarRow extends Bar {
  symbol: string;
  volume: number;
}

export interface QuoteRow {
  /** 'SPY' for a stock, an OCC-style local symbol for an option */
  contract: string;
  symbol: string;
  /** ISO time of the quote */
  ts: string;
  bid: Cents;
  ask: Cents;
  last: Cents;
}

export interface OptionRow {
  symbol: string;
  /** ISO time of the snapshot (one value for every row of one snapshot) */
  snapshotAt: string;
  expiry: IsoDate;
  strike: Cents;
  right: 'C' | 'P';
  bid: Cents;
  ask: Cents;
  last: Cents;
  iv?: number | null;
  delta?: number | null;
  gamma?: number | null;
  vega?: number | null;
  theta?: number | null;
  openInterest?: number | null;
  /** underlying price at the snapshot, cents */
  underlying?: Cents | null;
}

export interface Rejected<T> {
  row: T;
  rule: string;
  reason: string;
}

export interface Checked<T> {
  ok: T[];
  bad: Rejected<T>[];
}

export interface BarRuleOptions {
  /** A close-to-close move beyond k × ATR (of the bars before) is a spike. */
  spikeK: number;
  atrPeriod: number;
  /** Split ratios recognised (new/old price): 1/2, 1/3, 2/3, 1/4, 1/5, 1/10 and their inverses. */
  splitTolerance: number;
}

export const DEFAULT_BAR_RULES: BarRuleOptions = { spikeK: 10, atrPeriod: 14, splitTolerance: 0.03 };

const SPLIT_RATIOS = [2, 3, 1.5, 4, 5, 10].flatMap((r) => [r, 1 / r]);

/** OHLC consistency of one bar: every price > 0, low ≤ open, close ≤ high. */
export function barShapeViolation(b: Bar): string | null {
  for (const k of ['open', 'high', 'low', 'close'] as const) {
    if (!Number.isSafeInteger(b[k]) || b[k] <= 0) return `${k} must be a positive whole number of cents: ${b[k]}`;
  }
  if (b.high < b.low) return `high ${b.high} < low ${b.low}`;
  for (const k of ['open', 'close'] as const) if (b[k] > b.high || b[k] < b.low) return `${k} ${b[k]} outside [low ${b.low}, high ${b.high}]`;
  return null;
}

/**
 * Bars of ONE symbol, sorted or not: shape, trading day, duplicates, spikes and splits.
 * `history` holds the accepted bars before them (from the store), so the first new bar is
 * measured against real context rather than passed for lack of it.
 */
export function checkBars(rows: readonly DailyBarRow[], history: readonly Bar[] = [], o: BarRuleOptions = DEFAULT_BAR_RULES): Checked<DailyBarRow> {
  const out: Checked<DailyBarRow> = { ok: [], bad: [] };
  const sorted = [...rows].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  // Wilder's ATR carried forward bar by bar (the same recursion as indicators.atr), seeded
  // from the stored history: O(1) per bar, so validation keeps up with a bulk COPY.
  const ctx = history.slice(-(o.atrPeriod * 3));
  let prevAtr = ctx.length >= o.atrPeriod ? atr(ctx, o.atrPeriod).at(-1) : undefined;
  let warm = ctx.length >= o.atrPeriod ? o.atrPeriod : ctx.length;
  let warmSum = prevAtr === undefined ? ctx.reduce((s, b, i) => s + trueRange(b, ctx[i - 1]?.close), 0) : 0;
  let prev: Bar | undefined = ctx.at(-1);
  const seen = new Set<string>();
  for (const row of sorted) {
    const reject = (rule: string, reason: string) => out.bad.push({ row, rule, reason });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(row.date)) {
      reject('BAR_DATE', `invalid date '${row.date}'`);
      continue;
    }
    if (seen.has(row.date)) {
      reject('BAR_DUPLICATE', `second bar for ${row.date} in one batch`);
      continue;
    }
    seen.add(row.date);
    const shape = barShapeViolation(row);
    if (shape) {
      reject('BAR_OHLC', shape);
      continue;
    }
    if (!isTradingDay(row.date)) {
      reject('BAR_NON_TRADING_DAY', `${row.date} is a weekend or an exchange closure`);
      continue;
    }
    if (prev && prev.date < row.date && prevAtr !== undefined && prevAtr > 0) {
      const move = Math.abs(row.close - prev.close);
      if (move > o.spikeK * prevAtr) {
        const ratio = row.close / prev.close;
        const split = SPLIT_RATIOS.find((r) => Math.abs(ratio / r - 1) <= o.splitTolerance);
        if (split !== undefined) {
          reject(
            'BAR_SPLIT',
            `close ${prev.close} → ${row.close} (×${ratio.toFixed(4)}) looks like a ${split >= 1 ? `1:${split}` : `${Math.round(1 / split)}:1`} split; needs an adjustment before use`,
          );
        } else {
          reject('BAR_SPIKE', `close moved ${move} cents from ${prev.close}, more than ${o.spikeK} × ATR(${o.atrPeriod}) = ${Math.round(o.spikeK * prevAtr)}`);
        }
        continue;
      }
    }
    out.ok.push(row);
    if (!prev || prev.date < row.date) {
      const tr = trueRange(row, prev?.close);
      if (prevAtr !== undefined) prevAtr = (prevAtr * (o.atrPeriod - 1) + tr) / o.atrPeriod;
      else {
        warmSum += tr;
        warm++;
        if (warm >= o.atrPeriod) prevAtr = warmSum / warm;
      }
      prev = row;
    }
  }
  return out;
}

/** Trading days in [from, to] (inclusive) with no bar in `dates`: the gaps against the calendar. */
export function missingTradingDays(dates: Iterable<IsoDate>, from: IsoDate, to: IsoDate): IsoDate[] {
  const have = new Set(dates);
  const out: IsoDate[] = [];
  if (toEpochDay(to) - toEpochDay(from) > 40 * 366) throw new RangeError('range too long');
  for (let d = from; d <= to; d = addDays(d, 1)) if (isTradingDay(d) && !have.has(d)) out.push(d);
  return out;
}

export interface QuoteRuleOptions {
  /** A quote older than this at ingest (ms) is stale. */
  maxAgeMs: number;
}

export const DEFAULT_QUOTE_RULES: QuoteRuleOptions = { maxAgeMs: 60_000 };

/** One quote: zero/negative, crossed, stale (against `now`). */
export function quoteViolation(q: Pick<QuoteRow, 'bid' | 'ask' | 'last' | 'ts'>, now: Date, o: QuoteRuleOptions = DEFAULT_QUOTE_RULES): { rule: string; reason: string } | null {
  if ([q.bid, q.ask, q.last].some((x) => !Number.isSafeInteger(x) || x < 0)) return { rule: 'QUOTE_NEGATIVE', reason: `bid ${q.bid}, ask ${q.ask}, last ${q.last}: not whole non-negative cents` };
  if (q.bid <= 0 && q.ask <= 0 && q.last <= 0) return { rule: 'QUOTE_ZERO', reason: 'bid, ask and last are all zero' };
  if (q.bid > 0 && q.ask > 0 && q.bid > q.ask) return { rule: 'QUOTE_CROSSED', reason: `bid ${q.bid} > ask ${q.ask}` };
  const t = Date.parse(q.ts);
  if (!Number.isFinite(t)) return { rule: 'QUOTE_TIME', reason: `invalid time '${q.ts}'` };
  if (now.getTime() - t > o.maxAgeMs)
    return { rule: 'QUOTE_STALE', reason: `quote of ${q.ts} is ${Math.round((now.getTime() - t) / 1000)} s old at ${now.toISOString()} (max ${o.maxAgeMs / 1000} s)` };
  return null;
}

export function checkQuotes(rows: readonly QuoteRow[], now: Date, o: QuoteRuleOptions = DEFAULT_QUOTE_RULES): Checked<QuoteRow> {
  const out: Checked<QuoteRow> = { ok: [], bad: [] };
  for (const row of rows) {
    const v = quoteViolation(row, now, o);
    if (v) out.bad.push({ row, ...v });
    else out.ok.push(row);
  }
  return out;
}

export interface ChainRuleOptions {
  /** implied volatility outside (0, maxIv] is absurd */
  maxIv: number;
  /** annual rate for the put bound K·e^(−rT); 0 (default) gives K, the bound of an American put */
  rate: number;
  /** quote staleness, as for quotes */
  maxAgeMs: number;
}

export const DEFAULT_CHAIN_RULES: ChainRuleOptions = { maxIv: 5, rate: 0, maxAgeMs: 10 * 60_000 };

export interface ChainCheck extends Checked<OptionRow> {
  /** strikes of the listed ladder (within the requested window) with no row, per expiry+right */
  missingStrikes: { expiry: IsoDate; right: 'C' | 'P'; strikes: Cents[] }[];
}

const yearsTo = (expiry: IsoDate, at: string) => Math.max(0, (Date.parse(`${expiry}T21:00:00Z`) - Date.parse(at)) / (365 * 86_400_000));

/**
 * One snapshot of one underlying: per row crossed/zero quotes, absurd IV and the no-arbitrage
 * bounds (call bid ≤ S, put bid ≤ K·disc, ask ≥ intrinsic); across strikes monotonicity
 * (a call's bid above a lower strike's ask, or a put's bid above a higher strike's ask, is free
 * money: the row breaking the ladder is rejected); and strikes of `listedStrikes` (the listed
 * ladder within the requested window) with no row.
 */
export function checkChain(rows: readonly OptionRow[], listedStrikes: readonly Cents[] = [], o: ChainRuleOptions = DEFAULT_CHAIN_RULES): ChainCheck {
  const bad = new Map<OptionRow, Rejected<OptionRow>>();
  const reject = (row: OptionRow, rule: string, reason: string) => {
    if (!bad.has(row)) bad.set(row, { row, rule, reason });
  };
  for (const r of rows) {
    if ([r.bid, r.ask, r.last, r.strike].some((x) => !Number.isSafeInteger(x) || x < 0) || r.strike <= 0) {
      reject(r, 'QUOTE_NEGATIVE', `bid ${r.bid}, ask ${r.ask}, last ${r.last}, strike ${r.strike}`);
      continue;
    }
    if (r.bid > 0 && r.ask > 0 && r.bid > r.ask) {
      reject(r, 'QUOTE_CROSSED', `bid ${r.bid} > ask ${r.ask}`);
      continue;
    }
    if (r.iv !== undefined && r.iv !== null && !(r.iv > 0 && r.iv <= o.maxIv)) {
      reject(r, 'CHAIN_ABSURD_IV', `implied volatility ${r.iv} outside (0, ${o.maxIv}]`);
      continue;
    }
    const s = r.underlying ?? null;
    if (s !== null && s > 0) {
      if (r.right === 'C' && r.bid > s) {
        reject(r, 'CHAIN_ARBITRAGE', `call bid ${r.bid} > underlying ${s} (a call is worth at most S)`);
        continue;
      }
      const bound = Math.round(r.strike * Math.exp(-o.rate * yearsTo(r.expiry, r.snapshotAt)));
      if (r.right === 'P' && r.bid > bound) {
        reject(r, 'CHAIN_ARBITRAGE', `put bid ${r.bid} > K·disc ${bound} (a put is worth at most its discounted strike)`);
        continue;
      }
      const intrinsic = r.right === 'C' ? s - r.strike : r.strike - s;
      // Ask below intrinsic by more than a cent: buy the option and exercise. (American options only.)
      if (r.ask > 0 && intrinsic > 0 && o.rate === 0 && r.ask < intrinsic - Math.max(1, Math.round(intrinsic * 0.005))) {
        reject(r, 'CHAIN_ARBITRAGE', `ask ${r.ask} below intrinsic ${intrinsic}`);
        continue;
      }
    }
  }
  const groups = new Map<string, OptionRow[]>();
  for (const r of rows) {
    const k = `${r.expiry}|${r.right}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const missingStrikes: ChainCheck['missingStrikes'] = [];
  for (const [k, g] of groups) {
    const live = g.filter((r) => !bad.has(r)).sort((a, b) => a.strike - b.strike);
    for (let i = 1; i < live.length; i++) {
      const lo = live[i - 1]!;
      const hi = live[i]!;
      if (lo.right === 'C' && hi.bid > 0 && lo.ask > 0 && hi.bid > lo.ask) reject(hi, 'CHAIN_MONOTONIC', `call bid ${hi.bid} at strike ${hi.strike} > ask ${lo.ask} at lower strike ${lo.strike}`);
      if (lo.right === 'P' && lo.bid > 0 && hi.ask > 0 && lo.bid > hi.ask) reject(lo, 'CHAIN_MONOTONIC', `put bid ${lo.bid} at strike ${lo.strike} > ask ${hi.ask} at higher strike ${hi.strike}`);
    }
    if (listedStrikes.length > 0 && g.length > 0) {
      const have = new Set(g.map((r) => r.strike));
      const missing = listedStrikes.filter((s) => !have.has(s));
      const [expiry, right] = k.split('|') as [IsoDate, 'C' | 'P'];
      if (missing.length > 0) missingStrikes.push({ expiry, right, strikes: missing });
    }
  }
  return { ok: rows.filter((r) => !bad.has(r)), bad: [...bad.values()], missingStrikes };
}
