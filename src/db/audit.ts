/**
 * The audit log: who did what to which order, key or notification, and every denied
 * attempt. Writing never fails the caller's request (a lost audit row is logged instead),
 * but it is awaited, so a row exists by the time the caller sees the answer.
 */
import { batchedWrites, perClient } from './batch';
import { hotQuery, type PrismaClient } from './client';

export const AUDIT_ACTIONS = [
  'INSTRUCTION_SUBMITTED',
  'INSTRUCTION_REPLAYED',
  'INSTRUCTION_CONFLICT',
  'CANCEL_REQUESTED',
  'CANCEL_FAILED',
  'KEY_ISSUED',
  'KEY_REVOKED',
  'TOKEN_ISSUED',
  'AUTH_DENIED',
  'ACCESS_DENIED',
  'STRATEGY_NOTIFIED',
  'SEGMENT_LIMIT_SET',
  'RECOMMENDATION_ACCEPTED',
  'RECOMMENDATION_DISMISSED',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  actor: string;
  action: AuditAction;
  target?: string | null;
  outcome: 'OK' | 'DENIED' | 'FAILED';
  detail?: Record<string, unknown>;
}

// Rows written in the same event-loop turn go in one INSERT (batch.ts): the API's hot path.
const writer = perClient((prisma: PrismaClient) =>
  batchedWrites<AuditEntry>(async (items) => {
    // One INSERT … unnest of arrays straight on the pool (client.ts): a fixed statement shape whatever the batch size.
    const col = <T>(f: (e: AuditEntry) => T) => items.map(f);
    await hotQuery(
      prisma,
      `INSERT INTO audit_log (actor, action, target, outcome, detail)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
      [col((e) => e.actor), col((e) => e.action), col((e) => e.target ?? null), col((e) => e.outcome), col((e) => (e.detail ? JSON.stringify(e.detail) : null))],
    );
  }),
);

export async function writeAudit(prisma: PrismaClient, e: AuditEntry, onError?: (err: unknown) => void): Promise<void> {
  try {
    await writer(prisma)({ ...e });
  } catch (err) {
    onError?.(err);
  }
}

export interface AuditQuery {
  actor?: string;
  action?: AuditAction;
  target?: string;
  since?: Date;
  limit?: number;
}

export interface AuditRecord {
  id: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  detail: unknown;
  created_at: string;
}

/** For operators (the operator endpoints call this): newest first. */
export async function listAudit(prisma: PrismaClient, q: AuditQuery = {}): Promise<AuditRecord[]> {
  const rows = await prisma.auditLog.findMany({
    where: { actor: q.actor, action: q.action, target: q.target, ...(q.since ? { createdAt: { gte: q.since } } : {}) },
    orderBy: { id: 'desc' },
    take: Math.min(q.limit ?? 100, 1000),
  });
  return rows.map((r) => ({ id: r.id.toString(), actor: r.actor, action: r.action, target: r.target, outcome: r.outcome, detail: r.detail, created_at: r.createdAt.toISOString() }));
}
