/**
 * US equity-options exchange calendar. Dates are ISO strings 'YYYY-MM-DD' (exchange-local days);
 * arithmetic goes through whole UTC days so it is fast and free of time-zone surprises. Only the
 * open/close instants use luxon, because the New York UTC offset depends on daylight saving.
 * Nothing here reads the clock: callers pass the day they mean.
 */
import { DateTime } from 'luxon';
import { getHolidays } from 'nyse-holidays';

export type IsoDate = string;
/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// Days ↔ civil dates by H. Hinnant's algorithms: integer arithmetic only, no Date object, because
// the backtester calls these millions of times.
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

const digit = (s: string, i: number): number => {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
};

/** Days since 1970-01-01 (UTC); throws on a malformed or impossible date. */
export function toEpochDay(d: IsoDate): number {
  // Character codes rather than a regex: this is the hottest function of a backtest.
  const y = digit(d, 0) * 1000 + digit(d, 1) * 100 + digit(d, 2) * 10 + digit(d, 3);
  const mo = digit(d, 5) * 10 + digit(d, 6);
  const day = digit(d, 8) * 10 + digit(d, 9);
  if (d.length !== 10 || d[4] !== '-' || d[7] !== '-' || Number.isNaN(y + mo + day)) throw new RangeError(`not a YYYY-MM-DD date: ${d}`);
  const dim = mo === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[mo - 1];
  if (dim === undefined || day < 1 || day > dim) throw new RangeError(`not a calendar date: ${d}`);
  return daysFromCivil(y, mo, day);
}
export function fromEpochDay(n: number): IsoDate {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}
export const addDays = (d: IsoDate, n: number): IsoDate => fromEpochDay(toEpochDay(d) + n);
/** 1970-01-01 was a Thursday (4). */
export const weekdayOf = (d: IsoDate): Weekday => (((((toEpochDay(d) + 3) % 7) + 7) % 7) + 1) as Weekday;
/** Monday of the week containing d. */
export const mondayOf = (d: IsoDate): IsoDate => addDays(d, 1 - weekdayOf(d));

/**
 * Unscheduled full-day closures that nyse-holidays (regular holidays only) does not list.
 * Sources: NYSE historical closings; each is a day the options exchanges were closed too.
 */
export const SPECIAL_CLOSURES: ReadonlyArray<readonly [IsoDate, string]> = [
  ['1985-09-27', 'Hurricane Gloria'],
  ['1994-04-27', 'National day of mourning, President Nixon'],
  ['2001-09-11', 'September 11 attacks'],
  ['2001-09-12', 'September 11 attacks'],
  ['2001-09-13', 'September 11 attacks'],
  ['2001-09-14', 'September 11 attacks'],
  ['2004-06-11', 'National day of mourning, President Reagan'],
  ['2007-01-02', 'National day of mourning, President Ford'],
  ['2012-10-29', 'Hurricane Sandy'],
  ['2012-10-30', 'Hurricane Sandy'],
  ['2018-12-05', 'National day of mourning, President G. H. W. Bush'],
  ['2025-01-09', 'National day of mourning, President Carter'],
];
const SPECIAL = new Set(SPECIAL_CLOSURES.map(([d]) => d));

// Per-year memo: pure (same year → same answer), so safe in a deterministic workflow sandbox.
const yearCache = new Map<number, ReadonlySet<IsoDate>>();
/** Full-day closures of a year: regular NYSE holidays plus the special closures above. */
export function closuresOf(year: number): ReadonlySet<IsoDate> {
  let s = yearCache.get(year);
  if (!s) {
    s = new Set([...getHolidays(year).map((h) => h.dateString), ...[...SPECIAL].filter((d) => d.startsWith(`${year}-`))]);
    yearCache.set(year, s);
  }
  return s;
}

export const isHoliday = (d: IsoDate): boolean => closuresOf(Number(d.slice(0, 4))).has(d);
export const isTradingDay = (d: IsoDate): boolean => weekdayOf(d) <= 5 && !isHoliday(d);

/**
 * 13:00 New York closes: the day after Thanksgiving, Christmas Eve and July 3 when they are
 * trading days (July 3 only Monday–Thursday: when it is a Friday, July 4 is Saturday and the
 * holiday is observed on July 3 itself).
 */
export function isEarlyClose(d: IsoDate): boolean {
  if (!isTradingDay(d)) return false;
  const md = d.slice(5);
  if (md === '12-24') return true;
  if (md === '07-03') return weekdayOf(d) <= 4;
  const thanksgiving = getHolidays(Number(d.slice(0, 4))).find((h) => h.name.startsWith('Thanksgiving'));
  return thanksgiving !== undefined && addDays(thanksgiving.dateString, 1) === d;
}

export interface SessionTimes {
  /** ISO instants in UTC, e.g. '2025-05-05T13:30:00.000Z'. */
  openUtc: string;
  closeUtc: string;
  earlyClose: boolean;
}

/** Session of a trading day in UTC (hours from the protocol config's `market`), or null when closed. */
export function marketSession(d: IsoDate, hours: { open: string; close: string; earlyClose: string; timeZone: string }): SessionTimes | null {
  if (!isTradingDay(d)) return null;
  const early = isEarlyClose(d);
  const at = (hm: string): string => DateTime.fromISO(`${d}T${hm}`, { zone: hours.timeZone }).toUTC().toISO({ suppressMilliseconds: false }) ?? '';
  return { openUtc: at(hours.open), closeUtc: at(early ? hours.earlyClose : hours.close), earlyClose: early };
}

/** Trading days Monday–Friday of d's week, in order (may be empty, e.g. never in practice). */
export function tradingDaysOfWeek(d: IsoDate): IsoDate[] {
  const mon = mondayOf(d);
  const out: IsoDate[] = [];
  for (let i = 0; i < 5; i++) {
    const day = addDays(mon, i);
    if (isTradingDay(day)) out.push(day);
  }
  return out;
}

/** The week's standard expiry: Friday, or the last trading day before it when Friday is closed. */
export function weeklyExpiry(d: IsoDate): IsoDate | null {
  const days = tradingDaysOfWeek(d);
  return days[days.length - 1] ?? null;
}

/**
 * An account's entry days in d's week: every trading day whose weekday is listed; when all listed
 * weekdays are closed (e.g. Monday holiday for a Monday-only account), the next trading day of
 * that week after the first listed weekday instead (none if there is none).
 */
export function entryDaysOfWeek(d: IsoDate, entryWeekdays: readonly Weekday[]): IsoDate[] {
  if (entryWeekdays.length === 0) return [];
  const mon = mondayOf(d);
  const listed = [...entryWeekdays]
    .sort()
    .map((wd) => addDays(mon, wd - 1))
    .filter(isTradingDay);
  if (listed.length > 0) return listed;
  const first = Math.min(...entryWeekdays);
  return tradingDaysOfWeek(mon)
    .filter((x) => weekdayOf(x) > first)
    .slice(0, 1);
}

/** The account's first entry day on or after `from` (searching `maxWeeks` weeks), or null. */
export function nextEntryDay(from: IsoDate, entryWeekdays: readonly Weekday[], maxWeeks = 8): IsoDate | null {
  for (let w = 0; w < maxWeeks; w++) {
    const hit = entryDaysOfWeek(addDays(from, 7 * w), entryWeekdays).find((x) => x >= from);
    if (hit) return hit;
  }
  return null;
}

/** ISO-8601 week id, e.g. '2025-05-05' → '2025-W19' (the week-year can differ from the date's year). */
export function weekOf(d: IsoDate): string {
  const thursday = addDays(d, 4 - weekdayOf(d)); // the ISO week belongs to the year of its Thursday
  const year = Number(thursday.slice(0, 4));
  const week = Math.floor((toEpochDay(thursday) - toEpochDay(`${year}-01-01`)) / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Calendar quarter id of a date, e.g. '2025-Q2'. */
export const quarterOf = (d: IsoDate): string => `${d.slice(0, 4)}-Q${Math.floor((Number(d.slice(5, 7)) - 1) / 3) + 1}`;

/** Monday (YYYY-MM-DD) of an ISO week id `YYYY-Www`. */
export function mondayOfWeek(week: string): IsoDate {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) throw new Error(`not an ISO week id: ${week}`);
  // Week 1 holds January 4th; its Monday is the Monday on or before that day.
  const jan4 = `${m[1]}-01-04`;
  return addDays(jan4, 1 - weekdayOf(jan4) + (Number(m[2]) - 1) * 7);
}

/** The ISO week before `week` (`2025-W01` → `2024-W52`). */
export const previousWeek = (week: string): string => weekOf(addDays(mondayOfWeek(week), -7));
