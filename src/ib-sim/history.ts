/**
 * Historical bars: a deterministic path that ENDS at the current price (so history and the live
 * quote agree), walked backwards from the end time with the symbol's volatility.
 */
import { DateTime, Duration } from 'luxon';
import { isTradingDay, NY } from './clock';
import { fnv1a, prng } from './market';
import { fromEpochDay, isTradingDay as domainTradingDay, toEpochDay } from '../domain/calendar';

export interface Bar {
  time: DateTime;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  wap: number;
  count: number;
}

const BAR_SIZES: Record<string, Duration> = {
  '1 secs': Duration.fromObject({ seconds: 1 }),
  '5 secs': Duration.fromObject({ seconds: 5 }),
  '15 secs': Duration.fromObject({ seconds: 15 }),
  '30 secs': Duration.fromObject({ seconds: 30 }),
  '1 min': Duration.fromObject({ minutes: 1 }),
  '2 mins': Duration.fromObject({ minutes: 2 }),
  '3 mins': Duration.fromObject({ minutes: 3 }),
  '5 mins': Duration.fromObject({ minutes: 5 }),
  '15 mins': Duration.fromObject({ minutes: 15 }),
  '30 mins': Duration.fromObject({ minutes: 30 }),
  '1 hour': Duration.fromObject({ hours: 1 }),
  '1 day': Duration.fromObject({ days: 1 }),
  '1 week': Duration.fromObject({ weeks: 1 }),
  '1 month': Duration.fromObject({ months: 1 }),
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

/**
 * Daily history that does not depend on how it is asked for: one path per symbol over every
 * trading day (domain calendar) from 30 years before to 2 years after the anchor day, with the
 * anchor day's close at the symbol's price when first asked. A backfill in chunks then sees one
 * continuous series (no seams at chunk boundaries), and the same request always gets the same bars.
 */
export class AnchoredHistory {
  private readonly paths = new Map<string, { days: string[]; close: number[]; sd: number }>();

  constructor(
    private readonly anchorDay: string,
    private readonly seed: number,
  ) {}

  /** Builds a symbol's path now (a few hundred ms), so no request waits for it. */
  warm(symbol: string, price: number, vol: number): void {
    this.path(symbol, price, vol);
  }

  private path(symbol: string, price: number, vol: number) {
    let p = this.paths.get(symbol);
    if (p) return p;
    const y = Number(this.anchorDay.slice(0, 4));
    const days: string[] = [];
    const end = toEpochDay(`${y + 2}${this.anchorDay.slice(4)}`);
    for (let n = toEpochDay(`${y - 30}${this.anchorDay.slice(4)}`); n <= end; n++) {
      const d = fromEpochDay(n);
      if (domainTradingDay(d)) days.push(d);
    }
    let a = days.findIndex((d) => d > this.anchorDay) - 1;
    if (a < 0) a = days.length - 1;
    const sd = vol * Math.sqrt(1 / 252);
    const z = (i: number) => {
      const rnd = prng(fnv1a(`${symbol}|anchored|${days[i]}`) ^ this.seed);
      return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    };
    const close = new Array<number>(days.length);
    close[a] = price;
    for (let i = a + 1; i < days.length; i++) close[i] = close[i - 1]! * Math.exp(sd * z(i));
    for (let i = a; i > 0; i--) close[i - 1] = close[i]! / Math.exp(sd * z(i));
    p = { days, close, sd };
    this.paths.set(symbol, p);
    return p;
  }

  /** Daily bars with dates in (end − duration, min(end, today)], at most MAX_BARS. */
  bars(symbol: string, price: number, vol: number, end: DateTime, duration: Duration, today: string): Bar[] {
    const p = this.path(symbol, price, vol);
    const to = [end.toISODate() ?? '', today].sort()[0]!;
    const from = end.minus(duration).toISODate() ?? '';
    const out: Bar[] = [];
    for (let i = 0; i < p.days.length; i++) {
      const d = p.days[i]!;
      if (d <= from || d > to) continue;
      const rnd = prng(fnv1a(`${symbol}|range|${d}`) ^ this.seed);
      const c = p.close[i]!;
      const o = i > 0 ? p.close[i - 1]! : c;
      const hi = Math.max(o, c) * (1 + Math.abs(p.sd * 0.5 * rnd()));
      const lo = Math.min(o, c) * (1 - Math.abs(p.sd * 0.5 * rnd()));
      const volume = Math.round(1e5 + rnd() * 9e5);
      const open = r2(o);
      const cl = r2(c);
      out.push({
        time: DateTime.fromISO(d, { zone: NY }),
        open,
        high: Math.max(r2(hi), open, cl),
        low: Math.min(r2(lo), open, cl),
        close: cl,
        volume,
        wap: r2((o + c) / 2),
        count: Math.round(volume / 100),
      });
    }
    return out.slice(-MAX_BARS);
  }
}

/** Daily bars replayed from a CSV (date,open,high,low,close[,volume]) by their own dates. */
export function csvHistory(rows: readonly { date: string; open: number; high: number; low: number; close: number; volume?: number }[], end: DateTime, duration: Duration): Bar[] {
  const to = end.toISODate() ?? '';
  const from = end.minus(duration).toISODate() ?? '';
  return rows
    .filter((r) => r.date > from && r.date <= to)
    .slice(-MAX_BARS)
    .map((r) => ({
      time: DateTime.fromISO(r.date, { zone: NY }),
      open: r.open,
      high: r.high,
      low: r.low,
      close: r.close,
      volume: r.volume ?? 0,
      wap: r2((r.open + r.close) / 2),
      count: 0,
    }));
}

/**
 * Weekly bars of daily ones, as IB builds them: one bar per calendar week (Monday to Friday), dated
 * by its first trading day, high and low over the week, the last day's close. A CSV replay's weekly
 * history is then the same bars the backtester aggregates (src/domain/indicators.ts toWeekly), not
 * a synthetic path: the weekly regime and ATR agree with the daily prices.
 */
export function weeklyOf(daily: readonly Bar[]): Bar[] {
  const out: Bar[] = [];
  let monday = '';
  for (const b of daily) {
    const mon = b.time.startOf('week').toISODate() ?? ''; // luxon weeks start on Monday
    const cur = out[out.length - 1];
    if (cur && mon === monday) {
      cur.high = Math.max(cur.high, b.high);
      cur.low = Math.min(cur.low, b.low);
      cur.close = b.close;
      cur.volume += b.volume;
      cur.wap = r2((cur.open + cur.close) / 2);
    } else {
      monday = mon;
      out.push({ ...b });
    }
  }
  return out;
}
