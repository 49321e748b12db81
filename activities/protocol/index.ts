/**
 * The Protocol Engine's activities (weekly cycle, rebalance, position monitor), built from the
 * same injected clients as the order activities and registered by activities/index.ts.
 */
import { protocolCtx, type ProtocolDeps } from './context';
import { marketActivities } from './market';
import { monitorActivities } from './monitor';
import { planActivities } from './plan';
import { rebalanceActivities } from './rebalance';
import { settleActivities } from './settle';

export type { ProtocolDeps } from './context';

export function createProtocolActivities(deps: ProtocolDeps) {
  const ctx = protocolCtx(deps);
  return { ...marketActivities(ctx), ...settleActivities(ctx), ...planActivities(ctx), ...rebalanceActivities(ctx), ...monitorActivities(ctx) };
}
