/**
 * Which dates a report covers. Daily: one market date. Weekly: Monday to Friday of the week
 * holding the date (the weekly cycle runs Friday after the close). Both default to the New
 * York date of "now", since the schedules fire after the close on that date.
 */
import { addDays, mondayOf } from '../domain/calendar';
import type { ReportKind } from './compute';

export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function periodOf(kind: Exclude<ReportKind, 'range'>, date: string): { from: string; to: string } {
  if (!DATE_RE.test(date) || Number.isNaN(Date.parse(date))) throw new RangeError(`not a date (YYYY-MM-DD): ${date}`);
  if (kind === 'daily') return { from: date, to: date };
  const monday = mondayOf(date);
  return { from: monday, to: addDays(monday, 4) };
}

export const nyToday = (now = new Date()): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
