/**
 * weeklyCycle: one account family's week (PROTOCOL §6), after the close: collect and validate
 * market data, settle and classify the week, rebalance (child tripleForkRebalance), plan next
 * week and, at each account's entry day, place the orders through tradeInstruction.
 * Started by weeklyCycleRun (the Schedule, backfill). Every step is keyed by (family, week):
 * running a week twice changes nothing.
 *
 * Entry day: a durable timer inside the cycle (sleep until the entry day's open), then a wait
 * on the broker's clock (the simulator's virtual time in tests). One workflow per (family, week)
 * keeps the week's story in one history; past weeks (backfill) sleep zero. An entry that filled
 * nothing is tried again on its account's next entry day of the week (Rev-Acc: Monday–Wednesday).
 *
 * The family's position monitor (one long-running workflow per family, all its open positions)
 * is started here if it is not running: every open family has a cycle every week.
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

const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '2m', retry: { maximumInterval: '10s' } });
const market = proxyActivities<Activities>({ startToCloseTimeout: '5m', retry: { maximumInterval: '1m' } });
/**
 * Settle, classify and plan as regular activities (patched: running histories recorded them as
 * local ones). They read and write per family and plan asks the broker (LEAPS chains): with many
 * families on one worker a local activity holds its workflow task past the task timeout, and
 * every retried task runs them again. A regular activity costs a server round trip
 * (../shared/docs/PLATFORM.md) but frees the workflow task while it runs.
 */
const steps = proxyActivities<Activities>({ startToCloseTimeout: '5m', retry: { maximumInterval: '1m' } });
const stepsOf = () => (patched('cycle-steps-regular-activities') ? steps : local);
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
  const settled = await stepsOf().settleWeek({ familyId, week, close, market: data });
  // A family in a running A/B experiment: its settled week is its arm's outcome (patched: replay-safe).
  if (patched('ab-experiment-outcome')) await local.recordExperimentWeek({ familyId, week });
  const weekTypes = await stepsOf().classifyWeek({ familyId, week, close, market: data });
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
  const planned = await stepsOf().planWeek({ familyId, asOf: close, market: data });

  const repriceMs = input.repriceAfterMs ?? (await local.protocolTimings({ familyId })).repriceAfterMs;
  await startMonitor(input, week);
  // Entry day → the orders due that day, with their retry round (0 = the planned day).
  const due = new Map<string, { clientOrderId: string; round: number }[]>();
  const schedule = (day: string, clientOrderId: string, round: number) => due.set(day, [...(due.get(day) ?? []), { clientOrderId, round }]);
  for (const o of planned) schedule(o.entryDay, o.clientOrderId, 0);
  const last = new Map<string, PlacementResult>(); // the latest result of each planned order
  while (due.size > 0) {
    const day = [...due.keys()].sort()[0]!;
    const orders = due.get(day)!;
    due.delete(day);
    progress.step = `entry ${day}`;
    const at = await local.entryTime(day);
    if (!at) continue;
    const wait = Date.parse(at) - Date.now();
    if (wait > 0 && input.marketClock !== 'broker') await sleep(wait);
    await clock.awaitBrokerTime(at);
    const results = await Promise.all(orders.map((o) => placeProtocolOrder(o.clientOrderId, repriceMs, Infinity, o.round)));
    for (const [i, r] of results.entries()) {
      const o = orders[i]!;
      last.set(o.clientOrderId, r);
      const next = r.filledQuantity > 0 ? null : await local.entryRetryDay({ clientOrderId: o.clientOrderId, day, filledQuantity: r.filledQuantity });
      if (next) schedule(next, o.clientOrderId, o.round + 1);
    }
  }
  const placed = planned.flatMap((o) => last.get(o.clientOrderId) ?? []);
  progress.step = 'done';
  return { familyId, week, invalid: data.invalid, settled, weekTypes: weekTypes.map(({ accountId, symbol, type }) => ({ accountId, symbol, type })), rebalance, planned, placed };
}

/** The family's position monitor, abandoned so it outlives the cycle; already running: a no-op. */
async function startMonitor(input: WeeklyCycleInput, week: string): Promise<void> {
  try {
    await startChild(positionMonitor, {
      workflowId: positionMonitorWorkflowId(input.familyId),
      args: [{ familyId: input.familyId, ...(input.repriceAfterMs !== undefined ? { repriceAfterMs: input.repriceAfterMs } : {}), ...(input.marketClock ? { marketClock: input.marketClock } : {}) }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'ALLOW_DUPLICATE', // one running monitor per family; a stopped or ended one is started again
      typedSearchAttributes: [
        { key: SA.accountFamilyId, value: input.familyId },
        { key: SA.tradingWeek, value: week },
      ],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
