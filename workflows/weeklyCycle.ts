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
import { executeChild, patched, proxyActivities, proxyLocalActivities, ParentClosePolicy, setHandler, sleep, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import { SA } from '../src/contracts/searchAttributes';
import { placeProtocolOrder } from './placement';
import { type PlacementResult } from '../src/contracts/workflows/placement';
import { positionMonitor } from './positionMonitor';
import { positionMonitorWorkflowId } from '../src/contracts/workflows/positionMonitor';
import { tripleForkRebalance } from './tripleForkRebalance';
import { tripleForkWorkflowId } from '../src/contracts/workflows/tripleForkRebalance';
import { cycleProgressQuery, type WeeklyCycleInput, type WeeklyCycleResult } from '../src/contracts/workflows/weeklyCycle';

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
  // A family in a running A/B experiment: its settled week is its arm's outcome (patched: replay-safe).
  if (patched('ab-experiment-outcome')) await local.recordExperimentWeek({ familyId, week });
  const weekTypes = await local.classifyWeek({ familyId, week, close, market: data });
  progress.step = 'rebalance';
  const rebalance = await executeChild(tripleForkRebalance, {
    workflowId: tripleForkWorkflowId(familyId, week),
    args: [{ familyId, week, asOf: close }],
    typedSearchAttributes: [
      { key: SA.accountFamilyId, value: familyId },
      { key: SA.tradingWeek, value: week },
    ],
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
      typedSearchAttributes: [
        { key: SA.accountFamilyId, value: familyId },
        { key: SA.tradingWeek, value: week },
      ],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
