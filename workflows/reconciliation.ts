/**
 * reconciliation: reads the broker's account (positions, cash, executions), compares it with the
 * books, books what it can explain and raises what it cannot (activities/reconcile.ts).
 * Started at worker start-up, after every broker reconnect, daily after the close, on demand.
 */
import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { ReconcileActivities } from '../activities/reconcile';
import type { ReconciliationInput, ReconciliationSummary } from '../src/contracts/workflows/reconciliation';

const { readBrokerAccount } = proxyActivities<ReconcileActivities>({ startToCloseTimeout: '1m', retry: { maximumAttempts: 10, maximumInterval: '30s' } });
const { reconcileBooks } = proxyActivities<ReconcileActivities>({ startToCloseTimeout: '2m', retry: { maximumAttempts: 5 } });

export async function reconciliation(input: ReconciliationInput): Promise<ReconciliationSummary> {
  const runId = workflowInfo().workflowId;
  // A difference seen once may be a fill in flight: look again a moment later before acting on it.
  const first = await reconcileBooks({ runId, trigger: input.trigger, account: await readBrokerAccount(), final: false });
  if (!first.recheck) return first;
  await sleep('2s');
  const { recheck: _r, ...result } = await reconcileBooks({ runId, trigger: input.trigger, account: await readBrokerAccount(), final: true });
  return result;
}
