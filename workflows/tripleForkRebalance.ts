/**
 * tripleForkRebalance: fork, merge and quarterly reinvestment of one account family for one
 * week (PROTOCOL §1), run by the weekly cycle as a child with a deterministic id. Each
 * transfer is a keyed ledger entry, so a retried activity, a replay or a second run of the
 * week applies it exactly once.
 */
import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

export interface RebalanceInput {
  familyId: string;
  /** ISO week id, e.g. 2025-W19 */
  week: string;
  /** the week's closing day (YYYY-MM-DD) */
  asOf: string;
}

export interface RebalanceResult {
  fork: { childFamilyId: string; applied: string[] } | null;
  merged: { intoFamilyId: string; applied: string[] } | null;
  reinvested: string[];
}

const PREFIX = 'triple-fork:';
export const tripleForkWorkflowId = (familyId: string, week: string): string => `${PREFIX}${familyId}:${week}`;
/** Inverse of tripleForkWorkflowId (family ids may contain ':' only through the week suffix). */
export function parseTripleForkWorkflowId(id: string): { familyId: string; week: string } | null {
  if (!id.startsWith(PREFIX)) return null;
  const rest = id.slice(PREFIX.length);
  const at = rest.lastIndexOf(':');
  return at > 0 ? { familyId: rest.slice(0, at), week: rest.slice(at + 1) } : null;
}

const db = proxyLocalActivities<Activities>({ startToCloseTimeout: '1m', retry: { maximumInterval: '10s' } });

export async function tripleForkRebalance(input: RebalanceInput): Promise<RebalanceResult> {
  const plan = await db.planRebalance(input);
  const fork = plan.fork ? await db.applyFork({ familyId: input.familyId, week: input.week, fork: plan.fork }) : null;
  const merged = plan.merge ? await db.applyMerge({ familyId: input.familyId, week: input.week, merge: plan.merge }) : null;
  const reinvested = plan.reinvest.length > 0 ? await db.applyLedger({ familyId: input.familyId, week: input.week, entries: plan.reinvest }) : [];
  return { fork, merged, reinvested };
}
