/**
 * HTTP bodies of the webhook routes (STAR-LAB: /webhooks; operators: deliveries) and the
 * endpoint URL rule: HTTPS, or plain HTTP to a loopback address only (development, tests).
 */
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from './webhooks';

const LOOPBACK_HOST = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost)$/i;

/** Null when `url` may be registered, else why not. */
export function webhookUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.username || u.password) return 'credentials in the URL are not allowed';
  if (u.hash) return 'a fragment (#...) is not allowed';
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:') return LOOPBACK_HOST.test(u.hostname) ? null : 'plain http is allowed only to loopback addresses (127.0.0.0/8, ::1, localhost); use https';
  return 'the URL must be https (or http to a loopback address)';
}

export const webhookUrlSchema = z
  .string()
  .max(2000)
  .superRefine((v, ctx) => {
    const p = webhookUrlProblem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });

export const webhookCreateSchema = z.object({ url: webhookUrlSchema }).strict().meta({ id: 'WebhookCreate' });

export const webhookEndpointSchema = z
  .object({
    id: z.string(),
    client: z.string(),
    url: z.string(),
    created_by: z.string(),
    created_at: z.string(),
    removed_at: z.string().nullable(),
  })
  .meta({ id: 'WebhookEndpoint' });

export const webhookCreatedSchema = webhookEndpointSchema.extend({ secret: z.string().describe('HMAC-SHA256 signing secret: shown only in this answer; store it') }).meta({ id: 'WebhookCreated' });

export const webhookListSchema = z.object({ endpoints: z.array(webhookEndpointSchema) }).meta({ id: 'WebhookList' });

/** The JSON body ALL-USE POSTs to an endpoint (signed; docs/WEBHOOKS.md). */
export const webhookEventBodySchema = z
  .object({
    event_id: z.string(),
    type: z.enum(WEBHOOK_EVENT_TYPES),
    sequence: z.number().int().describe('1, 2, 3 … per instruction; deliveries of one instruction arrive in this order'),
    occurred_at: z.string(),
    all_use_order_id: z.string(),
    client_order_id: z.string(),
    starlab_strategy_id: z.string(),
    status: z.string().optional(),
    filled_quantity: z.number().int().optional(),
    average_fill_price: z.number().nullable().optional(),
    commission: z.number().optional(),
    broker_order_id: z.string().nullable().optional(),
    reject_reason: z.string().nullable().optional(),
  })
  .passthrough()
  .meta({ id: 'WebhookEvent' });
