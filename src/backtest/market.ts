/**
 * The backtest's market model: the index scaled to a tradable unit, a realised-volatility
 * estimate per day, and option quotes and chains from Black-Scholes with a stated spread.
 * Model prices become cents here by rounding to the nearest cent (a quote, not a ledger value).
 */
import { bsPriceDelta, type PriceDelta } from '../domain/pricing';
import { atr, regimes, toWeekly, type Bar, type Regime, type WeeklyBar } from '../domain/indicators';
import { entryDaysOfWeek, toEpochDay, type IsoDate, type Weekday } from '../domain/calendar';
import { type ChainQuote } from '../domain/signals';
import { type ProtocolConfig } from '../domain/config';
import type { BacktestOptions } from './options';
import { listedExpiry } from './honest';

export interface Market {
  days: Bar[];
  /** date → index into days */
  at: Map<IsoDate, number>;
  /** annualised volatility estimate at each day's close */
  vol: number[];
  /** the long-dated (LEAPS) volatility estimate at each day's close (leapsVolWindowDays) */
  longVol: number[];
  /** daily ATR (Wilder, protocol period) at each day's close: the yardstick of intraweek levels */
  dailyAtr: (number | undefined)[];
  weekly: WeeklyBar[];
  regimes: Regime[];
  /** calendar answers per week, by entry weekdays and by weekliesFrom: see entryDaysByWeek, expiryByWeek */
  calendar: { entryDays: Map<string, ReadonlySet<IsoDate>[]>; expiries: Map<IsoDate, (IsoDate | null)[]> };
}

// A trial asks the same calendar questions every week, and a worker's trials share one market:
// the answers are computed once per market (they depend on the dates and the argument only).
/** Each week's entry days for these weekdays (entryDaysOfWeek of its first day). */
export function entryDaysByWeek(m: Market, weekdays: readonly Weekday[]): ReadonlySet<IsoDate>[] {
  const key = weekdays.join();
  let v = m.calendar.entryDays.get(key);
  if (!v) m.calendar.entryDays.set(key, (v = m.weekly.map((w) => new Set(entryDaysOfWeek(w.firstDate, weekdays)))));
  return v;
}
/** Each week's first listed expiry on or after its first day (listedExpiry). */
export function expiryByWeek(m: Market, weekliesFrom: IsoDate): (IsoDate | null)[] {
  let v = m.calendar.expiries.get(weekliesFrom);
  if (!v) m.calendar.expiries.set(weekliesFrom, (v = m.weekly.map((w) => listedExpiry(w.firstDate, weekliesFrom))));
  return v;
}

/** Integer division of cents with half-even rounding (exact; no float). */
export function divideCents(c: number, d: number): number {
  const q = Math.floor(c / d);
  const r = c - q * d;
  return 2 * r > d || (2 * r === d && q % 2 !== 0) ? q + 1 : q;
}

/** realised vol of the last `window` close-to-close log returns × factor, floored; earlier days use what exists. */
function volSeries(days: Bar[], o: BacktestOptions, window = o.volWindowDays): number[] {
  const r = days.map((b, i) => (i === 0 ? 0 : Math.log(b.close / (days[i - 1]?.close ?? b.close))));
  const out: number[] = [];
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < days.length; i++) {
    const x = r[i] ?? 0;
    s += x;
    s2 += x * x;
    if (i >= window) {
      const y = r[i - window] ?? 0;
      s -= y;
      s2 -= y * y;
    }
    const n = Math.min(i, window);
    const variance = n > 1 ? Math.max(0, (s2 - (s * s) / n) / (n - 1)) : 0;
    out.push(Math.max(o.minVol, Math.sqrt(variance * 252) * o.volFactor));
  }
  return out;
}

export function buildMarket(indexBars: readonly Bar[], o: BacktestOptions, p: ProtocolConfig): Market {
  const days = indexBars.map((b) => ({
    date: b.date,
    open: divideCents(b.open, o.unitDivisor),
    high: divideCents(b.high, o.unitDivisor),
    low: divideCents(b.low, o.unitDivisor),
    close: divideCents(b.close, o.unitDivisor),
  }));
  const weekly = toWeekly(days);
  return {
    days,
    at: new Map(days.map((d, i) => [d.date, i])),
    vol: volSeries(days, o),
    longVol: volSeries(days, o, o.leapsVolWindowDays),
    dailyAtr: atr(days, p.regime.atrPeriod),
    weekly,
    regimes: regimes(weekly, p.regime),
    calendar: { entryDays: new Map(), expiries: new Map() },
  };
}

export const yearsBetween = (from: IsoDate, to: IsoDate): number => Math.max(0, toEpochDay(to) - toEpochDay(from)) / 365;

// One result object for every quote priced here: read right after each call, never kept.
const pd: PriceDelta = { price: 0, delta: 0 };
const priced = (o: BacktestOptions, right: 'C' | 'P', strike: number, spot: number, years: number, vol: number): PriceDelta =>
  bsPriceDelta(pd, right, spot / 100, strike / 100, years, vol, o.rate, o.dividendYield);

/** Model value per share in cents (unrounded): what a position is marked at. */
export const modelCents = (o: BacktestOptions, right: 'C' | 'P', strike: number, spot: number, years: number, vol: number): number => priced(o, right, strike, spot, years, vol).price * 100;

const halfSpreadOf = (o: BacktestOptions, mid: number): number => Math.max(o.minHalfSpreadCents, Math.round(mid * o.halfSpread));
/** The bid of a model price: what decides where a chain stops. */
const bidOf = (o: BacktestOptions, price: number): number => {
  const mid = Math.round(price * 100);
  return Math.max(0, mid - halfSpreadOf(o, mid));
};

export function quote(o: BacktestOptions, right: 'C' | 'P', strike: number, spot: number, years: number, vol: number): ChainQuote {
  const g = priced(o, right, strike, spot, years, vol);
  const mid = Math.round(g.price * 100);
  const hs = halfSpreadOf(o, mid);
  return { strike, delta: g.delta, bid: Math.max(0, mid - hs), ask: mid + hs };
}

/** Lowest and highest listed strike of a chain (see `chain`). */
export function chainBounds(o: BacktestOptions, spot: number, years: number, vol: number, minStrike = 0): { lo: number; hi: number } {
  const step = o.strikeStepCents;
  const width = Math.max(3 * step, spot * o.chainWidthSd * vol * Math.sqrt(years));
  return { lo: Math.max(step, Math.ceil(Math.max(spot - width, minStrike) / step) * step), hi: Math.floor((Math.max(spot, minStrike) + width) / step) * step };
}

/**
 * Listed strikes every `strikeStepCents` within spot ± chainWidthSd × σ√T (≥ 3 strikes each side),
 * from `minStrike` up, in ascending strike order. Strikes further out of the money than the first
 * one without a bid are not quoted (nothing could be sold there), which keeps deep recovery
 * chains (calls far above spot) cheap.
 */
export function chain(o: BacktestOptions, right: 'C' | 'P', spot: number, years: number, vol: number, minStrike = 0): ChainQuote[] {
  const { lo, hi } = chainBounds(o, spot, years, vol, minStrike);
  const step = right === 'C' ? o.strikeStepCents : -o.strikeStepCents; // away from the money
  const out: ChainQuote[] = [];
  for (let k = right === 'C' ? lo : hi; k >= lo && k <= hi; k += step) {
    const q = quote(o, right, k, spot, years, vol);
    out.push(q);
    if ((right === 'C' ? k > spot : k < spot) && q.bid === 0) break;
  }
  return right === 'C' ? out : out.reverse();
}

/**
 * `chain(...).find((q) => q.strike === strike)` by the same walk, without quoting the strikes
 * before it (only their bids decide where the chain stops).
 */
export function listedQuote(o: BacktestOptions, right: 'C' | 'P', strike: number, spot: number, years: number, vol: number, minStrike = 0): ChainQuote | undefined {
  const { lo, hi } = chainBounds(o, spot, years, vol, minStrike);
  const step = right === 'C' ? o.strikeStepCents : -o.strikeStepCents;
  for (let k = right === 'C' ? lo : hi; k >= lo && k <= hi; k += step) {
    if (k === strike) return quote(o, right, k, spot, years, vol);
    if ((right === 'C' ? k > spot : k < spot) && bidOf(o, priced(o, right, k, spot, years, vol).price) === 0) return undefined;
  }
  return undefined;
}
