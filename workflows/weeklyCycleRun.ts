/**
 * weeklyCycleRun: what the Schedule and the operator's backfill start. Weeks in order (a week's
 * fork founds a family that trades from the next week on), one weeklyCycle child per open
 * family and week, with the deterministic id weekly-cycle:<family>:<week>.
 */
import { ApplicationFailure, executeChild, proxyLocalActivities } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import { SA } from '../src/contracts/searchAttributes';
import { weeklyCycle } from './weeklyCycle';
import { weeklyCycleWorkflowId, type WeeklyCycleResult } from '../src/contracts/workflows/weeklyCycle';
import type { WeeklyRunInput } from '../src/contracts/workflows/weeklyCycleRun';

const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '2m', retry: { maximumInterval: '10s' } });

export async function weeklyCycleRun(input: WeeklyRunInput = {}): Promise<WeeklyCycleResult[]> {
  const today = new Date().toISOString().slice(0, 10);
  const weeks = await local.weeksToRun({ from: input.from ?? today, to: input.to ?? input.from ?? today });
  const results: WeeklyCycleResult[] = [];
  const failed: string[] = [];
  for (const close of weeks) {
    const { week } = await local.cycleDates(close);
    const families = await local.listOpenFamilies({ week, only: input.familyIds });
    const runs = families.map((familyId) =>
      executeChild(weeklyCycle, {
        workflowId: weeklyCycleWorkflowId(familyId, week),
        args: [{ familyId, asOf: close, repriceAfterMs: input.repriceAfterMs, marketClock: input.marketClock }],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        typedSearchAttributes: [
          { key: SA.accountFamilyId, value: familyId },
          { key: SA.tradingWeek, value: week },
        ],
      }).catch((err: unknown) => {
        // That family's week is already running (an overlapping run): it finishes it.
        if (err instanceof WorkflowExecutionAlreadyStartedError) return null;
        failed.push(`${familyId}/${week}: ${(err as Error).message}`);
        return null;
      }),
    );
    // Every family's cycle settles before we judge: one failure must not terminate the others.
    for (const r of await Promise.all(runs)) if (r) results.push(r);
  }
  if (failed.length) throw ApplicationFailure.nonRetryable(`weekly cycle failed for ${failed.length} family-week(s): ${failed.join('; ')}`, 'WeeklyCycleFailed');
  return results;
}
