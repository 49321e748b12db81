/**
 * The report schedules, created idempotently on start (next to the weekly-cycle schedule of
 * src/schedules.ts): an existing schedule is left as it is, so an operator's pause or edit in the
 * Temporal UI survives restarts. Times are New York wall-clock, so DST needs no care here.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type CalendarSpec, type Client } from '@temporalio/client';
import { COMPLIANCE_REPORT_SCHEDULE_ID, DAILY_REPORT_SCHEDULE_ID, WEEKLY_REPORT_SCHEDULE_ID } from '../contracts/workflows/schedules';

export { DAILY_REPORT_SCHEDULE_ID, WEEKLY_REPORT_SCHEDULE_ID, COMPLIANCE_REPORT_SCHEDULE_ID };

const TZ = 'America/New_York';

export async function ensureReportSchedules(client: Client, taskQueue: string): Promise<string[]> {
  const specs: { id: string; workflowType: string; calendar: CalendarSpec }[] = [
    // 16:45 after the 16:00 close (early closes end sooner), Monday to Friday.
    { id: DAILY_REPORT_SCHEDULE_ID, workflowType: 'dailyReport', calendar: { dayOfWeek: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'], hour: 16, minute: 45 } },
    // 16:50: the day's risk and compliance report (refusals, halts, credentials, denied access).
    { id: COMPLIANCE_REPORT_SCHEDULE_ID, workflowType: 'dailyComplianceReport', calendar: { dayOfWeek: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'], hour: 16, minute: 50 } },
    // Friday 19:00: after the weekly cycle that runs after Friday's close.
    { id: WEEKLY_REPORT_SCHEDULE_ID, workflowType: 'weeklyReport', calendar: { dayOfWeek: 'FRIDAY', hour: 19, minute: 0 } },
  ];
  const created: string[] = [];
  for (const s of specs) {
    try {
      await client.schedule.create({
        scheduleId: s.id,
        spec: { calendars: [s.calendar], timezone: TZ },
        action: { type: 'startWorkflow', workflowType: s.workflowType, workflowId: `${s.id}-run`, taskQueue, args: [{}] },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      });
      created.push(s.id);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  }
  return created;
}
