/**
 * The Protocol Engine's activities (weekly cycle, rebalance, position monitor), built from the
 * same injected clients as the order activities and registered by activities/index.ts.
 */
import { protocolCtx, type ProtocolDeps } from './context';
import { marketActivities } from './market';
import { monitorActivities } from './monitor';
import { leapsActivities } from './leaps';
import { planActivities } from './plan';
import { rebalanceActivities } from './rebalance';
import { settleActivities } from './settle';
import { timingActivities } from './timing';

export type { ProtocolDeps } from './context';

export function createProtocolActivities(deps: ProtocolDeps) {
  const ctx = protocolCtx(deps);
  const plan = planActivities(ctx);
  const leaps = leapsActivities(ctx);
  return {
    ...marketActivities(ctx),
    ...settleActivities(ctx),
    ...plan,
    // The week's entries and the LEAPS sleeves' purchases, placed together by the weekly cycle.
    planWeek: async (p: Parameters<typeof plan.planWeek>[0]) => [...(await plan.planWeek(p)), ...(await leaps.planLeaps({ familyId: p.familyId, asOf: p.asOf }))],
    ...leaps,
    ...rebalanceActivities(ctx),
    ...monitorActivities(ctx),
    ...timingActivities(ctx),
  };
}
