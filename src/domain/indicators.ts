/**
 * Bars, true range, Wilder ATR, SMA, weekly aggregation and the market regimes of PROTOCOL §4.
 * Bar prices are integer cents; indicator outputs are floats in cents (averages are not money).
 * Series functions return one value per input bar, `undefined` until enough history exists.
 */
import { toEpochDay, weekdayOf, weekOf, type IsoDate } from './calendar';
import type { Cents } from './money';
import type { ProtocolConfig } from './config';

export interface Bar {
  date: IsoDate;
  open: Cents;
  high: Cents;
  low: Cents;
  close: Cents;
}
export interface WeeklyBar extends Bar {
  /** ISO week id, e.g. '2025-W19' */
  week: string;
  /** first and last trading day with a bar in the week (`date` = `lastDate`) */
  firstDate: IsoDate;
  lastDate: IsoDate;
  /** the daily bars of the week, oldest first */
  days: Bar[];
}

/** max(high − low, |high − prevClose|, |low − prevClose|); just high − low for the first bar. */
export function trueRange(bar: Bar, prevClose?: Cents): number {
  const hl = bar.high - bar.low;
  return prevClose === undefined ? hl : Math.max(hl, Math.abs(bar.high - prevClose), Math.abs(bar.low - prevClose));
}

/**
 * Wilder's ATR: the first value (at index period − 1) is the mean of the first `period` true
 * ranges, then ATR_t = (ATR_{t−1} × (period − 1) + TR_t) / period.
 */
export function atr(bars: readonly Bar[], period: number): (number | undefined)[] {
  const out = new Array<number | undefined>(bars.length).fill(undefined);
  let sum = 0;
  let prev: number | undefined;
  bars.forEach((b, i) => {
    const tr = trueRange(b, bars[i - 1]?.close);
    if (i < period) {
      sum += tr;
      if (i === period - 1) prev = sum / period;
    } else if (prev !== undefined) {
      prev = (prev * (period - 1) + tr) / period;
    }
    out[i] = prev;
  });
  return out;
}

/** Simple moving average over the last `period` values (running sum: O(n)). */
export function sma(values: readonly number[], period: number): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  let sum = 0;
  values.forEach((v, i) => {
    sum += v;
    if (i >= period) sum -= values[i - period] ?? 0;
    out.push(i >= period - 1 ? sum / period : undefined);
  });
  return out;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = Float64Array.from(values).sort(); // typed arrays sort numerically without a comparator
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/**
 * Daily bars (sorted, one per day) → Monday–Friday weeks: open of the first day, extreme high and
 * low, close of the last trading day that has a bar (Thursday in a Good-Friday week).
 */
export function toWeekly(daily: readonly Bar[]): WeeklyBar[] {
  const out: WeeklyBar[] = [];
  let monday = NaN; // epoch day of the current week's Monday: the ISO week id is computed once per week
  for (const b of daily) {
    const day = toEpochDay(b.date);
    const mon = day - (weekdayOf(b.date) - 1);
    const cur = out[out.length - 1];
    if (cur && mon === monday) {
      cur.high = Math.max(cur.high, b.high);
      cur.low = Math.min(cur.low, b.low);
      cur.close = b.close;
      cur.date = cur.lastDate = b.date;
      cur.days.push(b);
    } else {
      monday = mon;
      out.push({ ...b, week: weekOf(b.date), firstDate: b.date, lastDate: b.date, days: [b] });
    }
  }
  return out;
}

export type Trend = 'BULL' | 'BEAR' | 'NEUTRAL';
export type VolRegime = 'HIGH' | 'LOW' | 'NORMAL';

/** BULL: close above both averages and fast > slow; BEAR: the mirror; anything else NEUTRAL. */
export function trendOf(close: number, fast: number | undefined, slow: number | undefined): Trend {
  if (fast === undefined || slow === undefined) return 'NEUTRAL';
  if (close > fast && close > slow && fast > slow) return 'BULL';
  if (close < fast && close < slow && fast < slow) return 'BEAR';
  return 'NEUTRAL';
}

/** HIGH when ATR/close > high × median, LOW when < low × median, else (or without history) NORMAL. */
export function volRegimeOf(ratio: number | undefined, med: number | undefined, r: { highVolRatio: number; lowVolRatio: number }): VolRegime {
  if (ratio === undefined || med === undefined) return 'NORMAL';
  if (ratio > r.highVolRatio * med) return 'HIGH';
  if (ratio < r.lowVolRatio * med) return 'LOW';
  return 'NORMAL';
}

export interface Regime {
  trend: Trend;
  vol: VolRegime;
  /** weekly ATR in cents (undefined until `atrPeriod` weeks) */
  atr: number | undefined;
}

/**
 * Regime at the close of each weekly bar. The volatility median is over the last `volLookback`
 * ATR/close values including the current one; with fewer than `volLookback` values it is not
 * yet defined and the regime is NORMAL (likewise NEUTRAL before `slowMa` weeks).
 */
export function regimes(weekly: readonly Bar[], cfg: ProtocolConfig['regime']): Regime[] {
  const closes = weekly.map((b) => b.close);
  const fast = sma(closes, cfg.fastMa);
  const slow = sma(closes, cfg.slowMa);
  const a = atr(weekly, cfg.atrPeriod);
  const ratios = a.map((x, i) => (x === undefined ? undefined : x / (closes[i] ?? 1)));
  return weekly.map((b, i) => {
    const window = ratios.slice(Math.max(0, i - cfg.volLookback + 1), i + 1).filter((x): x is number => x !== undefined);
    const med = window.length >= cfg.volLookback ? median(window) : undefined;
    return { trend: trendOf(b.close, fast[i], slow[i]), vol: volRegimeOf(ratios[i], med, cfg), atr: a[i] };
  });
}

/**
 * Weekly bars the regimes need before the latest week is fully defined: the volatility median
 * needs `volLookback` ATR/close ratios, and the first ATR comes after `atrPeriod` bars; the
 * trend needs `slowMa` closes. One more bar for the first true range's previous close.
 */
export function regimeHistoryWeeks(cfg: ProtocolConfig['regime']): number {
  return Math.max(cfg.atrPeriod + cfg.volLookback, cfg.slowMa) + 1;
}
