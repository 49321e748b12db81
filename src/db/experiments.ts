/**
 * Storage of A/B experiments whose arms trade (docs/FEEDBACK.md): the experiment, its arms (one
 * row per family with the configuration version it trades), each family's recorded weeks, and
 * the shadow flag of families that trade on the simulator only.
 */
import { Prisma } from '@prisma/client';
import type { PrismaClient } from './client';

export interface ExperimentArmRow {
  familyId: string;
  arm: string;
  shadow: boolean;
  configVersion: number;
  previousOverride: unknown;
}
export interface ExperimentOutcomeRow {
  familyId: string;
  week: string;
  arm: string;
  configVersion: number;
  capitalCents: number;
  premiumCents: number;
  commissionCents: number;
  assignments: number;
  returnOnCapital: number;
}
export interface ExperimentRow {
  id: string;
  status: string;
  baseConfig: unknown;
  variantConfig: unknown;
  baseVersion: number;
  options: Record<string, number>;
  createdBy: string;
  reason: string;
  verdict: unknown;
  recommendationId: string | null;
  stoppedBy: string | null;
  stopReason: string | null;
  createdAt: string;
  stoppedAt: string | null;
  arms: ExperimentArmRow[];
}

type Row = Prisma.ExperimentGetPayload<{ include: { arms: true } }>;
const view = (e: Row): ExperimentRow => ({
  id: e.id,
  status: e.status,
  baseConfig: e.baseConfig,
  variantConfig: e.variantConfig,
  baseVersion: e.baseVersion,
  options: e.options as Record<string, number>,
  createdBy: e.createdBy,
  reason: e.reason,
  verdict: e.verdict,
  recommendationId: e.recommendationId,
  stoppedBy: e.stoppedBy,
  stopReason: e.stopReason,
  createdAt: e.createdAt.toISOString(),
  stoppedAt: e.stoppedAt?.toISOString() ?? null,
  arms: e.arms
    .map((a) => ({ familyId: a.familyId, arm: a.arm, shadow: a.shadow, configVersion: a.configVersion, previousOverride: a.previousOverride }))
    .sort((x, y) => (x.arm === y.arm ? (x.familyId < y.familyId ? -1 : 1) : x.arm < y.arm ? -1 : 1)),
});

export async function getExperiment(prisma: PrismaClient, id: string): Promise<ExperimentRow | null> {
  const e = await prisma.experiment.findUnique({ where: { id }, include: { arms: true } });
  return e ? view(e) : null;
}

export async function listExperiments(prisma: PrismaClient): Promise<ExperimentRow[]> {
  return (await prisma.experiment.findMany({ include: { arms: true }, orderBy: { createdAt: 'desc' }, take: 200 })).map(view);
}

/** Families already in a RUNNING experiment (a family trades one configuration at a time). */
export async function familiesInRunningExperiments(prisma: PrismaClient, familyIds: readonly string[]): Promise<string[]> {
  const rows = await prisma.experimentArm.findMany({ where: { familyId: { in: [...familyIds] }, experiment: { status: 'RUNNING' } }, select: { familyId: true } });
  return rows.map((r) => r.familyId);
}

/** The experiment row, its arms and the audit row in one transaction. */
export async function insertExperiment(
  prisma: PrismaClient,
  e: { id: string; baseConfig: object; variantConfig: object; baseVersion: number; options: object; createdBy: string; reason: string; arms: ExperimentArmRow[] },
): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await tx.experiment.create({
      data: {
        id: e.id,
        baseConfig: e.baseConfig,
        variantConfig: e.variantConfig,
        baseVersion: e.baseVersion,
        options: e.options,
        createdBy: e.createdBy,
        reason: e.reason,
        arms: {
          create: e.arms.map((a) => ({
            familyId: a.familyId,
            arm: a.arm,
            shadow: a.shadow,
            configVersion: a.configVersion,
            previousOverride: a.previousOverride === null || a.previousOverride === undefined ? Prisma.JsonNull : (a.previousOverride as Prisma.InputJsonValue),
          })),
        },
      },
    });
    await tx.auditLog.create({
      data: {
        actor: e.createdBy,
        action: 'EXPERIMENT_CREATED',
        target: `experiment:${e.id}`,
        outcome: 'OK',
        detail: { reason: e.reason, arms: e.arms.map((a) => `${a.arm}:${a.familyId}@v${a.configVersion}`) },
      },
    });
  });
}

/** RUNNING → `status` (CONCLUDED by the stop rule, STOPPED by an operator); false when it was not RUNNING. */
export async function endExperiment(
  prisma: PrismaClient,
  id: string,
  p: { status: 'CONCLUDED' | 'STOPPED'; verdict?: object; recommendationId?: string | null; by: string; reason: string },
): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const from = p.status === 'STOPPED' ? ['RUNNING', 'CONCLUDED'] : ['RUNNING'];
    const n = await tx.experiment.updateMany({
      where: { id, status: { in: from } },
      data: {
        status: p.status,
        ...(p.verdict ? { verdict: p.verdict } : {}),
        ...(p.recommendationId !== undefined ? { recommendationId: p.recommendationId } : {}),
        ...(p.status === 'STOPPED' ? { stoppedBy: p.by, stopReason: p.reason, stoppedAt: new Date() } : {}),
      },
    });
    if (n.count === 0) return false;
    await tx.auditLog.create({
      data: { actor: p.by, action: p.status === 'STOPPED' ? 'EXPERIMENT_STOPPED' : 'EXPERIMENT_CONCLUDED', target: `experiment:${id}`, outcome: 'OK', detail: { reason: p.reason } },
    });
    return true;
  });
}

/** The RUNNING experiment arm a family trades in, if any. */
export async function runningArmOf(prisma: PrismaClient, familyId: string): Promise<(ExperimentArmRow & { experimentId: string }) | null> {
  const a = await prisma.experimentArm.findFirst({ where: { familyId, experiment: { status: 'RUNNING' } } });
  return a ? { experimentId: a.experimentId, familyId: a.familyId, arm: a.arm, shadow: a.shadow, configVersion: a.configVersion, previousOverride: a.previousOverride } : null;
}

/** One family's recorded week; a second record of the same week changes nothing (first write wins). */
export async function recordOutcome(prisma: PrismaClient, experimentId: string, o: ExperimentOutcomeRow): Promise<void> {
  await prisma.experimentOutcome.createMany({
    data: [
      {
        experimentId,
        familyId: o.familyId,
        week: o.week,
        arm: o.arm,
        configVersion: o.configVersion,
        capitalCents: BigInt(o.capitalCents),
        premiumCents: BigInt(o.premiumCents),
        commissionCents: BigInt(o.commissionCents),
        assignments: o.assignments,
        returnOnCapital: o.returnOnCapital,
      },
    ],
    skipDuplicates: true,
  });
}

export async function experimentOutcomes(prisma: PrismaClient, experimentId: string): Promise<ExperimentOutcomeRow[]> {
  const rows = await prisma.experimentOutcome.findMany({ where: { experimentId }, orderBy: [{ familyId: 'asc' }, { week: 'asc' }] });
  return rows.map((r) => ({
    familyId: r.familyId,
    week: r.week,
    arm: r.arm,
    configVersion: r.configVersion,
    capitalCents: Number(r.capitalCents),
    premiumCents: Number(r.premiumCents),
    commissionCents: Number(r.commissionCents),
    assignments: r.assignments,
    returnOnCapital: r.returnOnCapital,
  }));
}

/** A family's ledger lines of one week, its protocol accounts and its capital (sum of the accounts' bases). */
export async function familyWeekLedger(prisma: PrismaClient, familyId: string, week: string) {
  const [accounts, lines] = await Promise.all([
    prisma.account.findMany({ where: { familyId }, select: { id: true, baseCents: true, kind: true } }),
    prisma.ledgerEntry.findMany({ where: { familyId, week }, select: { reason: true, fromAccountId: true, toAccountId: true, amountCents: true } }),
  ]);
  return {
    accountIds: accounts.map((a) => a.id),
    capitalCents: accounts.reduce((s, a) => s + Number(a.baseCents), 0),
    lines: lines.map((l) => ({ ...l, amountCents: Number(l.amountCents) })),
  };
}

/** Marks a family as shadow (trades on the simulator only). */
export async function markShadow(prisma: PrismaClient, familyId: string): Promise<void> {
  await prisma.accountFamily.update({ where: { id: familyId }, data: { shadow: true } });
}

/** Whether an account belongs to a shadow family (its orders may reach the simulator only). */
export async function isShadowAccount(prisma: PrismaClient, accountId: string): Promise<boolean> {
  const a = await prisma.account.findUnique({ where: { id: accountId }, select: { family: { select: { shadow: true } } } });
  return a?.family.shadow ?? false;
}

/** The latest family-scoped override row of a family (what an experiment replaces and restores). */
export async function familyOverride(prisma: PrismaClient, familyId: string): Promise<unknown> {
  const r = await prisma.protocolConfigVersion.findFirst({ where: { scopeKind: 'family', scopeId: familyId }, orderBy: { version: 'desc' } });
  return r?.config ?? null;
}

/** A stopped experiment's shadow family stops trading (CLOSED: the weekly cycle runs OPEN families only). */
export async function closeShadowFamily(prisma: PrismaClient, familyId: string): Promise<void> {
  await prisma.$transaction([
    prisma.accountFamily.updateMany({ where: { id: familyId, shadow: true }, data: { status: 'CLOSED' } }),
    prisma.account.updateMany({ where: { familyId, family: { shadow: true } }, data: { status: 'CLOSED' } }),
  ]);
}
