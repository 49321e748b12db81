/**
 * Activities of the feedback loop. feedbackOptimize runs a whole walk-forward optimisation over
 * worker threads, storing every trial by (run, trial id) as it lands and heartbeating the progress;
 * a retry (or a resumed run with the same id) skips the stored trials, so it is idempotent.
 */
import { Context } from '@temporalio/activity';
import type { PrismaClient } from '../src/db/client';
import { countTrials } from '../src/db/feedback';
import type { Logger } from '../src/logger';
import type { OptimizationInput } from '../src/contracts/feedback';
import { runOptimization } from '../src/feedback/service';
import { WarmPools } from '../src/feedback/warmPools';
import type { OptimizeReport } from '../src/feedback/optimize';

export function createFeedbackActivities({ prisma, logger }: { prisma: PrismaClient; logger: Logger }) {
  // The worker's trial threads stay warm between runs on the same data (start-up paid once).
  const pools = new WarmPools();
  return {
    async feedbackOptimize(input: OptimizationInput): Promise<OptimizeReport & { recommendation_id: string | null }> {
      const ctx = Context.current();
      let progress = { done: 0, total: 0 };
      const beat = setInterval(() => ctx.heartbeat(progress), 5_000);
      try {
        const out = await runOptimization(prisma, input, {
          pools,
          onTrial: (done, total) => {
            progress = { done, total };
            ctx.heartbeat(progress);
          },
        });
        logger.info('optimisation done', { runId: input.runId, kind: input.kind, recommendation: out.report.recommendation.action });
        return { ...out.report, recommendation_id: out.recommendation?.id ?? null };
      } finally {
        clearInterval(beat);
      }
    },

    /** Trials stored so far for a run (the workflow's progress). */
    async feedbackTrialCount(runId: string): Promise<number> {
      return countTrials(prisma, runId);
    },
  };
}
