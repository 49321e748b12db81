/**
 * Workflows of `npm run bench:e2e`'s worker: every production workflow (workflows/index.ts)
 * plus `bareInstruction`, a workflow of the shape issue 17 set the goal against (tradeInstruction's
 * happy path then: two local activities, one regular, one local) whose activities do nothing: the
 * floor the real instruction is compared with, on the same server, worker and task queue. The
 * instruction itself now runs one regular activity (submitOrder; docs/OPERATIONS-CLUSTER.md,
 * "Eighth round"): the yardstick is kept as the goal defined it.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

export * from '../../workflows/index';

interface BareActivities {
  bareLocal(step: string): Promise<string>;
  bareRegular(step: string): Promise<string>;
}

// The same options as tradeInstruction's `db` and `broker` proxies.
const local = proxyLocalActivities<BareActivities>({ startToCloseTimeout: '10s', retry: { initialInterval: '200ms', maximumInterval: '10s', backoffCoefficient: 2 } });
const regular = proxyActivities<BareActivities>({ startToCloseTimeout: '2m', heartbeatTimeout: '20s', retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2 } });

export async function bareInstruction(id: string): Promise<string> {
  await local.bareLocal(`record ${id}`);
  await local.bareLocal(`risk ${id}`);
  await regular.bareRegular(`place ${id}`);
  await local.bareLocal(`outcome ${id}`);
  return 'FILLED';
}
