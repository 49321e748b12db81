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

/** Week-type history (PROTOCOL §3) for the Data API, optionally by symbol and week range. */
export async function weekTypeHistory(prisma: PrismaClient, q: { symbol?: string; fromWeek?: string; toWeek?: string }) {
  const rows = await prisma.weekTypeRecord.findMany({
    where: { symbol: q.symbol, week: { ...(q.fromWeek ? { gte: q.fromWeek } : {}), ...(q.toWeek ? { lte: q.toWeek } : {}) } },
    orderBy: [{ week: 'asc' }, { accountId: 'asc' }, { symbol: 'asc' }],
    take: 5000,
  });
  return rows.map((r) => ({ account_id: r.accountId, symbol: r.symbol, week: r.week, week_type: r.type }));
}
