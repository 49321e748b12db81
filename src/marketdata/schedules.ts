/**
 * The market-data Schedules (America/New_York): daily bars after the close, chain snapshots at
 * set session times, quotes of open positions every 5 minutes in session hours, and the
 * retention of intraday partitions at night. Exchange closures of the coming years are skipped
 * in the spec itself, so the Web UI shows the real run times.
 */
import type { CalendarSpec, ScheduleOptions, ScheduleSpec } from '@temporalio/client';
import { MONTHS } from '@temporalio/client';
import { addDays, isTradingDay, weekdayOf } from '../domain/calendar';
import { marketDataCollect, type CollectKind } from '../../workflows/marketDataCollect';

const ZONE = 'America/New_York';
const WEEKDAYS = { start: 'MONDAY', end: 'FRIDAY' } as const;

export const MARKET_DATA_SCHEDULE_IDS: Record<CollectKind, string> = {
  bars: 'all-use-md-daily-bars',
  chains: 'all-use-md-chains',
  quotes: 'all-use-md-quotes',
  retention: 'all-use-md-retention',
};

/** Weekday exchange closures of [fromYear, fromYear + years): skipped by the session schedules. */
function closures(fromYear: number, years: number): CalendarSpec[] {
  const out: CalendarSpec[] = [];
  for (let d = `${fromYear}-01-01`; Number(d.slice(0, 4)) < fromYear + years; d = addDays(d, 1)) {
    if (weekdayOf(d) <= 5 && !isTradingDay(d))
      out.push({ year: Number(d.slice(0, 4)), month: MONTHS[Number(d.slice(5, 7)) - 1]!, dayOfMonth: Number(d.slice(8, 10)), hour: { start: 0, end: 23 }, minute: { start: 0, end: 59 } });
  }
  return out;
}

export function marketDataScheduleSpec(kind: CollectKind, fromYear: number, years = 3): ScheduleSpec {
  const skip = closures(fromYear, years);
  switch (kind) {
    case 'bars':
      return { calendars: [{ dayOfWeek: WEEKDAYS, hour: 16, minute: 45, comment: 'daily bars after the close' }], skip, timezone: ZONE };
    case 'chains':
      return {
        calendars: [
          { dayOfWeek: WEEKDAYS, hour: 10, minute: 0, comment: 'chain snapshot: morning' },
          { dayOfWeek: WEEKDAYS, hour: 12, minute: 30, comment: 'chain snapshot: midday' },
          { dayOfWeek: WEEKDAYS, hour: 15, minute: 30, comment: 'chain snapshot: before the close' },
        ],
        skip,
        timezone: ZONE,
      };
    case 'quotes':
      return {
        calendars: [
          { dayOfWeek: WEEKDAYS, hour: 9, minute: { start: 30, end: 55, step: 5 }, comment: 'position quotes in session' },
          { dayOfWeek: WEEKDAYS, hour: { start: 10, end: 15 }, minute: { start: 0, end: 55, step: 5 }, comment: 'position quotes in session' },
        ],
        skip,
        timezone: ZONE,
      };
    case 'retention':
      return { calendars: [{ hour: 3, minute: 15, comment: 'drop intraday partitions past retention' }], timezone: ZONE };
  }
}

export function marketDataScheduleOptions(taskQueue: string, fromYear: number): ScheduleOptions[] {
  return (Object.keys(MARKET_DATA_SCHEDULE_IDS) as CollectKind[]).map((kind) => ({
    scheduleId: MARKET_DATA_SCHEDULE_IDS[kind],
    spec: marketDataScheduleSpec(kind, fromYear),
    action: { type: 'startWorkflow', workflowType: marketDataCollect, args: [{ kind }], taskQueue, workflowId: `md-collect-${kind}` },
    policies: { overlap: 'SKIP', catchupWindow: kind === 'quotes' ? '5 minutes' : '1 day' },
    memo: { description: `ALL-USE market data: ${kind}` },
  }));
}
