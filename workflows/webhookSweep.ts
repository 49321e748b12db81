/**
 * webhookSweep: started by the Temporal Schedule `all-use-webhook-sweep` (src/webhooks/schedule.ts)
 * every WEBHOOK_SWEEP_INTERVAL_MS; wakes the delivery of every outbox event left PENDING past
 * WEBHOOK_SWEEP_AFTER_MS (activities/webhooks.ts, sweepPendingWebhooks). Bounded per run.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { sweepPendingWebhooks } = proxyActivities<Activities>({ startToCloseTimeout: '2m', heartbeatTimeout: '30s', retry: { maximumAttempts: 3 } });

export async function webhookSweep(): Promise<{ woken: number }> {
  return sweepPendingWebhooks();
}
