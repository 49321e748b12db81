/**
 * reconciliation: reads the broker's account (positions, cash, executions), compares it with the
 * books, books what it can explain and raises what it cannot (activities/reconcile.ts).
 * Started at worker start-up, after every broker reconnect, daily after the close, on demand.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ReconcileActivities } from '../activities/reconcile';
import type { ReconciliationInput, ReconciliationSummary } from '../src/contracts/workflows/reconciliation';

const { readBrokerAccount } = proxyActivities<ReconcileActivities>({ startToCloseTimeout: '1m', retry: { maximumAttempts: 10, maximumInterval: '30s' } });
const { reconcileBooks } = proxyActivities<ReconcileActivities>({ startToCloseTimeout: '2m', retry: { maximumAttempts: 5 } });

export async function reconciliation(input: ReconciliationInput): Promise<ReconciliationSummary> {
  const account = await readBrokerAccount();
  return reconcileBooks({ runId: workflowInfo().workflowId, trigger: input.trigger, account });
}
