/**
 * Storage of the feedback loop: optimisation runs, every trial (by run and trial id, so a resumed
 * run skips what is stored), and recommendations with the operator's decision.
 */
import type { Prisma, PrismaClient } from './client';

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
  await prisma.optimizationTrial.createMany({ data: [{ runId, trialId: trial.id, label: trial.label, result: trial as unknown as Prisma.InputJsonObject }], skipDuplicates: true });
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
  const row = await prisma.recommendation.upsert({
    where: { id: r.id },
    create: { id: r.id, kind: r.kind, source: r.source ?? null, evidence: r.evidence, proposedConfig: r.proposedConfig },
    update: {},
  });
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

export interface LiveWeekRow {
  week: string;
  accountId: string;
  kind: string;
  familyId: string;
  symbol: string;
  type: string;
  regime: string;
  premiumCents: number;
  commissionCents: number;
  assignmentCents: number;
}

/**
 * Live account-weeks: the classified week types, with the week's net option premium,
 * commissions and assignment cash from the ledger, and the regime the cycle planned under.
 */
export async function loadLiveWeeks(prisma: PrismaClient): Promise<LiveWeekRow[]> {
  const [types, accounts, ledger, orders] = await Promise.all([
    prisma.weekTypeRecord.findMany({ orderBy: [{ week: 'asc' }] }),
    prisma.account.findMany({ select: { id: true, kind: true, familyId: true } }),
    prisma.ledgerEntry.findMany({
      where: { reason: { in: ['PREMIUM', 'COMMISSION', 'ASSIGNMENT'] } },
      select: { fromAccountId: true, toAccountId: true, amountCents: true, reason: true, week: true },
    }),
    prisma.protocolOrder.findMany({ where: { purpose: 'OPEN' }, select: { accountId: true, week: true, symbol: true, detail: true } }),
  ]);
  const acct = new Map(accounts.map((a) => [a.id, a]));
  const flows = new Map<string, { premium: number; commission: number; assignment: number }>();
  for (const e of ledger) {
    for (const [id, sign] of [
      [e.toAccountId, 1],
      [e.fromAccountId, -1],
    ] as const) {
      if (!id || !e.week) continue;
      const k = `${id}|${e.week}`;
      const f = flows.get(k) ?? { premium: 0, commission: 0, assignment: 0 };
      const amt = Number(e.amountCents) * sign;
      if (e.reason === 'PREMIUM') f.premium += amt;
      else if (e.reason === 'COMMISSION') f.commission -= amt;
      else f.assignment += amt;
      flows.set(k, f);
    }
  }
  const regime = new Map<string, string>();
  for (const o of orders) {
    const r = (o.detail as { regime?: { trend?: string; vol?: string } } | null)?.regime;
    if (r) regime.set(`${o.accountId}|${o.week}|${o.symbol}`, `${r.trend ?? '?'}/${r.vol ?? '?'}`);
  }
  return types.map((t) => {
    const a = acct.get(t.accountId);
    const f = flows.get(`${t.accountId}|${t.week}`) ?? { premium: 0, commission: 0, assignment: 0 };
    return {
      week: t.week,
      accountId: t.accountId,
      kind: a?.kind ?? '?',
      familyId: a?.familyId ?? '?',
      symbol: t.symbol,
      type: t.type,
      regime: regime.get(`${t.accountId}|${t.week}|${t.symbol}`) ?? 'unknown',
      premiumCents: f.premium,
      commissionCents: f.commission,
      assignmentCents: f.assignment,
    };
  });
}

/** Trials stored so far for a run. */
export async function countTrials(prisma: PrismaClient, runId: string): Promise<number> {
  return prisma.optimizationTrial.count({ where: { runId } });
}
