/**
 * positionMonitor: one long-running monitor per account family (PROTOCOL §2). It looks at every
 * open short option of the family, whatever week it was opened in, while the market is open:
 * level 0 daily, level ≥ 1 hourly (cadences from the configuration, hours and holidays from the
 * exchange calendar); level 2 rolls (buy to close, sell the next expiry for a net credit or not
 * at all), an unfilled roll is retried at the next checks up to a configured number of attempts;
 * level 3 is recovery. Every decision is made by the activities from src/domain/monitorRules.ts;
 * this only orchestrates. Orders go through tradeInstruction like every other order.
 * Ends when the family closes or on the stop signal; the weekly cycle (re)starts it.
 */
import { condition, continueAsNew, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { placeProtocolOrder } from './placement';
import {
  checkNowSignal,
  emptyMonitorState,
  monitorStateQuery,
  stopMonitorSignal,
  type MonitorAction,
  type MonitorState,
  type PositionMonitorInput,
  type RollAttemptResult,
} from '../src/contracts/workflows/positionMonitor';

const db = proxyLocalActivities<Activities>({ startToCloseTimeout: '2m', retry: { maximumInterval: '10s' } });
const DEFAULT_BROKER_POLL_MS = 1_000;

export async function positionMonitor(input: PositionMonitorInput, carried?: MonitorState): Promise<MonitorState> {
  let state: MonitorState = carried ?? emptyMonitorState();
  let checkRequested = false;
  let stop = false;
  setHandler(checkNowSignal, () => void (checkRequested = true));
  setHandler(stopMonitorSignal, () => void (stop = true));
  setHandler(monitorStateQuery, () => state);

  /** Until the next check's instant, a checkNow signal or stop; by the broker's clock when asked to. */
  async function waitFor(at: string): Promise<void> {
    if (input.marketClock !== 'broker') {
      await condition(() => checkRequested || stop, Math.max(1, Date.parse(at) - Date.now()));
      return;
    }
    for (;;) {
      if (await condition(() => checkRequested || stop, input.brokerPollMs ?? DEFAULT_BROKER_POLL_MS)) return;
      if (Date.parse(await db.brokerNow()) >= Date.parse(at) || workflowInfo().continueAsNewSuggested) return;
    }
  }

  async function run(a: MonitorAction, repriceAfterMs: number): Promise<RollAttemptResult> {
    if (a.kind === 'OPEN') {
      const open = await placeProtocolOrder(a.openClientOrderId, repriceAfterMs, 1, a.attempt);
      return { kind: a.kind, key: a.key, attempt: a.attempt, outcome: 'PLACED', open, openClientOrderId: a.openClientOrderId };
    }
    const roll = await db.planRollOrders({ familyId: input.familyId, position: a.position, attempt: a.attempt });
    if (!roll) return { kind: a.kind, key: a.key, attempt: a.attempt, outcome: 'NO_CREDIT' };
    const close = await placeProtocolOrder(roll.closeClientOrderId, repriceAfterMs, 1);
    // Open the new leg only when the old one is fully closed: after a partial close the full
    // planned quantity would overshoot the position (the remainder stays and is watched).
    const open = close.status === 'FILLED' ? await placeProtocolOrder(roll.openClientOrderId, repriceAfterMs, 1) : undefined;
    return { kind: a.kind, key: a.key, attempt: a.attempt, outcome: 'PLACED', close, ...(open ? { open } : {}), openClientOrderId: roll.openClientOrderId };
  }

  for (;;) {
    const tick = await db.monitorTick({ familyId: input.familyId, state });
    state = { ...tick.state, nextCheckAt: tick.nextCheckAt };
    if (!tick.familyOpen || stop) return state;
    const results: RollAttemptResult[] = [];
    for (const a of tick.actions) results.push(await run(a, input.repriceAfterMs ?? tick.repriceAfterMs));
    if (results.length > 0) state = { ...(await db.monitorReview({ state, results, day: tick.day })), nextCheckAt: tick.nextCheckAt };
    await waitFor(tick.nextCheckAt);
    checkRequested = false;
    if (stop) return state;
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof positionMonitor>(input, state);
  }
}
