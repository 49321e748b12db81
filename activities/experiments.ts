/**
 * The weekly cycle's A/B step: after a family's week is settled, if the family trades in a
 * RUNNING experiment, its week's outcome (net premium, commissions, assignments, income return
 * on capital) is recorded for its arm with the arm's configuration version. Idempotent: keyed by
 * (experiment, family, week), first write wins.
 */
import { familyWeekLedger, recordOutcome, runningArmOf, type ExperimentOutcomeRow } from '../src/db/experiments';
import type { PrismaClient } from '../src/db/client';
import { weekOutcome } from '../src/feedback/abArms';
import type { Logger } from '../src/logger';

export function createExperimentActivities(d: { prisma: PrismaClient; logger: Logger }) {
  return {
    async recordExperimentWeek(p: { familyId: string; week: string }): Promise<(ExperimentOutcomeRow & { experimentId: string }) | null> {
      const arm = await runningArmOf(d.prisma, p.familyId);
      if (!arm) return null;
      const { lines, accountIds, capitalCents } = await familyWeekLedger(d.prisma, p.familyId, p.week);
      const o: ExperimentOutcomeRow = { familyId: p.familyId, week: p.week, arm: arm.arm, configVersion: arm.configVersion, capitalCents, ...weekOutcome(lines, accountIds, capitalCents) };
      await recordOutcome(d.prisma, arm.experimentId, o);
      d.logger.info('experiment week recorded', { experiment: arm.experimentId, family: p.familyId, week: p.week, arm: arm.arm, return: o.returnOnCapital });
      return { experimentId: arm.experimentId, ...o };
    },
  };
}
