/**
 * STAR-LAB strategy notifications (POST /notify_validated_strategy): stored for operators
 * to read and consider. Storing one never places an order.
 */
import { randomUUID } from 'node:crypto';
import type { StrategyNotification } from '../contracts/api';
import type { PrismaClient } from './client';

export async function storeNotification(prisma: PrismaClient, clientName: string, body: StrategyNotification): Promise<string> {
  const id = `ntf_${randomUUID()}`;
  await prisma.strategyNotification.create({ data: { id, clientName, body: body } });
  return id;
}

export interface NotificationRecord {
  id: string;
  client_name: string;
  status: string;
  body: unknown;
  created_at: string;
}

/** For operators (the operator endpoints call this): newest first. */
export async function listNotifications(prisma: PrismaClient, q: { status?: string; clientName?: string; limit?: number } = {}): Promise<NotificationRecord[]> {
  const rows = await prisma.strategyNotification.findMany({
    where: { status: q.status, clientName: q.clientName },
    orderBy: { createdAt: 'desc' },
    take: Math.min(q.limit ?? 100, 1000),
  });
  return rows.map((r) => ({ id: r.id, client_name: r.clientName, status: r.status, body: r.body, created_at: r.createdAt.toISOString() }));
}

/** Operators mark a notification as considered (e.g. REVIEWED, ADOPTED, DISMISSED). */
export async function setNotificationStatus(prisma: PrismaClient, id: string, status: string): Promise<boolean> {
  const r = await prisma.strategyNotification.updateMany({ where: { id }, data: { status } });
  return r.count > 0;
}

/**
 * Week-type history (PROTOCOL §3) for the Data API, optionally by symbol and week range: the
 * market's classification per symbol and week, nothing of ALL-USE's own (no account ids, no
 * family names). Accounts that classified the same symbol and week alike give one row.
 */
export async function weekTypeHistory(prisma: PrismaClient, q: { symbol?: string; fromWeek?: string; toWeek?: string }) {
  const rows = await prisma.weekTypeRecord.findMany({
    where: { symbol: q.symbol, week: { ...(q.fromWeek ? { gte: q.fromWeek } : {}), ...(q.toWeek ? { lte: q.toWeek } : {}) } },
    distinct: ['week', 'symbol', 'type'],
    select: { symbol: true, week: true, type: true },
    orderBy: [{ week: 'asc' }, { symbol: 'asc' }, { type: 'asc' }],
    take: 5000,
  });
  return rows.map((r) => ({ symbol: r.symbol, week: r.week, week_type: r.type }));
}

export interface NotificationItem {
  id: string;
  client_name: string;
  starlab_strategy_id: string | null;
  title: string | null;
  /** NEW until an operator answers; then ACCEPTED or DISMISSED. */
  status: string;
  decision_reason: string | null;
  decided_by: string | null;
  decided_at: string | null;
  body: unknown;
  created_at: string;
}

const NCURSOR = (d: Date, id: string) => Buffer.from(JSON.stringify({ t: d.toISOString(), i: id })).toString('base64url');
function decodeNCursor(c: string): { t: Date; i: string } {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString()) as { t?: unknown; i?: unknown };
    if (typeof v.t === 'string' && typeof v.i === 'string' && !Number.isNaN(new Date(v.t).getTime())) return { t: new Date(v.t), i: v.i };
  } catch {
    // fall through
  }
  throw new Error('cursor is not one this server issued');
}

/** Operators' list (and a client's own, with clientName): newest first, paginated by an opaque cursor. */
export async function queryNotifications(
  prisma: PrismaClient,
  q: { status?: string; clientName?: string; limit?: number; cursor?: string } = {},
): Promise<{ items: NotificationItem[]; next_cursor: string | null }> {
  const limit = Math.max(1, Math.min(q.limit ?? 100, 1000));
  const c = q.cursor ? decodeNCursor(q.cursor) : undefined;
  const rows = await prisma.strategyNotification.findMany({
    where: { status: q.status, clientName: q.clientName, ...(c ? { OR: [{ createdAt: { lt: c.t } }, { createdAt: c.t, id: { lt: c.i } }] } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const decisions = new Map((await prisma.notificationDecision.findMany({ where: { notificationId: { in: page.map((r) => r.id) } } })).map((d) => [d.notificationId, d]));
  return {
    items: page.map((r) => {
      const b = r.body as { starlab_strategy_id?: string; title?: string } | null;
      const d = decisions.get(r.id);
      return {
        id: r.id,
        client_name: r.clientName,
        starlab_strategy_id: b?.starlab_strategy_id ?? null,
        title: b?.title ?? null,
        status: r.status,
        decision_reason: d?.reason ?? null,
        decided_by: d?.decidedBy ?? null,
        decided_at: d?.decidedAt.toISOString() ?? null,
        body: r.body,
        created_at: r.createdAt.toISOString(),
      };
    }),
    next_cursor: rows.length > limit ? NCURSOR(page.at(-1)!.createdAt, page.at(-1)!.id) : null,
  };
}

export type DecideResult = { ok: true; item: NotificationItem } | { ok: false; code: 'NOT_FOUND' | 'ALREADY_DECIDED'; status?: string };

/**
 * An operator accepts or dismisses a notification, once, with a reason; the decision and its
 * audit row are written in one transaction. Deciding never places an order.
 */
export async function decideNotification(prisma: PrismaClient, id: string, d: { decision: 'ACCEPTED' | 'DISMISSED'; by: string; reason: string }): Promise<DecideResult> {
  const out = await prisma.$transaction(async (tx) => {
    const row = await tx.strategyNotification.findUnique({ where: { id } });
    if (!row) return { ok: false as const, code: 'NOT_FOUND' as const };
    const moved = await tx.strategyNotification.updateMany({ where: { id, status: 'NEW' }, data: { status: d.decision } });
    if (moved.count === 0) return { ok: false as const, code: 'ALREADY_DECIDED' as const, status: row.status };
    await tx.notificationDecision.create({ data: { notificationId: id, decision: d.decision, reason: d.reason, decidedBy: d.by } });
    await tx.auditLog.create({
      data: { actor: d.by, action: d.decision === 'ACCEPTED' ? 'NOTIFICATION_ACCEPTED' : 'NOTIFICATION_DISMISSED', target: id, outcome: 'OK', detail: { reason: d.reason, client: row.clientName } },
    });
    return { ok: true as const };
  });
  if (!out.ok) return out;
  const item = await notificationItem(prisma, id);
  return { ok: true, item: item! };
}

export async function notificationItem(prisma: PrismaClient, id: string, clientName?: string): Promise<NotificationItem | null> {
  const row = await prisma.strategyNotification.findFirst({ where: { id, clientName } });
  if (!row) return null;
  const d = await prisma.notificationDecision.findUnique({ where: { notificationId: id } });
  const b = row.body as { starlab_strategy_id?: string; title?: string } | null;
  return {
    id: row.id,
    client_name: row.clientName,
    starlab_strategy_id: b?.starlab_strategy_id ?? null,
    title: b?.title ?? null,
    status: row.status,
    decision_reason: d?.reason ?? null,
    decided_by: d?.decidedBy ?? null,
    decided_at: d?.decidedAt.toISOString() ?? null,
    body: row.body,
    created_at: row.createdAt.toISOString(),
  };
}
