/**
 * tripleForkRebalance: fork, merge and quarterly reinvestment of one account family for one
 * week (PROTOCOL §1), run by the weekly cycle as a child with a deterministic id. Each
 * transfer is a keyed ledger entry, so a retried activity, a replay or a second run of the
 * week applies it exactly once.
 */
import { patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RebalanceInput, RebalanceResult } from '../src/contracts/workflows/tripleForkRebalance';

const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '1m', retry: { maximumInterval: '10s' } });
/**
 * Regular activities (patched: running histories recorded local ones): the plan values every
 * account at the broker's quotes and the transfers lock the family's rows; with many families on
 * one worker a local step held its workflow task past the task timeout (weeklyCycle.ts, steps).
 */
const regular = proxyActivities<Activities>({ startToCloseTimeout: '2m', retry: { maximumInterval: '10s' } });

export async function tripleForkRebalance(input: RebalanceInput): Promise<RebalanceResult> {
  const db = patched('rebalance-regular-activities') ? regular : local;
  const plan = await db.planRebalance(input);
  const fork = plan.fork ? await db.applyFork({ familyId: input.familyId, week: input.week, fork: plan.fork }) : null;
  const merged = plan.merge ? await db.applyMerge({ familyId: input.familyId, week: input.week, merge: plan.merge }) : null;
  const reinvested = plan.reinvest.length > 0 ? await db.applyLedger({ familyId: input.familyId, week: input.week, entries: plan.reinvest }) : [];
  return { fork, merged, reinvested };
}
