/**
 * Webhook delivery settings from the environment (read when a delivery workflow starts):
 *   WEBHOOK_MAX_ATTEMPTS        attempts per delivery before it is dead-lettered (default 10)
 *   WEBHOOK_RETRY_INITIAL_MS    first retry delay; doubles each attempt (default 1000)
 *   WEBHOOK_RETRY_MAX_MS        longest delay between attempts (default 300000 = 5 min)
 *   WEBHOOK_TIMEOUT_MS          one POST's bound (default 10000)
 *   WEBHOOK_SWEEP_AFTER_MS      a delivery PENDING and due for longer than this is woken by the sweeper (default 60000)
 *   WEBHOOK_SWEEP_INTERVAL_MS   how often the sweeper's schedule runs (default 60000; read when the schedule is created)
 *   WEBHOOK_SWEEP_BATCH         at most this many (endpoint, instruction) pairs woken per sweep (default 500)
 */
import { z } from 'zod';

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const schema = z.object({
  WEBHOOK_MAX_ATTEMPTS: int(10, 1, 100),
  WEBHOOK_RETRY_INITIAL_MS: int(1000, 10, 3_600_000),
  WEBHOOK_RETRY_MAX_MS: int(300_000, 10, 86_400_000),
  WEBHOOK_TIMEOUT_MS: int(10_000, 100, 120_000),
  WEBHOOK_SWEEP_AFTER_MS: int(60_000, 1_000, 86_400_000),
  WEBHOOK_SWEEP_INTERVAL_MS: int(60_000, 1_000, 86_400_000),
  WEBHOOK_SWEEP_BATCH: int(500, 1, 10_000),
});

export interface WebhookSettings {
  maxAttempts: number;
  initialIntervalMs: number;
  maxIntervalMs: number;
  timeoutMs: number;
  sweepAfterMs: number;
  sweepIntervalMs: number;
  sweepBatch: number;
}

export function webhookSettings(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  const pick = (k: string) => (env[k] === '' ? undefined : env[k]);
  const s = schema.parse({
    WEBHOOK_MAX_ATTEMPTS: pick('WEBHOOK_MAX_ATTEMPTS'),
    WEBHOOK_RETRY_INITIAL_MS: pick('WEBHOOK_RETRY_INITIAL_MS'),
    WEBHOOK_RETRY_MAX_MS: pick('WEBHOOK_RETRY_MAX_MS'),
    WEBHOOK_TIMEOUT_MS: pick('WEBHOOK_TIMEOUT_MS'),
    WEBHOOK_SWEEP_AFTER_MS: pick('WEBHOOK_SWEEP_AFTER_MS'),
    WEBHOOK_SWEEP_INTERVAL_MS: pick('WEBHOOK_SWEEP_INTERVAL_MS'),
    WEBHOOK_SWEEP_BATCH: pick('WEBHOOK_SWEEP_BATCH'),
  });
  return {
    maxAttempts: s.WEBHOOK_MAX_ATTEMPTS,
    initialIntervalMs: s.WEBHOOK_RETRY_INITIAL_MS,
    maxIntervalMs: Math.max(s.WEBHOOK_RETRY_MAX_MS, s.WEBHOOK_RETRY_INITIAL_MS),
    timeoutMs: s.WEBHOOK_TIMEOUT_MS,
    sweepAfterMs: s.WEBHOOK_SWEEP_AFTER_MS,
    sweepIntervalMs: s.WEBHOOK_SWEEP_INTERVAL_MS,
    sweepBatch: s.WEBHOOK_SWEEP_BATCH,
  };
}
