/**
 * tripleForkRebalance: fork, merge and quarterly reinvestment of one account family for one
 * week (PROTOCOL §1), run by the weekly cycle as a child with a deterministic id. Each
 * transfer is a keyed ledger entry, so a retried activity, a replay or a second run of the
 * week applies it exactly once.
 */
import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RebalanceInput, RebalanceResult } from '../src/contracts/workflows/tripleForkRebalance';

const db = proxyLocalActivities<Activities>({ startToCloseTimeout: '1m', retry: { maximumInterval: '10s' } });

export async function tripleForkRebalance(input: RebalanceInput): Promise<RebalanceResult> {
  const plan = await db.planRebalance(input);
  const fork = plan.fork ? await db.applyFork({ familyId: input.familyId, week: input.week, fork: plan.fork }) : null;
  const merged = plan.merge ? await db.applyMerge({ familyId: input.familyId, week: input.week, merge: plan.merge }) : null;
  const reinvested = plan.reinvest.length > 0 ? await db.applyLedger({ familyId: input.familyId, week: input.week, entries: plan.reinvest }) : [];
  return { fork, merged, reinvested };
}
