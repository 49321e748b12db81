/**
 * dailyComplianceReport: started by a Temporal Schedule after each session's close (see
 * src/reports/schedules.ts); computes and stores the day's risk and compliance report.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { generateComplianceReport } = proxyActivities<Activities>({ startToCloseTimeout: '5m', retry: { maximumAttempts: 5 } });

export async function dailyComplianceReport(input: { date?: string } = {}): Promise<{ from: string; to: string; refusals: number; denied: number }> {
  return generateComplianceReport(input.date ? { date: input.date } : {});
}
