/**
 * optimization: one walk-forward optimisation as a long, resumable workflow. The work is one
 * heartbeating activity that stores every trial as it lands (a retry on another worker skips
 * them); meanwhile the workflow counts stored trials every few seconds for its progress query.
 */
import { condition, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createFeedbackActivities } from '../activities/feedback';
import { OPTIMIZATION_PROGRESS_QUERY, type OptimizationInput, type OptimizationProgress } from '../src/contracts/feedback';

type FeedbackActivities = ReturnType<typeof createFeedbackActivities>;

const { feedbackOptimize } = proxyActivities<FeedbackActivities>({ startToCloseTimeout: '6h', heartbeatTimeout: '2m', retry: { maximumAttempts: 5 } });
const { feedbackTrialCount } = proxyActivities<FeedbackActivities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 3 } });

export const optimizationProgress = defineQuery<OptimizationProgress>(OPTIMIZATION_PROGRESS_QUERY);

/** 12 candidates per default grid (grid.ts); the count is a hint for the progress bar only. */
export async function optimization(input: OptimizationInput & { trialsTotal?: number }): Promise<Awaited<ReturnType<FeedbackActivities['feedbackOptimize']>>> {
  const state: OptimizationProgress = { runId: input.runId, phase: 'RUNNING', trialsDone: 0, trialsTotal: input.trialsTotal ?? 12 };
  setHandler(optimizationProgress, () => state);
  let finished = false;
  const main = feedbackOptimize(input).finally(() => {
    finished = true;
  });
  const poll = (async () => {
    while (!finished) {
      if (await condition(() => finished, '5s')) break;
      state.trialsDone = await feedbackTrialCount(input.runId).catch(() => state.trialsDone);
    }
  })();
  try {
    const result = await main;
    await poll;
    Object.assign(state, { phase: 'DONE', trialsDone: result.trials, trialsTotal: result.trials });
    return result;
  } catch (e) {
    state.phase = 'FAILED';
    throw e;
  }
}
