/**
 * Historical bars: a deterministic path that ENDS at the current price (so history and the live
 * quote agree), walked backwards from the end time with the symbol's volatility.
 */
import { DateTime, Duration } from 'luxon';
import { isTradingDay, NY } from './clock';
import { fnv1a, prng } from './market';

export interface Bar { time: DateTime; open: number; high: number; low: number; close: number; volume: number; wap: number; count: number }

const BAR_SIZES: Record<string, Duration> = {
  '1 secs': Duration.fromObject({ seconds: 1 }), '5 secs': Duration.fromObject({ seconds: 5 }), '15 secs': Duration.fromObject({ seconds: 15 }),
  '30 secs': Duration.fromObject({ seconds: 30 }), '1 min': Duration.fromObject({ minutes: 1 }), '2 mins': Duration.fromObject({ minutes: 2 }),
  '3 mins': Duration.fromObject({ minutes: 3 }), '5 mins': Duration.fromObject({ minutes: 5 }), '15 mins': Duration.fromObject({ minutes: 15 }),
  '30 mins': Duration.fromObject({ minutes: 30 }), '1 hour': Duration.fromObject({ hours: 1 }), '1 day': Duration.fromObject({ days: 1 }),
  '1 week': Duration.fromObject({ weeks: 1 }), '1 month': Duration.fromObject({ months: 1 }),
};
const UNITS: Record<string, string> = { S: 'seconds', D: 'days', W: 'weeks', M: 'months', Y: 'years' };
export const MAX_BARS = 5000;

export class HistoryError extends Error {}

export function parseDuration(s: string): Duration {
  const m = /^(\d+)\s+([SDWMY])$/.exec(s.trim().toUpperCase());
  if (!m) throw new HistoryError(`invalid duration "${s}" (expected e.g. "1 D", "2 W", "1 Y")`);
  return Duration.fromObject({ [UNITS[m[2]!]!]: Number(m[1]) });
}

export function parseBarSize(s: string): Duration {
  const d = BAR_SIZES[s.trim().toLowerCase().replace(/\s+/g, ' ')];
  if (!d) throw new HistoryError(`invalid bar size "${s}"`);
  return d;
}

/** endDateTime: "" = now; "yyyyMMdd HH:mm:ss[ TZ]" or "yyyyMMdd-HH:mm:ss" (UTC). */
export function parseEnd(s: string, now: Date): DateTime {
  const t = s.trim();
  if (!t) return DateTime.fromJSDate(now, { zone: NY });
  const dash = /^(\d{8})-(\d{2}:\d{2}:\d{2})$/.exec(t);
  if (dash) return DateTime.fromFormat(`${dash[1]} ${dash[2]}`, 'yyyyMMdd HH:mm:ss', { zone: 'UTC' }).setZone(NY);
  const m = /^(\d{8})\s+(\d{2}:\d{2}:\d{2})(?:\s+(\S+))?$/.exec(t);
  if (!m) throw new HistoryError(`invalid end date "${s}"`);
  const zone = m[3] ? m[3].replace(/^US\/Eastern$/, NY) : NY;
  const d = DateTime.fromFormat(`${m[1]} ${m[2]}`, 'yyyyMMdd HH:mm:ss', { zone });
  if (!d.isValid) throw new HistoryError(`invalid end date "${s}"`);
  return d.setZone(NY);
}

const r2 = (x: number): number => Math.round(x * 100) / 100;

/** Bar start times in [start, end), regular trading hours (or whole trading days for daily+). */
function barTimes(start: DateTime, end: DateTime, size: Duration, rthOnly: boolean): DateTime[] {
  const daily = size.as('hours') >= 24;
  const out: DateTime[] = [];
  let t = daily ? start.startOf('day') : start;
  while (t < end && out.length < MAX_BARS * 4) {
    const open = t.set({ hour: 9, minute: 30, second: 0, millisecond: 0 });
    const close = t.set({ hour: 16, minute: 0, second: 0, millisecond: 0 });
    if (daily ? isTradingDay(t) || size.as('days') > 1 : isTradingDay(t) && (!rthOnly || (t >= open && t < close))) out.push(t);
    t = t.plus(size);
  }
  return out.slice(-MAX_BARS);
}

export function makeBars(symbol: string, lastPrice: number, vol: number, end: DateTime, duration: Duration, size: Duration, rthOnly: boolean, seed: number): Bar[] {
  const times = barTimes(end.minus(duration), end, size, rthOnly);
  const rnd = prng(fnv1a(`${symbol}|${size.toISO()}|${end.toISODate()}`) ^ seed);
  const sd = vol * Math.sqrt(Math.max(size.as('days'), 1 / 390) / 365);
  const bars: Bar[] = [];
  let close = lastPrice;
  for (let i = times.length - 1; i >= 0; i--) {
    const z = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    const open = close / Math.exp(sd * z);
    const hi = Math.max(open, close) * (1 + Math.abs(sd * 0.5 * (rnd() - 0.2)));
    const lo = Math.min(open, close) * (1 - Math.abs(sd * 0.5 * (rnd() - 0.2)));
    const volume = Math.round(1e5 + rnd() * 9e5);
    bars.unshift({ time: times[i]!, open: r2(open), high: r2(hi), low: r2(lo), close: r2(close), volume, wap: r2((open + close + hi + lo) / 4), count: Math.round(volume / 100) });
    close = open;
  }
  return bars;
}

/** IB formats: daily+ "yyyyMMdd"; intraday "yyyyMMdd HH:mm:ss US/Eastern", or epoch seconds for formatDate=2. */
export function barDate(t: DateTime, size: Duration, formatDate: string): string {
  if (size.as('hours') >= 24) return t.toFormat('yyyyMMdd');
  return formatDate === '2' ? String(Math.floor(t.toSeconds())) : t.toFormat('yyyyMMdd HH:mm:ss') + ' US/Eastern';
}
