/**
 * weeklyCycle: one account family's week (PROTOCOL §6), after the close: collect and validate
 * market data, settle and classify the week, rebalance (child tripleForkRebalance), plan next
 * week and, at each account's entry day, place the orders through tradeInstruction.
 * Started by weeklyCycleRun (the Schedule, backfill). Every step is keyed by (family, week):
 * running a week twice changes nothing.
 *
 * Entry day: a durable timer inside the cycle (sleep until the entry day's open), then a wait
 * on the broker's clock (the simulator's virtual time in tests). One workflow per (family, week)
 * keeps the week's story in one history; past weeks (backfill) sleep zero.
 */
import { defineQuery, executeChild, proxyActivities, proxyLocalActivities, ParentClosePolicy, setHandler, sleep, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import { SA } from '../temporal/searchAttributes';
import { placeProtocolOrder, type PlacementResult } from './placement';
import { positionMonitor, positionMonitorWorkflowId } from './positionMonitor';
import { tripleForkRebalance, tripleForkWorkflowId, type RebalanceResult } from './tripleForkRebalance';

export interface WeeklyCycleInput {
  familyId: string;
  /** any day of the week to run (YYYY-MM-DD); the cycle uses the week's closing day */
  asOf: string;
  /** how long a resting order works before it is re-priced (default 15 min) */
  repriceAfterMs?: number;
  /**
   * 'wall' (default): sleep until the entry day's open, then check the broker agrees.
   * 'broker': no timer, only the broker's clock (a simulator on a manual clock, any date).
   */
  marketClock?: 'wall' | 'broker';
}

export interface PlannedEntry {
  clientOrderId: string;
  accountId: string;
  symbol: string;
  action: string;
  quantity: number;
  entryDay: string;
}

export interface WeeklyCycleResult {
  familyId: string;
  week: string;
  invalid: { symbol: string; reason: string }[];
  settled: { settled: number; assigned: string[]; posted: number };
  weekTypes: { accountId: string; symbol: string; type: string }[];
  rebalance: RebalanceResult;
  planned: PlannedEntry[];
  placed: PlacementResult[];
}

export const cycleProgressQuery = defineQuery<{ step: string; week?: string }>('progress');

export const weeklyCycleWorkflowId = (familyId: string, week: string): string => `weekly-cycle:${familyId}:${week}`;
export function parseWeeklyCycleWorkflowId(id: string): { familyId: string; week: string } | null {
  const m = /^weekly-cycle:(.+):(\d{4}-W\d{2})$/.exec(id);
  return m ? { familyId: m[1]!, week: m[2]! } : null;
}
/** `<family>:<account kind>:<week>:<symbol>:<n>`; '/' of forked family ids becomes '.' (client_order_id charset). */
export const protocolClientOrderId = (familyId: string, kind: string, week: string, symbol: string, n: number | string): string =>
  `${familyId.replaceAll('/', '.')}:${kind}:${week}:${symbol}:${n}`;
/** Inverse of protocolClientOrderId (the family as written in the id, re-price suffix `.rN` dropped). */
export function parseProtocolClientOrderId(coid: string): { family: string; kind: string; week: string; symbol: string; n: string } | null {
  const m = /^(.+):(GEN|REV|COM):(\d{4}-W\d{2}):([A-Z][A-Z.]{0,9}):([^:]+?)(?:\.r\d+)?$/.exec(coid);
  return m ? { family: m[1]!, kind: m[2]!, week: m[3]!, symbol: m[4]!, n: m[5]! } : null;
}

const DEFAULT_REPRICE_MS = 15 * 60_000;
const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '2m', retry: { maximumInterval: '10s' } });
const market = proxyActivities<Activities>({ startToCloseTimeout: '5m', retry: { maximumInterval: '1m' } });
const clock = proxyActivities<Activities>({ startToCloseTimeout: '8d', heartbeatTimeout: '30s', retry: { maximumInterval: '30s' } });

export async function weeklyCycle(input: WeeklyCycleInput): Promise<WeeklyCycleResult> {
  const progress: { step: string; week?: string } = { step: 'dates' };
  setHandler(cycleProgressQuery, () => progress);
  const dates = await local.cycleDates(input.asOf);
  const close = dates.close ?? input.asOf;
  const { familyId } = input;
  const week = (progress.week = dates.week);

  progress.step = 'collect';
  const data = await market.collectWeekMarket({ familyId, asOf: close });
  progress.step = 'settle';
  const settled = await local.settleWeek({ familyId, week, close, market: data });
  const weekTypes = await local.classifyWeek({ familyId, week, close, market: data });
  progress.step = 'rebalance';
  const rebalance = await executeChild(tripleForkRebalance, {
    workflowId: tripleForkWorkflowId(familyId, week),
    args: [{ familyId, week, asOf: close }],
    typedSearchAttributes: [{ key: SA.accountFamilyId, value: familyId }, { key: SA.tradingWeek, value: week }],
  });
  progress.step = 'plan';
  const planned = await local.planWeek({ familyId, asOf: close, market: data });

  const repriceMs = input.repriceAfterMs ?? DEFAULT_REPRICE_MS;
  const placed: PlacementResult[] = [];
  const days = [...new Set(planned.map((o) => o.entryDay))].sort();
  if (dates.nextExpiry && planned.length > 0) await startMonitor(familyId, dates.nextExpiry, planned[0]!.entryDay, repriceMs);
  for (const day of days) {
    progress.step = `entry ${day}`;
    const at = await local.entryTime(day);
    if (!at) continue;
    const wait = Date.parse(at) - Date.now();
    if (wait > 0 && input.marketClock !== 'broker') await sleep(wait);
    await clock.awaitBrokerTime(at);
    placed.push(...(await Promise.all(planned.filter((o) => o.entryDay === day).map((o) => placeProtocolOrder(o.clientOrderId, repriceMs)))));
  }
  progress.step = 'done';
  return { familyId, week, invalid: data.invalid, settled, weekTypes: weekTypes.map(({ accountId, symbol, type }) => ({ accountId, symbol, type })), rebalance, planned, placed };
}

/** The trading week's monitor, abandoned so it outlives the cycle; a second start is a no-op. */
async function startMonitor(familyId: string, expiry: string, firstEntry: string, repriceAfterMs: number): Promise<void> {
  const { week } = await local.cycleDates(firstEntry);
  const until = await local.sessionCloseOf(expiry);
  try {
    await startChild(positionMonitor, {
      workflowId: positionMonitorWorkflowId(familyId, week),
      args: [{ familyId, week, until: until ?? `${expiry}T21:00:00.000Z`, repriceAfterMs }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE', // one monitor per family and week, even when the cycle re-runs
      typedSearchAttributes: [{ key: SA.accountFamilyId, value: familyId }, { key: SA.tradingWeek, value: week }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
