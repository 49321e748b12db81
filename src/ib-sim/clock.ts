/**
 * Simulator time and the US equity session calendar.
 * - open: wall-clock time, market always open (for developing at night and on weekends).
 * - exchange: wall-clock time, open 9:30-16:00 America/New_York on NYSE trading days.
 * - manual: virtual time that only moves when a test advances it; exchange hours apply.
 * In every mode time can be pushed forward (advance), so session-end processing (DAY order
 * expiry, Friday option expiry) can be exercised; wall-clock modes keep an offset.
 */
import { DateTime } from 'luxon';
import { getHolidays } from 'nyse-holidays';

export type ClockMode = 'open' | 'exchange' | 'manual';
export const NY = 'America/New_York';

const holidayCache = new Map<number, Set<string>>();
function holidays(year: number): Set<string> {
  let s = holidayCache.get(year);
  if (!s) {
    s = new Set(getHolidays(year).map((h) => h.dateString));
    holidayCache.set(year, s);
  }
  return s;
}

/** A NYSE trading day (weekday, not a full-day holiday). Early closes are not modelled. */
export function isTradingDay(d: DateTime): boolean {
  const ny = d.setZone(NY);
  return ny.weekday <= 5 && !holidays(ny.year).has(ny.toISODate() ?? '');
}

/** 16:00 New York on the day of `d`. */
export function closeOf(d: DateTime): DateTime {
  return d.setZone(NY).set({ hour: 16, minute: 0, second: 0, millisecond: 0 });
}

export function openOf(d: DateTime): DateTime {
  return d.setZone(NY).set({ hour: 9, minute: 30, second: 0, millisecond: 0 });
}

/** The weekly expiry of the week containing `d`: Friday, or the trading day before it on a holiday. */
export function weeklyExpiry(d: DateTime): DateTime {
  let day = d.setZone(NY).startOf('day').set({ weekday: 5 });
  while (!isTradingDay(day)) day = day.minus({ days: 1 });
  return day;
}

export const yyyymmdd = (d: DateTime): string => d.setZone(NY).toFormat('yyyyMMdd');
export const fromYyyymmdd = (s: string): DateTime => DateTime.fromFormat(s, 'yyyyMMdd', { zone: NY });

/** Session events (opens and closes) in (from, to], in time order. */
export function sessionEvents(from: Date, to: Date): Array<{ kind: 'open' | 'close'; at: Date }> {
  const out: Array<{ kind: 'open' | 'close'; at: Date }> = [];
  let day = DateTime.fromJSDate(from, { zone: NY }).startOf('day');
  const end = DateTime.fromJSDate(to, { zone: NY });
  for (let i = 0; day <= end && i < 4000; i++, day = day.plus({ days: 1 })) {
    if (!isTradingDay(day)) continue;
    for (const [kind, at] of [
      ['open', openOf(day)],
      ['close', closeOf(day)],
    ] as const) {
      const ms = at.toMillis();
      if (ms > from.getTime() && ms <= to.getTime()) out.push({ kind, at: at.toJSDate() });
    }
  }
  return out;
}

export class SimClock {
  private virtual: number;
  private offset = 0;

  constructor(
    readonly mode: ClockMode,
    start?: Date,
  ) {
    this.virtual = (start ?? new Date()).getTime();
  }

  state(): { virtual: number; offset: number } {
    return { virtual: this.virtual, offset: this.offset };
  }
  /** A restarted gateway's clock resumes where it stood (manual mode) or keeps its push forward. */
  restore(s: { virtual: number; offset: number }): void {
    this.virtual = Math.max(this.virtual, s.virtual);
    if (this.mode !== 'manual') this.offset = s.offset;
  }

  now(): Date {
    return new Date(this.mode === 'manual' ? this.virtual : Date.now() + this.offset);
  }

  isOpen(at: Date = this.now()): boolean {
    if (this.mode === 'open') return true;
    const d = DateTime.fromJSDate(at, { zone: NY });
    return isTradingDay(d) && d >= openOf(d) && d < closeOf(d);
  }

  /** Moves time forward (never back: executions and expiries already happened). */
  advanceTo(target: Date): void {
    const delta = target.getTime() - this.now().getTime();
    if (!(delta >= 0)) throw new RangeError(`cannot move the clock back (to ${target.toISOString()})`);
    if (this.mode === 'manual') this.virtual += delta;
    else this.offset += delta;
  }

  /** The next 16:00 New York close of a trading day strictly after now. */
  nextClose(): Date {
    const now = DateTime.fromJSDate(this.now(), { zone: NY });
    let day = now.startOf('day');
    while (!isTradingDay(day) || closeOf(day) <= now) day = day.plus({ days: 1 });
    return closeOf(day).toJSDate();
  }

  /** The close of the next weekly option expiry (Friday, or Thursday before a holiday). */
  nextExpiryClose(): Date {
    const now = DateTime.fromJSDate(this.now(), { zone: NY });
    let exp = weeklyExpiry(now);
    if (closeOf(exp) <= now) exp = weeklyExpiry(now.plus({ weeks: 1 }));
    return closeOf(exp).toJSDate();
  }
}
