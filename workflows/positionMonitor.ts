/**
 * positionMonitor: applies the protocol levels (PROTOCOL §2) to a family's open short options
 * during a trading week. Level 0 checks daily, level 1 hourly; level 2 rolls (buy to close,
 * sell the next expiry for a net credit or not at all); level 3 is recovery: no more rolls,
 * assignment is taken. Orders go through tradeInstruction like every other order.
 */
import { condition, continueAsNew, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { placeProtocolOrder } from './placement';
import { checkNowSignal, monitorStateQuery, stopMonitorSignal, type MonitorState, type PositionMonitorInput } from '../src/contracts/workflows/positionMonitor';

const HOUR = 3_600_000;
const db = proxyLocalActivities<Activities>({ startToCloseTimeout: '2m', retry: { maximumInterval: '10s' } });

export async function positionMonitor(input: PositionMonitorInput, carried?: MonitorState): Promise<MonitorState> {
  const state: MonitorState = carried ?? { checks: 0, levels: [], rolled: [], noCredit: [], recovery: [] };
  let checkRequested = false;
  let stop = false;
  setHandler(checkNowSignal, () => void (checkRequested = true));
  setHandler(stopMonitorSignal, () => void (stop = true));
  setHandler(monitorStateQuery, () => state);

  for (;;) {
    const check = await db.checkLevels({ familyId: input.familyId, week: input.week });
    state.levels = check.levels;
    state.checks++;
    for (const p of state.levels) {
      if (p.level === 3 && !state.recovery.includes(p.key)) state.recovery.push(p.key);
      if (p.level !== 2 || state.rolled.includes(p.key) || state.recovery.includes(p.key) || state.noCredit.includes(p.key)) continue;
      const roll = await db.planRollOrders({ familyId: input.familyId, week: input.week, position: p });
      if (!roll) {
        state.noCredit.push(p.key); // no net credit: hold, look again only if the level changes
        continue;
      }
      const closed = await placeProtocolOrder(roll.closeClientOrderId, input.repriceAfterMs ?? 15 * 60_000, 1);
      // Open the new leg only when the old one is fully closed: after a partial close the full
      // planned quantity would overshoot the position (the remainder stays and is watched).
      if (closed.status === 'FILLED') await placeProtocolOrder(roll.openClientOrderId, input.repriceAfterMs ?? 15 * 60_000, 1);
      state.rolled.push(p.key);
    }
    // The week ends by the market's clock (the broker's: a simulator's virtual time in tests).
    if (stop || Date.parse(check.brokerNow) >= Date.parse(input.until)) return state;
    const watch = state.levels.some((l) => l.level >= 1);
    await condition(() => checkRequested || stop, watch ? (input.hourlyMs ?? HOUR) : (input.dailyMs ?? 24 * HOUR));
    checkRequested = false;
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof positionMonitor>(input, state);
  }
}
