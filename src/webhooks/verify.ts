/**
 * Verifies an ALL-USE webhook the way a receiver should (docs/WEBHOOKS.md): the HMAC over
 * "<t>.<raw body>" with the endpoint's secret, compared in constant time, and the timestamp
 * inside the replay window. Dependency-free so STAR-LAB can copy it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { REPLAY_WINDOW_SECONDS } from '../contracts/webhooks';

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: 'MALFORMED_HEADER' | 'BAD_SIGNATURE' | 'TIMESTAMP_OUT_OF_WINDOW' };

export function verifyWebhook(secret: string, rawBody: string | Buffer, header: string | undefined | null, nowMs: number = Date.now(), windowSeconds = REPLAY_WINDOW_SECONDS): VerifyResult {
  const parts = new Map<string, string[]>();
  for (const kv of (header ?? '').split(',')) {
    const i = kv.indexOf('=');
    if (i <= 0) continue;
    const k = kv.slice(0, i).trim();
    parts.set(k, [...(parts.get(k) ?? []), kv.slice(i + 1).trim()]);
  }
  const t = Number(parts.get('t')?.[0]);
  const sigs = parts.get('v1') ?? [];
  if (!Number.isInteger(t) || sigs.length === 0) return { ok: false, reason: 'MALFORMED_HEADER' };
  const want = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  // Several v1 values are allowed (a secret rotation may sign with both).
  const match = sigs.some((s) => /^[0-9a-f]{64}$/.test(s) && timingSafeEqual(Buffer.from(s, 'hex'), want));
  if (!match) return { ok: false, reason: 'BAD_SIGNATURE' };
  if (Math.abs(nowMs / 1000 - t) > windowSeconds) return { ok: false, reason: 'TIMESTAMP_OUT_OF_WINDOW' };
  return { ok: true, timestamp: t };
}
