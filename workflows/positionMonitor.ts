/**
 * positionMonitor: applies the protocol levels (PROTOCOL §2) to a family's open short options
 * during a trading week. Level 0 checks daily, level 1 hourly; level 2 rolls (buy to close,
 * sell the next expiry for a net credit or not at all); level 3 is recovery: no more rolls,
 * assignment is taken. Orders go through tradeInstruction like every other order.
 */
import { condition, continueAsNew, defineQuery, defineSignal, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { placeProtocolOrder } from './placement';

export interface PositionMonitorInput {
  familyId: string;
  week: string;
  /** stop once the broker's clock passes this instant (the week's expiry close, ISO) */
  until: string;
  repriceAfterMs?: number;
  dailyMs?: number;
  hourlyMs?: number;
}

export interface PositionLevel {
  key: string;
  accountId: string;
  symbol: string;
  right: 'C' | 'P';
  strikeCents: number;
  expiry: string;
  quantity: number;
  level: 0 | 1 | 2 | 3;
  moveCents: number;
  atrCents: number;
}

export interface MonitorState {
  checks: number;
  levels: PositionLevel[];
  rolled: string[];
  noCredit: string[];
  recovery: string[];
}

export const checkNowSignal = defineSignal('checkNow');
export const stopMonitorSignal = defineSignal('stop');
export const monitorStateQuery = defineQuery<MonitorState>('monitorState');

const PREFIX = 'position-monitor:';
export const positionMonitorWorkflowId = (familyId: string, week: string): string => `${PREFIX}${familyId}:${week}`;
export function parsePositionMonitorWorkflowId(id: string): { familyId: string; week: string } | null {
  const m = /^position-monitor:(.+):(\d{4}-W\d{2})$/.exec(id);
  return m ? { familyId: m[1]!, week: m[2]! } : null;
}

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
