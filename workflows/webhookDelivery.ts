/**
 * webhookDelivery: pushes one instruction's events to one STAR-LAB endpoint, in sequence
 * order. One workflow per (endpoint, instruction) (id from src/contracts/webhooks.ts), started
 * or woken by signalWithStart after each recorded event; it sends the lowest PENDING delivery,
 * then the next, so delivery n never goes before n-1 is delivered or dead-lettered. Each send
 * is an activity retried with exponential backoff; when the attempts run out the delivery is
 * dead-lettered and the drain moves on. Idle for IDLE_MS with nothing pending: it ends (the
 * next event starts a new run). It never touches the instruction's own workflow.
 */
import { ActivityFailure, condition, continueAsNew, defineSignal, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { WEBHOOK_WAKE_SIGNAL, type WebhookDeliveryInput } from '../src/contracts/webhooks';

export const wakeSignal = defineSignal(WEBHOOK_WAKE_SIGNAL);
const IDLE_MS = 30_000;

const db = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s', retry: { initialInterval: '200ms', maximumInterval: '10s', backoffCoefficient: 2 } });

export async function webhookDelivery(input: WebhookDeliveryInput): Promise<{ delivered: number; dead: number }> {
  let woken = false;
  setHandler(wakeSignal, () => {
    woken = true;
  });
  const send = proxyActivities<Activities>({
    startToCloseTimeout: input.timeoutMs + 5_000,
    retry: {
      initialInterval: input.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: input.maxIntervalMs,
      maximumAttempts: input.maxAttempts,
      nonRetryableErrorTypes: ['WebhookEndpointRemoved'],
    },
  });
  let delivered = 0;
  let dead = 0;
  for (;;) {
    woken = false;
    const next = await db.nextWebhookDelivery(input.endpointId, input.instructionId);
    if (next) {
      try {
        await send.sendWebhook(next.id, { initialIntervalMs: input.initialIntervalMs, maxIntervalMs: input.maxIntervalMs, timeoutMs: input.timeoutMs });
        delivered++;
      } catch (err) {
        const why = err instanceof ActivityFailure ? (err.cause?.message ?? err.message) : (err as Error).message;
        await db.deadLetterWebhook(next.id, why);
        dead++;
      }
      if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof webhookDelivery>(input);
      continue;
    }
    // A signal that arrives while this run is finishing is seen here (the task is retried with it).
    if (!(await condition(() => woken, IDLE_MS))) return { delivered, dead };
  }
}
