/**
 * weeklyReport: started by a Temporal Schedule after the weekly cycle (Friday evening, New
 * York); computes and stores Monday..Friday's report (activities/reports.ts).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ReportRequest, ReportSummary } from '../activities/reports';

const { generateReport } = proxyActivities<Activities>({ startToCloseTimeout: '10m', retry: { maximumAttempts: 5 } });

export async function weeklyReport(input: { date?: string } = {}): Promise<ReportSummary> {
  const req: ReportRequest = { kind: 'weekly', ...(input.date ? { date: input.date } : {}) };
  return generateReport(req);
}
