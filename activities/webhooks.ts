/**
 * Webhook activities (docs/WEBHOOKS.md): waking the per-(endpoint, instruction) delivery
 * workflow after an event is recorded, and the signed HTTP POST of one delivery. The POST is
 * bounded (WEBHOOK_TIMEOUT_MS); Temporal's retry policy (workflows/webhookDelivery.ts) backs
 * off exponentially between attempts; each attempt's outcome is written on the delivery row.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, type PendingDelivery } from '../src/contracts/webhooks';
import type { PrismaClient } from '../src/db/client';
import { deliveryToSend, markDeadLettered, markDelivered, nextPendingDelivery, recordDeliveryAttempt, stalePendingTargets, type WebhookTargets } from '../src/db/webhooks';
import type { Logger } from '../src/logger';
import { dispatchWebhooks } from '../src/webhooks/dispatch';
import { webhookSettings } from '../src/webhooks/settings';
import { signatureHeader } from '../src/webhooks/sign';

export { dispatchWebhooks };

/** From inside an activity: the worker's client and task queue. */
export async function dispatchFromActivity(targets: WebhookTargets | null): Promise<void> {
  if (!targets || targets.endpointIds.length === 0) return;
  const ctx = Context.current();
  await dispatchWebhooks(ctx.client, ctx.info.taskQueue, targets);
}

const delayAfter = (attempt: number, initialMs: number, maxMs: number) => Math.min(maxMs, initialMs * 2 ** (attempt - 1));

export function createWebhookActivities({ prisma, logger }: { prisma: PrismaClient; logger: Logger }) {
  return {
    async nextWebhookDelivery(endpointId: string, instructionId: string): Promise<PendingDelivery | null> {
      return nextPendingDelivery(prisma, endpointId, instructionId);
    },

    /** One attempt of one delivery. Throws (retryable) on anything but a 2xx answer. */
    async sendWebhook(deliveryId: string, retry: { initialIntervalMs: number; maxIntervalMs: number; timeoutMs: number }): Promise<{ status: number }> {
      const attempt = Context.current().info.attempt;
      const d = await deliveryToSend(prisma, deliveryId);
      if (!d || d.status !== 'PENDING') return { status: 0 }; // already delivered or dead-lettered
      if (d.endpointRemoved) throw ApplicationFailure.nonRetryable('endpoint removed', 'WebhookEndpointRemoved');
      const raw = JSON.stringify(d.body);
      let status: number | null = null;
      let error: string;
      try {
        const res = await fetch(d.url, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/json', 'user-agent': 'ALL-USE-Webhooks/1', [SIGNATURE_HEADER]: signatureHeader(d.secret, raw), [EVENT_ID_HEADER]: d.eventId },
          body: raw,
          signal: AbortSignal.timeout(retry.timeoutMs),
        });
        status = res.status;
        await res.body?.cancel().catch(() => undefined);
        if (res.ok) {
          await markDelivered(prisma, deliveryId, attempt, res.status);
          return { status: res.status };
        }
        error = `HTTP ${res.status}`;
      } catch (err) {
        error =
          (err as Error).name === 'TimeoutError'
            ? `no answer within ${retry.timeoutMs} ms`
            : `${(err as Error).message}${(err as { cause?: Error }).cause ? `: ${(err as { cause: Error }).cause.message}` : ''}`;
      }
      await recordDeliveryAttempt(prisma, deliveryId, { attempt, error, httpStatus: status, nextAttemptAt: new Date(Date.now() + delayAfter(attempt, retry.initialIntervalMs, retry.maxIntervalMs)) });
      logger.warn('webhook delivery attempt failed', { delivery_id: deliveryId, attempt, error });
      // BENIGN: a receiver being down is expected, logged above; the SDK keeps it at DEBUG.
      throw ApplicationFailure.create({ message: `webhook delivery failed: ${error}`, type: 'WebhookDeliveryFailed', nonRetryable: false, category: 'BENIGN' });
    },

    /**
     * The outbox sweeper (workflows/webhookSweep.ts, on a schedule): starts or wakes the delivery
     * workflow of every (endpoint, instruction) whose delivery has been PENDING and due for longer
     * than WEBHOOK_SWEEP_AFTER_MS, e.g. when the dispatch after a commit failed and the retried
     * step found its booking already applied. Idempotent: a running delivery workflow is only
     * signalled (signalWithStart), and a delivered event is not sent again (its row is DELIVERED).
     */
    async sweepPendingWebhooks(): Promise<{ woken: number }> {
      const s = webhookSettings();
      const ctx = Context.current();
      const targets = await stalePendingTargets(prisma, s.sweepAfterMs, s.sweepBatch);
      let woken = 0;
      for (const t of targets) {
        ctx.heartbeat(woken);
        await dispatchWebhooks(ctx.client, ctx.info.taskQueue, t);
        woken += t.endpointIds.length;
      }
      if (woken) logger.warn('webhook sweeper woke stale deliveries', { woken, instructions: targets.length });
      return { woken };
    },

    async deadLetterWebhook(deliveryId: string, error: string): Promise<void> {
      await markDeadLettered(prisma, deliveryId, error);
      logger.error('webhook delivery dead-lettered', { delivery_id: deliveryId, error });
    },
  };
}
