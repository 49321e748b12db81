/**
 * Reconciliation cases: an order the broker does not know, decided once and recorded as an audit
 * row `RECONCILIATION_CASE` with detail `{ instruction, case, evidence }` (the reconciliation
 * report lists them). One row per instruction and case: Temporal may run the recording twice.
 */
import type { PrismaClient } from './client';

export const RECONCILIATION_CASE = 'RECONCILIATION_CASE';
/** FOUND_ELSEWHERE: not in the worker's book, found by a fresh search at the broker and followed. */
export type OrphanCase = 'FOUND_ELSEWHERE' | 'NOT_PLACED' | 'BROKER_LOST_ORDER';

export interface OrphanEvidence {
  /** What the books knew of the order when it went missing. */
  booked: { status: string; brokerOrderId: number | null; filledQuantity: number; executions: number } | null;
  [key: string]: unknown;
}

/** What the books hold about an instruction's broker order (the evidence of a case). */
export async function bookedOrder(prisma: PrismaClient, instructionId: string): Promise<OrphanEvidence['booked'] & { avgFillPrice: number | null; commission: number }> {
  const row = await prisma.instruction.findUnique({ where: { id: instructionId }, include: { order: true, _count: { select: { executions: true } } } });
  return {
    status: row?.status ?? 'UNKNOWN',
    brokerOrderId: row?.order?.brokerOrderId ?? null,
    filledQuantity: row?.order?.filledQuantity ?? 0,
    executions: row?._count.executions ?? 0,
    avgFillPrice: row?.order?.avgFillPrice != null ? Number(row.order.avgFillPrice) : null,
    commission: row?.order ? Number(row.order.commission) : 0,
  };
}

/**
 * Records the case unless this instruction already has a row for it (one statement: a burst of
 * cases after a gateway restart costs one round trip each); true when written now.
 */
export async function recordReconciliationCase(prisma: PrismaClient, instructionId: string, kase: OrphanCase, evidence: Record<string, unknown>): Promise<boolean> {
  const target = `instruction:${instructionId}`;
  const detail = JSON.stringify({ instruction: instructionId, case: kase, evidence });
  const n = await prisma.$executeRaw`
    INSERT INTO audit_log (actor, action, target, outcome, detail)
    SELECT 'system', ${RECONCILIATION_CASE}, ${target}, 'OK', ${detail}::jsonb
    WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE action = ${RECONCILIATION_CASE} AND target = ${target} AND detail->>'case' = ${kase})`;
  return n > 0;
}

export async function reconciliationCases(prisma: PrismaClient, instructionId?: string) {
  const rows = await prisma.auditLog.findMany({ where: { action: RECONCILIATION_CASE, ...(instructionId ? { target: `instruction:${instructionId}` } : {}) }, orderBy: { id: 'asc' } });
  return rows.map((r) => ({ at: r.createdAt.toISOString(), ...(r.detail as { instruction: string; case: OrphanCase; evidence: Record<string, unknown> }) }));
}
