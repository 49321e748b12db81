/**
 * What GET /metrics copies from the database into gauges (src/api/metricsRoute.ts), read in
 * one place: Prisma lives in src/db only.
 */
import type { PrismaClient } from './client';
import { globalControl } from './control';

export async function loadMetricsRows(prisma: PrismaClient, stuckBefore: Date) {
  const [accounts, positions, weeks, levels, control, lastCycle, stuck] = await Promise.all([
    prisma.account.findMany({ where: { status: 'OPEN', family: { shadow: false } } }), // shadow families (A/B, simulator only) are not the real books
    prisma.position.findMany({ where: { ownerKind: 'ACCOUNT', NOT: { quantity: 0 } } }),
    prisma.weekTypeRecord.groupBy({ by: ['week', 'type'], _count: { _all: true }, orderBy: { week: 'desc' } }),
    // The protocol engine records level changes as audit rows PROTOCOL_LEVEL {symbol, level}.
    prisma.auditLog.findMany({ where: { action: 'PROTOCOL_LEVEL' }, orderBy: { id: 'desc' }, take: 5000 }),
    globalControl(prisma),
    prisma.weekTypeRecord.aggregate({ _max: { createdAt: true } }),
    prisma.instruction.count({ where: { status: 'PENDING_SUBMIT', createdAt: { lt: stuckBefore } } }),
  ]);
  return { accounts, positions, weeks, levels, control, lastCycle, stuck };
}

/** Names of the migrations applied to the database (the readiness check compares them with the tree's). */
export async function appliedMigrations(prisma: PrismaClient): Promise<Set<string>> {
  const rows = await prisma.$queryRaw<{ migration_name: string }[]>`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  return new Set(rows.map((r) => r.migration_name));
}
