/**
 * Entry days of a week (PROTOCOL §1): an account may enter on each of its entry weekdays (Rev-Acc
 * Monday–Wednesday, Gen-Acc Thursday, Com-Acc Monday). An entry that got nothing on one day
 * (skipped: no band-quality strike, no fill after the last re-price; or refused by a gate that
 * may pass later) is tried again on the account's next entry day of the same week.
 */
import { entryDaysOfWeek, type IsoDate, type Weekday } from './calendar';

/** The account's entry days in the week of `day` (exchange holidays left out). */
export const weekEntryDays = (day: IsoDate, entryWeekdays: readonly number[]): IsoDate[] => entryDaysOfWeek(day, entryWeekdays as Weekday[]);

/** The day an entry that filled nothing on `day` is tried again, or null (filled, or no later entry day this week). */
export function entryRetryDay(entryDays: readonly IsoDate[], day: IsoDate, result: { filledQuantity: number }): IsoDate | null {
  if (result.filledQuantity > 0) return null;
  return [...entryDays].sort().find((d) => d > day) ?? null;
}
