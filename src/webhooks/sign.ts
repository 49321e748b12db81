/**
 * Webhook signatures: `X-AllUse-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The receiver recomputes the HMAC over the raw bytes it received and checks the timestamp
 * against its clock (REPLAY_WINDOW_SECONDS); see verify.ts and docs/WEBHOOKS.md.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const signPayload = (secret: string, t: number, rawBody: string): string => createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');

export function signatureHeader(secret: string, rawBody: string, nowMs: number = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${signPayload(secret, t, rawBody)}`;
}

/** A new signing secret: 32 random bytes. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;
