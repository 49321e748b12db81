/**
 * reconciliation: reads the broker's account (positions, cash, executions), compares it with the
 * books, books what it can explain and raises what it cannot (activities/reconcile.ts).
 * Started at worker start-up, after every broker reconnect, daily after the close, on demand.
 */
import { patched, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { ReconcileActivities } from '../activities/reconcile';
import type { ReconciliationInput, ReconciliationSummary } from '../src/contracts/workflows/reconciliation';

const { readBrokerAccount } = proxyActivities<ReconcileActivities>({ startToCloseTimeout: '1m', retry: { maximumAttempts: 10, maximumInterval: '30s' } });
const { reconcileBooks } = proxyActivities<ReconcileActivities>({ startToCloseTimeout: '2m', retry: { maximumAttempts: 5 } });

/**
 * The waits before each recheck. Under load a difference seen once is usually a fill between
 * the broker and the books; a few seconds apart it is gone. Three rechecks, 14 s in all.
 */
const RECHECK_WAITS = ['2s', '4s', '8s'] as const;

export async function reconciliation(input: ReconciliationInput): Promise<ReconciliationSummary> {
  const runId = workflowInfo().workflowId;
  // Histories started before the rechecks replay the single recheck below.
  if (patched('reconcile-in-flight-rechecks')) {
    let undecided: string[] | undefined;
    for (let look = 0; ; look++) {
      const final = look === RECHECK_WAITS.length;
      const r = await reconcileBooks({ runId, trigger: input.trigger, account: await readBrokerAccount(), final, ...(final ? { undecidedInEveryLook: undecided ?? [] } : {}) });
      if (!r.recheck) return summary(r);
      // Only a difference undecided on every look can end unexplained (and set reduce-only).
      const now = new Set(r.undecided ?? []);
      undecided = undecided ? undecided.filter((k) => now.has(k)) : [...now];
      await sleep(RECHECK_WAITS[look]!);
    }
  }
  // A difference seen once may be a fill in flight: look again a moment later before acting on it.
  const first = await reconcileBooks({ runId, trigger: input.trigger, account: await readBrokerAccount(), final: false });
  if (!first.recheck) return first;
  await sleep('2s');
  return summary(await reconcileBooks({ runId, trigger: input.trigger, account: await readBrokerAccount(), final: true }));
}

const summary = ({ recheck: _r, undecided: _u, ...s }: ReconciliationSummary & { recheck?: boolean; undecided?: string[] }): ReconciliationSummary => s;
