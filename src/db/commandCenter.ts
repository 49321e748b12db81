/**
 * Read-only queries behind the command center's operator endpoints (src/api/commandCenter.ts):
 * every position, the live instruction feed (rows changed since a cursor), week types, the
 * STAR-LAB side (clients without secrets, strategies and their instruction counts) and a
 * searchable audit log. Plain objects; money as integer cents, prices as decimal strings.
 */
import type { PrismaClient } from './client';
import { instructionSummary } from './operator';

export interface PositionRow {
  ownerKind: string;
  ownerId: string;
  symbol: string;
  secType: string;
  expiry: string;
  strike: string;
  right: string;
  quantity: number;
  avgPrice: string;
  realizedPnlCents: number;
  openInstructionId: string | null;
  source: string | null;
  updatedAt: string;
}

/** Every position with a non-zero quantity (ALL-USE accounts and STAR-LAB strategies), with the source of its opening instruction. */
export async function openPositions(prisma: PrismaClient, limit = 2000): Promise<PositionRow[]> {
  const rows = await prisma.position.findMany({ where: { quantity: { not: 0 } }, orderBy: [{ ownerKind: 'asc' }, { ownerId: 'asc' }, { symbol: 'asc' }, { expiry: 'asc' }], take: limit });
  const ids = [...new Set(rows.map((r) => r.openInstructionId).filter((x): x is string => !!x))];
  const src = new Map((await prisma.instruction.findMany({ where: { id: { in: ids } }, select: { id: true, source: true } })).map((i) => [i.id, i.source]));
  return rows.map((r) => ({
    ownerKind: r.ownerKind,
    ownerId: r.ownerId,
    symbol: r.symbol,
    secType: r.secType,
    expiry: r.expiry,
    strike: r.strike.toString(),
    right: r.right,
    quantity: r.quantity,
    avgPrice: r.avgPrice.toString(),
    realizedPnlCents: Number(r.realizedPnlCents),
    openInstructionId: r.openInstructionId,
    source: r.openInstructionId ? (src.get(r.openInstructionId) ?? null) : r.ownerKind === 'ACCOUNT' ? 'INTERNAL' : 'STARLAB',
    updatedAt: r.updatedAt.toISOString(),
  }));
}

export interface FeedRow {
  id: string;
  clientName: string;
  clientOrderId: string;
  strategy: string;
  scheme: string;
  source: string;
  symbol: string;
  action: string;
  quantity: number;
  status: string;
  rejectReason: string | null;
  workflowId: string;
  orderStatus: string | null;
  filledQuantity: number;
  avgFillPrice: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * Instructions for the live feed: the newest `limit` when `since` is absent, else every row whose
 * instruction or broker order changed after `since` (oldest first, so a cursor can advance).
 */
export async function instructionFeed(prisma: PrismaClient, q: { since?: Date; limit?: number } = {}): Promise<FeedRow[]> {
  const take = Math.min(Math.max(q.limit ?? 200, 1), 1000);
  const rows = await prisma.instruction.findMany({
    where: q.since ? { OR: [{ updatedAt: { gt: q.since } }, { order: { updatedAt: { gt: q.since } } }] } : {},
    include: { order: true },
    orderBy: q.since ? { updatedAt: 'asc' } : { createdAt: 'desc' },
    take,
  });
  return rows.map((i) => {
    const upd = i.order && i.order.updatedAt > i.updatedAt ? i.order.updatedAt : i.updatedAt;
    return {
      ...instructionSummary(i),
      workflowId: i.workflowId,
      orderStatus: i.order?.status ?? null,
      filledQuantity: i.order?.filledQuantity ?? 0,
      avgFillPrice: i.order?.avgFillPrice?.toString() ?? null,
      updatedAt: upd.toISOString(),
    };
  });
}

/** Every week type recorded (newest week first), bounded. */
export async function allWeekTypes(prisma: PrismaClient, limit = 5000) {
  const rows = await prisma.weekTypeRecord.findMany({ orderBy: [{ week: 'desc' }, { accountId: 'asc' }, { symbol: 'asc' }], take: limit });
  return rows.map((w) => ({ accountId: w.accountId, symbol: w.symbol, week: w.week, type: w.type }));
}

/** Family ledger transfers between accounts/families (FORK, MERGE, REINVEST): the tree's history. */
export async function familyTransfers(prisma: PrismaClient, limit = 500) {
  const rows = await prisma.ledgerEntry.findMany({ where: { reason: { in: ['FORK', 'MERGE', 'REINVEST'] } }, orderBy: { createdAt: 'desc' }, take: limit });
  return rows.map((e) => ({
    key: e.key,
    familyId: e.familyId,
    reason: e.reason,
    from: e.fromAccountId,
    to: e.toAccountId,
    amountCents: Number(e.amountCents),
    week: e.week,
    at: e.createdAt.toISOString(),
  }));
}

/** STAR-LAB clients (never a secret or hash), their strategies' instruction counts by status and realised P&L. */
export async function starlabOverview(prisma: PrismaClient) {
  const [clients, counts, pnl] = await Promise.all([
    prisma.apiClient.findMany({ orderBy: { name: 'asc' }, select: { name: true, clientId: true, strategies: true, scopes: true, rateLimitPerMinute: true, createdAt: true, revokedAt: true } }),
    prisma.instruction.groupBy({ by: ['clientName', 'starlabStrategyId', 'schemeType', 'status'], where: { source: 'STARLAB' }, _count: { _all: true } }),
    prisma.position.groupBy({ by: ['ownerId'], where: { ownerKind: 'STRATEGY' }, _sum: { realizedPnlCents: true }, _count: { _all: true } }),
  ]);
  const strategies = new Map<string, { clientName: string; strategy: string; schemes: string[]; instructions: Record<string, number>; realisedPnlCents: number; positions: number }>();
  for (const c of counts) {
    const key = `${c.clientName}:${c.starlabStrategyId}`;
    const s = strategies.get(key) ?? { clientName: c.clientName, strategy: c.starlabStrategyId, schemes: [], instructions: {}, realisedPnlCents: 0, positions: 0 };
    if (!s.schemes.includes(c.schemeType)) s.schemes.push(c.schemeType);
    s.instructions[c.status] = (s.instructions[c.status] ?? 0) + c._count._all;
    strategies.set(key, s);
  }
  for (const p of pnl) {
    const s = strategies.get(p.ownerId);
    if (s) {
      s.realisedPnlCents = Number(p._sum.realizedPnlCents ?? 0n);
      s.positions = p._count._all;
    }
  }
  return {
    clients: clients.map((c) => ({
      name: c.name,
      clientId: c.clientId,
      strategies: c.strategies,
      scopes: c.scopes,
      rateLimitPerMinute: c.rateLimitPerMinute,
      createdAt: c.createdAt.toISOString(),
      revokedAt: c.revokedAt?.toISOString() ?? null,
    })),
    strategies: [...strategies.values()].sort((a, b) => a.clientName.localeCompare(b.clientName) || a.strategy.localeCompare(b.strategy)),
  };
}

/** The audit log, newest first; `q` matches actor, action or target (case-insensitive substring). */
export async function searchAudit(prisma: PrismaClient, q: { q?: string; beforeId?: string; limit?: number } = {}) {
  const text = q.q?.trim();
  const rows = await prisma.auditLog.findMany({
    where: {
      ...(text ? { OR: [{ actor: { contains: text, mode: 'insensitive' } }, { action: { contains: text, mode: 'insensitive' } }, { target: { contains: text, mode: 'insensitive' } }] } : {}),
      ...(q.beforeId ? { id: { lt: BigInt(q.beforeId) } } : {}),
    },
    orderBy: { id: 'desc' },
    take: Math.min(Math.max(q.limit ?? 100, 1), 500),
  });
  return rows.map((r) => ({ id: r.id.toString(), actor: r.actor, action: r.action, target: r.target, outcome: r.outcome, detail: r.detail, createdAt: r.createdAt.toISOString() }));
}
