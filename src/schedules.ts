/**
 * The Temporal Schedules the project owns, created or updated on every start (idempotent):
 * the weekly cycle after the US close. Exchange holidays are written into the spec itself so
 * the Web UI shows the real run times: a holiday Friday is skipped and that week's last
 * trading day (Thursday, usually) gets its own run instead. The spec covers the coming years
 * and is refreshed on each start.
 */
import { MONTHS, ScheduleAlreadyRunning, ScheduleNotFoundError, type CalendarSpec, type Client, type ScheduleOptions, type ScheduleSpec } from '@temporalio/client';
import { addDays, isTradingDay, weeklyExpiry } from './domain/calendar';
import type { Logger } from './logger';
import { WEEKLY_CYCLE_RUN_WORKFLOW } from './contracts/workflows/weeklyCycleRun';
import { ensureReconciliationSchedule } from './reconcileTrigger';
import { marketDataScheduleOptions } from './marketdata/schedules';

export const WEEKLY_CYCLE_SCHEDULE_ID = 'all-use-weekly-cycle';
export const CYCLE_TIME = { hour: 16, minute: 30 } as const;
const ZONE = 'America/New_York';

const at = (d: string, comment?: string): CalendarSpec => ({
  year: Number(d.slice(0, 4)),
  month: MONTHS[Number(d.slice(5, 7)) - 1]!,
  dayOfMonth: Number(d.slice(8, 10)),
  ...CYCLE_TIME,
  ...(comment ? { comment } : {}),
});

/** Fridays 16:30 New York, minus holiday Fridays, plus the week's last trading day in their place. */
export function weeklyCycleScheduleSpec(fromYear: number, years = 3): ScheduleSpec {
  const calendars: CalendarSpec[] = [{ dayOfWeek: 'FRIDAY', ...CYCLE_TIME, comment: 'weekly close' }];
  const skip: CalendarSpec[] = [];
  // First Friday of fromYear: Jan 1 + days to the next Friday.
  let d = `${fromYear}-01-01`;
  while (new Date(`${d}T12:00:00Z`).getUTCDay() !== 5) d = addDays(d, 1);
  for (; Number(d.slice(0, 4)) < fromYear + years; d = addDays(d, 7)) {
    if (isTradingDay(d)) continue;
    skip.push(at(d));
    const close = weeklyExpiry(d);
    if (close) calendars.push(at(close, `holiday ${d}: week closes ${close}`));
  }
  return { calendars, skip, timezone: ZONE };
}

export interface ScheduleDeps {
  client: Client;
  taskQueue: string;
  logger: Logger;
  /** for tests: the year the holiday list starts (default: the current year) */
  fromYear?: number;
}

export function weeklyCycleScheduleOptions(d: Pick<ScheduleDeps, 'taskQueue' | 'fromYear'>): ScheduleOptions {
  return {
    scheduleId: WEEKLY_CYCLE_SCHEDULE_ID,
    spec: weeklyCycleScheduleSpec(d.fromYear ?? new Date().getUTCFullYear()),
    action: { type: 'startWorkflow', workflowType: WEEKLY_CYCLE_RUN_WORKFLOW, args: [{}], taskQueue: d.taskQueue, workflowId: 'weekly-run-scheduled' },
    // A cycle still running (waiting for Thursday's entry) is never overlapped; a server that
    // was down at the close catches up within a day.
    policies: { overlap: 'SKIP', catchupWindow: '1 day' },
    memo: { description: 'ALL-USE weekly cycle (PROTOCOL §6)' },
  };
}

/** Creates the schedules, or brings their spec and action up to date; safe to call on every start. */
export async function ensureSchedules(d: ScheduleDeps): Promise<void> {
  await ensureReconciliationSchedule(d.client, d.taskQueue); // daily books vs broker (docs/RECONCILIATION.md)
  await ensureSchedule(d, weeklyCycleScheduleOptions(d));
  for (const o of marketDataScheduleOptions(d.taskQueue, d.fromYear ?? new Date().getUTCFullYear())) await ensureSchedule(d, o);
}

async function ensureSchedule(d: ScheduleDeps, opts: ScheduleOptions): Promise<void> {
  const handle = d.client.schedule.getHandle(opts.scheduleId);
  try {
    await handle.update((prev) => ({ ...prev, spec: opts.spec, action: opts.action, policies: { ...prev.policies, ...opts.policies } }));
    d.logger.info('schedule updated', { scheduleId: opts.scheduleId });
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    try {
      await d.client.schedule.create(opts);
      d.logger.info('schedule created', { scheduleId: opts.scheduleId });
    } catch (e) {
      if (!(e instanceof ScheduleAlreadyRunning)) throw e; // another process created it meanwhile
    }
  }
}
