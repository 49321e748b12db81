/**
 * Storage of the feedback loop: optimisation runs, every trial (by run and trial id, so a resumed
 * run skips what is stored), and recommendations with the operator's decision.
 */
import type { PrismaClient } from './client';

export interface StoredTrial {
  id: string;
  label: string;
  [k: string]: unknown;
}

export async function upsertRun(prisma: PrismaClient, id: string, kind: string, spec: object): Promise<void> {
  await prisma.optimizationRun.upsert({ where: { id }, create: { id, kind, spec }, update: {} });
}

export async function finishRun(prisma: PrismaClient, id: string, result: object): Promise<void> {
  await prisma.optimizationRun.update({ where: { id }, data: { status: 'DONE', result } });
}

export async function getRun(prisma: PrismaClient, id: string) {
  return prisma.optimizationRun.findUnique({ where: { id } });
}

/** Idempotent: a trial stored twice (a retried activity) stays one row. */
export async function saveTrial(prisma: PrismaClient, runId: string, trial: StoredTrial): Promise<void> {
  await prisma.optimizationTrial.createMany({ data: [{ runId, trialId: trial.id, label: trial.label, result: trial as object }], skipDuplicates: true });
}

export async function loadTrials<T>(prisma: PrismaClient, runId: string): Promise<Map<string, T>> {
  const rows = await prisma.optimizationTrial.findMany({ where: { runId } });
  return new Map(rows.map((r) => [r.trialId, r.result as T]));
}

export type RecommendationStatus = 'PROPOSED' | 'ACCEPTED' | 'DISMISSED';
export interface RecommendationRow {
  id: string;
  kind: string;
  status: RecommendationStatus;
  source: string | null;
  evidence: unknown;
  proposedConfig: unknown;
  decidedBy: string | null;
  reason: string | null;
  appliedVersion: number | null;
  createdAt: Date;
  decidedAt: Date | null;
}

/** Idempotent on `id` (a retried activity or a re-run with the same run id creates nothing new). */
export async function createRecommendation(prisma: PrismaClient, r: { id: string; kind: string; source?: string; evidence: object; proposedConfig: object }): Promise<RecommendationRow> {
  const row = await prisma.recommendation.upsert({ where: { id: r.id }, create: { id: r.id, kind: r.kind, source: r.source ?? null, evidence: r.evidence, proposedConfig: r.proposedConfig }, update: {} });
  return row as RecommendationRow;
}

export async function listRecommendations(prisma: PrismaClient, status?: RecommendationStatus): Promise<RecommendationRow[]> {
  return (await prisma.recommendation.findMany({ where: status ? { status } : {}, orderBy: { createdAt: 'desc' }, take: 200 })) as RecommendationRow[];
}

export async function getRecommendation(prisma: PrismaClient, id: string): Promise<RecommendationRow | null> {
  return (await prisma.recommendation.findUnique({ where: { id } })) as RecommendationRow | null;
}

/** Moves PROPOSED → status only if still PROPOSED (one decision wins); false when it was not. */
export async function claimDecision(prisma: PrismaClient, id: string, status: 'ACCEPTED' | 'DISMISSED', by: string, reason: string): Promise<boolean> {
  const r = await prisma.recommendation.updateMany({ where: { id, status: 'PROPOSED' }, data: { status, decidedBy: by, reason, decidedAt: new Date() } });
  return r.count === 1;
}

export async function setAppliedVersion(prisma: PrismaClient, id: string, version: number): Promise<void> {
  await prisma.recommendation.update({ where: { id }, data: { appliedVersion: version } });
}

export async function revertDecision(prisma: PrismaClient, id: string): Promise<void> {
  await prisma.recommendation.update({ where: { id }, data: { status: 'PROPOSED', decidedBy: null, reason: null, decidedAt: null } });
}

/** True when the database answers within `ms` and has the feedback tables (migrated). */
export async function feedbackStoreReachable(databaseUrl: string, ms = 2000): Promise<boolean> {
  const { Client } = await import('pg');
  const c = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: ms });
  try {
    await c.connect();
    const r = await c.query<{ t: string | null }>("SELECT to_regclass('recommendations')::text AS t");
    return Boolean(r.rows[0]?.t);
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}
