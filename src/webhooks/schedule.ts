/**
 * The webhook outbox sweeper's Temporal Schedule (docs/WEBHOOKS.md): every
 * WEBHOOK_SWEEP_INTERVAL_MS the workflow `webhookSweep` wakes deliveries left PENDING. Created
 * idempotently on start like the report schedules (an existing one is left as it is, so an
 * operator's pause survives restarts); runs never overlap.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { WEBHOOK_SWEEP_SCHEDULE_ID } from '../contracts/workflows/schedules';
import { webhookSettings } from './settings';

export { WEBHOOK_SWEEP_SCHEDULE_ID };

export async function ensureWebhookSweepSchedule(client: Client, taskQueue: string): Promise<boolean> {
  try {
    await client.schedule.create({
      scheduleId: WEBHOOK_SWEEP_SCHEDULE_ID,
      spec: { intervals: [{ every: webhookSettings().sweepIntervalMs }] },
      action: { type: 'startWorkflow', workflowType: 'webhookSweep', workflowId: `${WEBHOOK_SWEEP_SCHEDULE_ID}-run`, taskQueue, args: [] },
      // A missed run is not caught up: the next one sweeps the same rows.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    });
    return true;
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return false;
    throw err;
  }
}
