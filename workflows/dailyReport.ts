/**
 * dailyReport: started by a Temporal Schedule after each session's close; computes and stores
 * the day's report (activities/reports.ts). The id helpers are shared with the schedules.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ReportRequest, ReportSummary } from '../activities/reports';

const { generateReport } = proxyActivities<Activities>({ startToCloseTimeout: '5m', retry: { maximumAttempts: 5 } });

export async function dailyReport(input: { date?: string } = {}): Promise<ReportSummary> {
  const req: ReportRequest = { kind: 'daily', ...(input.date ? { date: input.date } : {}) };
  return generateReport(req);
}
