/**
 * Webhook endpoints, the event outbox and deliveries (docs/WEBHOOKS.md). Events are written in
 * the transaction of the status write they report (`enqueueStatusEventTx`), so an event exists
 * exactly when its status change does; recording is idempotent by `dedupeKey`. Deliveries
 * (event × endpoint) are drained in sequence order by workflows/webhookDelivery.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { WebhookEventType } from '../contracts/webhooks';
import { newWebhookSecret } from '../webhooks/sign';
import type { Prisma, PrismaClient } from './client';

export interface WebhookEndpointRecord {
  id: string;
  client: string;
  url: string;
  created_by: string;
  created_at: string;
  removed_at: string | null;
}

const endpointOut = (r: { id: string; clientName: string; url: string; createdBy: string; createdAt: Date; removedAt: Date | null }): WebhookEndpointRecord => ({
  id: r.id,
  client: r.clientName,
  url: r.url,
  created_by: r.createdBy,
  created_at: r.createdAt.toISOString(),
  removed_at: r.removedAt?.toISOString() ?? null,
});

/** Registers an endpoint; the only answer that ever carries its signing secret. */
export async function createWebhookEndpoint(prisma: PrismaClient, e: { clientName: string; url: string; createdBy: string }): Promise<WebhookEndpointRecord & { secret: string }> {
  const row = await prisma.webhookEndpoint.create({ data: { id: `whe_${randomUUID()}`, clientName: e.clientName, url: e.url, secret: newWebhookSecret(), createdBy: e.createdBy } });
  return { ...endpointOut(row), secret: row.secret };
}

/** A STAR-LAB client of that name exists (revoked or not): `ops webhooks add` checks it. */
export async function apiClientExists(prisma: PrismaClient, name: string): Promise<boolean> {
  return (await prisma.apiClient.count({ where: { name } })) > 0;
}

/** Active endpoints (never their secrets), of one client or all. */
export async function listWebhookEndpoints(prisma: PrismaClient, clientName?: string, includeRemoved = false): Promise<WebhookEndpointRecord[]> {
  const rows = await prisma.webhookEndpoint.findMany({ where: { clientName, ...(includeRemoved ? {} : { removedAt: null }) }, orderBy: { createdAt: 'asc' } });
  return rows.map(endpointOut);
}

/** Removes (soft) an endpoint, of `clientName` when given; pending deliveries to it are dead-lettered when next tried. */
export async function removeWebhookEndpoint(prisma: PrismaClient, id: string, clientName?: string): Promise<boolean> {
  const r = await prisma.webhookEndpoint.updateMany({ where: { id, clientName, removedAt: null }, data: { removedAt: new Date() } });
  return r.count > 0;
}

export interface StatusEventInput {
  instructionId: string;
  type: WebhookEventType;
  /** Identity of this change: the same key twice records one event (e.g. `<id>:FILLED:<filled qty>`). */
  dedupeKey: string;
  /** Fields of the body beyond the event and instruction ids (order_status fields, position detail). */
  data: Record<string, unknown>;
  occurredAt?: Date;
  /** The instruction's client when the caller knows it: a client without endpoints then costs one read. */
  clientName?: string;
}

/** Where an event must go: the delivery workflows to start or wake (see activities/webhooks.ts). */
export interface WebhookTargets {
  instructionId: string;
  endpointIds: string[];
}

const eventIdOf = (dedupeKey: string) => `evt_${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 32)}`;

/**
 * Records one event of an instruction for each active endpoint of its client, inside the
 * caller's transaction (outbox). Idempotent: a known `dedupeKey` adds nothing and returns the
 * same targets, so a retried record step wakes the same deliveries. Null: nobody to tell.
 *
 * For other streams (e.g. position expiry and assignment): call this in the transaction that
 * books the change, then `dispatchWebhooks` (activities/webhooks.ts) with the result after commit.
 */
export async function enqueueStatusEventTx(tx: Prisma.TransactionClient, ev: StatusEventInput): Promise<WebhookTargets | null> {
  const activeOf = (clientName: string) => tx.webhookEndpoint.findMany({ where: { clientName, removedAt: null }, select: { id: true } });
  const hinted = ev.clientName !== undefined ? await activeOf(ev.clientName) : undefined;
  if (hinted?.length === 0) return null;
  const instr = await tx.instruction.findUnique({ where: { id: ev.instructionId }, select: { clientName: true, clientOrderId: true, starlabStrategyId: true } });
  if (!instr) return null;
  const endpoints = hinted && ev.clientName === instr.clientName ? hinted : await activeOf(instr.clientName);
  if (endpoints.length === 0) return null;
  const id = eventIdOf(ev.dedupeKey);
  const known = await tx.webhookEvent.findUnique({ where: { dedupeKey: ev.dedupeKey }, select: { id: true } });
  if (known) {
    const ds = await tx.webhookDelivery.findMany({ where: { eventId: known.id }, select: { endpointId: true } });
    return { instructionId: ev.instructionId, endpointIds: ds.map((d) => d.endpointId) };
  }
  // One writer per instruction at a time: sequence numbers without gaps or races.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`webhook-seq:${ev.instructionId}`}, 0))`;
  const last = await tx.webhookEvent.aggregate({ where: { instructionId: ev.instructionId }, _max: { seq: true } });
  const seq = (last._max.seq ?? 0) + 1;
  const occurredAt = (ev.occurredAt ?? new Date()).toISOString();
  const body = {
    event_id: id,
    type: ev.type,
    sequence: seq,
    occurred_at: occurredAt,
    all_use_order_id: ev.instructionId,
    client_order_id: instr.clientOrderId,
    starlab_strategy_id: instr.starlabStrategyId,
    ...ev.data,
  };
  await tx.webhookEvent.create({ data: { id, dedupeKey: ev.dedupeKey, clientName: instr.clientName, instructionId: ev.instructionId, seq, type: ev.type, body: body } });
  await tx.webhookDelivery.createMany({ data: endpoints.map((e) => ({ id: `${id}.${e.id}`, eventId: id, endpointId: e.id, instructionId: ev.instructionId, seq })) });
  return { instructionId: ev.instructionId, endpointIds: endpoints.map((e) => e.id) };
}

/** `enqueueStatusEventTx` in a transaction of its own. */
export async function enqueueStatusEvent(prisma: PrismaClient, ev: StatusEventInput): Promise<WebhookTargets | null> {
  return prisma.$transaction((tx) => enqueueStatusEventTx(tx, ev));
}

/** The lowest-sequence delivery still PENDING for (endpoint, instruction): the one to send next. */
export async function nextPendingDelivery(prisma: PrismaClient, endpointId: string, instructionId: string): Promise<{ id: string; seq: number } | null> {
  return prisma.webhookDelivery.findFirst({ where: { endpointId, instructionId, status: 'PENDING' }, orderBy: { seq: 'asc' }, select: { id: true, seq: true } });
}

export interface DeliveryToSend {
  id: string;
  status: string;
  eventId: string;
  url: string;
  secret: string;
  endpointRemoved: boolean;
  body: unknown;
}

export async function deliveryToSend(prisma: PrismaClient, id: string): Promise<DeliveryToSend | null> {
  const d = await prisma.webhookDelivery.findUnique({ where: { id } });
  if (!d) return null;
  const [ep, ev] = await Promise.all([prisma.webhookEndpoint.findUnique({ where: { id: d.endpointId } }), prisma.webhookEvent.findUnique({ where: { id: d.eventId } })]);
  if (!ep || !ev) return null;
  return { id, status: d.status, eventId: d.eventId, url: ep.url, secret: ep.secret, endpointRemoved: ep.removedAt !== null, body: ev.body };
}

export async function recordDeliveryAttempt(prisma: PrismaClient, id: string, a: { attempt: number; error: string; httpStatus: number | null; nextAttemptAt: Date | null }): Promise<void> {
  await prisma.webhookDelivery.updateMany({
    where: { id, status: 'PENDING' },
    data: { attempts: a.attempt, lastError: a.error.slice(0, 500), lastStatus: a.httpStatus, nextAttemptAt: a.nextAttemptAt },
  });
}

export async function markDelivered(prisma: PrismaClient, id: string, attempt: number, httpStatus: number): Promise<void> {
  await prisma.webhookDelivery.updateMany({ where: { id, status: 'PENDING' }, data: { status: 'DELIVERED', attempts: attempt, lastStatus: httpStatus, deliveredAt: new Date(), nextAttemptAt: null } });
}

/** Dead-letters a delivery; the last attempt's error stays when there was one (it says more than "attempts exhausted"). */
export async function markDeadLettered(prisma: PrismaClient, id: string, error: string): Promise<void> {
  const row = await prisma.webhookDelivery.findUnique({ where: { id }, select: { lastError: true } });
  await prisma.webhookDelivery.updateMany({ where: { id, status: 'PENDING' }, data: { status: 'DEAD', lastError: (row?.lastError ?? error).slice(0, 500), deadAt: new Date(), nextAttemptAt: null } });
}

export interface DeliveryRecord {
  id: string;
  event_id: string;
  endpoint_id: string;
  client: string;
  url: string;
  instruction_id: string;
  sequence: number;
  type: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  last_http_status: number | null;
  delivered_at: string | null;
  dead_at: string | null;
  created_at: string;
}

/** For operators: deliveries newest first, optionally only dead-lettered ones or one client's. */
export async function listDeliveries(prisma: PrismaClient, q: { status?: string; client?: string; instructionId?: string; limit?: number } = {}): Promise<DeliveryRecord[]> {
  const endpoints = await prisma.webhookEndpoint.findMany({ where: q.client ? { clientName: q.client } : {} });
  const byId = new Map(endpoints.map((e) => [e.id, e]));
  const rows = await prisma.webhookDelivery.findMany({
    where: { status: q.status, instructionId: q.instructionId, ...(q.client ? { endpointId: { in: [...byId.keys()] } } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    take: Math.min(q.limit ?? 100, 1000),
  });
  const events = new Map((await prisma.webhookEvent.findMany({ where: { id: { in: rows.map((r) => r.eventId) } }, select: { id: true, type: true } })).map((e) => [e.id, e.type]));
  return rows.map((r) => ({
    id: r.id,
    event_id: r.eventId,
    endpoint_id: r.endpointId,
    client: byId.get(r.endpointId)?.clientName ?? '',
    url: byId.get(r.endpointId)?.url ?? '',
    instruction_id: r.instructionId,
    sequence: r.seq,
    type: events.get(r.eventId) ?? '',
    status: r.status,
    attempts: r.attempts,
    next_attempt_at: r.nextAttemptAt?.toISOString() ?? null,
    last_error: r.lastError,
    last_http_status: r.lastStatus,
    delivered_at: r.deliveredAt?.toISOString() ?? null,
    dead_at: r.deadAt?.toISOString() ?? null,
    created_at: r.createdAt.toISOString(),
  }));
}

const STATUS_EVENTS: Record<string, WebhookEventType> = {
  PENDING_SUBMIT: 'RECEIVED',
  SUBMITTED: 'SUBMITTED',
  PARTIALLY_FILLED: 'PARTIALLY_FILLED',
  FILLED: 'FILLED',
  CANCELLED: 'CANCELLED',
  REJECTED: 'REJECTED',
};

/**
 * The webhook event of an instruction's recorded status (the record steps call it in their
 * transaction). One event per (status, filled quantity): a repeated record of the same state
 * (e.g. commissions completing after FILLED) adds none.
 */
export async function statusEventOf(
  tx: Prisma.TransactionClient,
  instructionId: string,
  s: { status: string; filledQuantity: number; averageFillPrice: number | null; commission: number; brokerOrderId: string | null; rejectReason: string | null },
  clientName?: string,
): Promise<WebhookTargets | null> {
  const type = STATUS_EVENTS[s.status];
  if (!type) return null;
  return enqueueStatusEventTx(tx, {
    instructionId,
    ...(clientName !== undefined ? { clientName } : {}),
    type,
    dedupeKey: `${instructionId}:${type}:${s.filledQuantity}`,
    data: {
      status: s.status,
      filled_quantity: s.filledQuantity,
      average_fill_price: s.averageFillPrice,
      commission: s.commission,
      broker_order_id: s.brokerOrderId,
      reject_reason: s.rejectReason,
    },
  });
}

/**
 * An operator sends a dead-lettered delivery again: back to PENDING with a fresh attempt count.
 * Returns where to dispatch it (src/webhooks/dispatch.ts), or null when it is not dead.
 */
export async function requeueDeadDelivery(prisma: PrismaClient, id: string): Promise<WebhookTargets | null> {
  const d = await prisma.webhookDelivery.findUnique({ where: { id }, select: { status: true, endpointId: true, instructionId: true } });
  if (!d || d.status !== 'DEAD') return null;
  const r = await prisma.webhookDelivery.updateMany({ where: { id, status: 'DEAD' }, data: { status: 'PENDING', attempts: 0, deadAt: null, nextAttemptAt: null } });
  return r.count ? { instructionId: d.instructionId, endpointIds: [d.endpointId] } : null;
}

/**
 * The (endpoint, instruction) pairs with a delivery PENDING and due for longer than
 * `olderThanMs` (never tried and created before that, or its next attempt was due before that):
 * a dispatch that failed after its commit left them without a running delivery workflow (the
 * sweeper, activities/webhooks.ts, wakes them). A delivery waiting out its backoff is not due and
 * is not listed. Ages are taken on the database's clock, the one that stamped the rows. At most
 * `limit` pairs, oldest first, so one sweep is bounded.
 */
export async function stalePendingTargets(prisma: PrismaClient, olderThanMs: number, limit: number): Promise<WebhookTargets[]> {
  const rows = await prisma.$queryRaw<{ instructionId: string; endpointId: string }[]>`
    SELECT instruction_id AS "instructionId", endpoint_id AS "endpointId"
      FROM webhook_deliveries
     WHERE status = 'PENDING'
       AND coalesce(next_attempt_at, created_at) < (now() AT TIME ZONE 'UTC') - make_interval(secs => ${olderThanMs / 1000})
     GROUP BY instruction_id, endpoint_id
     ORDER BY min(created_at)
     LIMIT ${limit}`;
  const byInstruction = new Map<string, string[]>();
  for (const r of rows) byInstruction.set(r.instructionId, [...(byInstruction.get(r.instructionId) ?? []), r.endpointId]);
  return [...byInstruction.entries()].map(([instructionId, endpointIds]) => ({ instructionId, endpointIds }));
}
