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
  'PROTOCOL_CONFIG_SET',
  'WEBHOOK_REGISTERED',
  'WEBHOOK_REMOVED',
  'WEBHOOK_REDELIVERED',
  'NOTIFICATION_ACCEPTED',
  'NOTIFICATION_DISMISSED',
  'OPERATOR_AUTH_DENIED',
  'RECOMMENDATION_ACCEPTED',
  'RECOMMENDATION_DISMISSED',
  'EXPERIMENT_CREATED',
  'EXPERIMENT_CONCLUDED',
  'EXPERIMENT_STOPPED',
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

export interface AuditPageQuery {
  /** Inclusive lower bound on created_at. */
  from?: Date;
  /** Exclusive upper bound on created_at. */
  to?: Date;
  actor?: string;
  action?: string;
  target?: string;
  outcome?: string;
  limit?: number;
  /** Opaque: the previous page's next_cursor. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Null on the last page. */
  next_cursor: string | null;
}

export class BadCursorError extends Error {
  constructor() {
    super('cursor is not one this server issued');
    this.name = 'BadCursorError';
  }
}

const encodeCursor = (id: bigint) => Buffer.from(JSON.stringify({ a: id.toString() })).toString('base64url');
function decodeCursor(c: string): bigint {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString()) as { a?: unknown };
    if (typeof v.a === 'string' && /^\d{1,19}$/.test(v.a)) return BigInt(v.a);
  } catch {
    // fall through
  }
  throw new BadCursorError();
}

/**
 * The one audit query of the operator route and `npm run ops -- audit`: newest first, filtered,
 * paginated by an opaque cursor (keyset on the row id, so pages stay stable while rows arrive).
 */
export async function queryAudit(prisma: PrismaClient, q: AuditPageQuery = {}): Promise<Page<AuditRecord>> {
  const limit = Math.max(1, Math.min(q.limit ?? 100, 1000));
  const rows = await prisma.auditLog.findMany({
    where: {
      actor: q.actor,
      action: q.action,
      target: q.target,
      outcome: q.outcome,
      ...(q.from || q.to ? { createdAt: { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lt: q.to } : {}) } } : {}),
      ...(q.cursor ? { id: { lt: decodeCursor(q.cursor) } } : {}),
    },
    orderBy: { id: 'desc' },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({ id: r.id.toString(), actor: r.actor, action: r.action, target: r.target, outcome: r.outcome, detail: r.detail, created_at: r.createdAt.toISOString() })),
    next_cursor: rows.length > limit ? encodeCursor(page.at(-1)!.id) : null,
  };
}

/** A --from/--to or ?from=&to= bound: a date (YYYY-MM-DD, UTC day; `to` includes the whole day) or an ISO timestamp. */
export function auditBound(v: string, end: boolean): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const d = new Date(`${v}T00:00:00Z`);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) throw new Error(`not a date: ${v}`);
    return end ? new Date(d.getTime() + 86_400_000) : d;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) throw new Error(`not a date or ISO timestamp with zone: ${v}`);
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new Error(`not a timestamp: ${v}`);
  return d;
}

/** Audit rows as CSV (one header line; detail as JSON text). */
export function auditCsv(items: AuditRecord[]): string {
  const esc = (v: unknown) => {
    const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const cols = ['id', 'created_at', 'actor', 'action', 'target', 'outcome', 'detail'] as const;
  return [cols.join(','), ...items.map((r) => cols.map((c) => esc(r[c])).join(','))].join('\n') + '\n';
}
