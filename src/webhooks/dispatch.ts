/**
 * Starts, or wakes when it runs, the delivery workflow of each target (signalWithStart: one
 * workflow per (endpoint, instruction), so a repeated call never starts a second sender).
 * Called after the transaction that recorded the events has committed: by the record steps
 * (activities/webhooks.ts) and by an operator's redelivery.
 */
import type { Client } from '@temporalio/client';
import { WEBHOOK_DELIVERY_WORKFLOW, WEBHOOK_WAKE_SIGNAL, webhookDeliveryWorkflowId, type WebhookDeliveryInput } from '../contracts/webhooks';
import type { WebhookTargets } from '../db/webhooks';
import { withTimeout } from '../withTimeout';
import { webhookSettings } from './settings';

export async function dispatchWebhooks(client: Client, taskQueue: string, targets: WebhookTargets | null): Promise<void> {
  if (!targets) return;
  const s = webhookSettings();
  for (const endpointId of targets.endpointIds) {
    const input: WebhookDeliveryInput = {
      endpointId,
      instructionId: targets.instructionId,
      maxAttempts: s.maxAttempts,
      initialIntervalMs: s.initialIntervalMs,
      maxIntervalMs: s.maxIntervalMs,
      timeoutMs: s.timeoutMs,
    };
    await withTimeout(
      client.workflow.signalWithStart(WEBHOOK_DELIVERY_WORKFLOW, {
        workflowId: webhookDeliveryWorkflowId(endpointId, targets.instructionId),
        taskQueue,
        args: [input],
        signal: WEBHOOK_WAKE_SIGNAL,
        signalArgs: [],
      }),
      5_000,
      'webhook delivery start',
    );
  }
}
