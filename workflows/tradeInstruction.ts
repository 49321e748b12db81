/**
 * tradeInstruction: one trade instruction (STAR-LAB or internal) from acceptance to a
 * terminal broker status. Orchestration only: risk, broker and database work is in
 * activities; this file holds the contract (ids, updates, queries) the API imports.
 */
import { ActivityFailure, ApplicationFailure, allHandlersFinished, condition, continueAsNew, patched, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { OrderStatus } from '../src/contracts/instruction';
import type { Activities, BrokerUpdate } from '../activities';
import { isTerminal } from '../src/contracts/orderStatus';
import { cancelUpdate, DECLINE_FAILURES, initialInstructionState, stateQuery, type CancelResult, type InstructionState, type TradeInstructionInput } from '../src/contracts/workflows/tradeInstruction';

/** A business decline from placeOrder ends the order REJECTED with its reason; anything else fails. */
const declineReason = (err: unknown): string | null =>
  err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && DECLINE_FAILURES.includes(err.cause.type ?? '') ? err.cause.message : null;

/** The step's answer, or the reason of its business decline (the order then ends REJECTED with it). */
const orDeclined = <T>(step: Promise<T>): Promise<T | string> =>
  step.catch((err: unknown) => {
    const declined = declineReason(err);
    if (declined === null) throw err;
    return declined;
  });

const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '10s', backoffCoefficient: 2 },
});
const broker = proxyActivities<Activities>({
  startToCloseTimeout: '2m', // the shared pacing limiter may queue a burst of orders
  heartbeatTimeout: '20s', // a worker that dies mid-placement is noticed in seconds, not minutes
  retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2, nonRetryableErrorTypes: [...DECLINE_FAILURES] },
});
const brokerWait = proxyActivities<Activities>({
  startToCloseTimeout: '6m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

const WAIT_SLICE_MS = 5 * 60_000;
const CANCEL: unique symbol = Symbol('cancel');

export async function tradeInstruction(input: TradeInstructionInput, carried?: InstructionState): Promise<InstructionState> {
  const state: InstructionState = carried ?? initialInstructionState(input.receivedAt);
  setHandler(stateQuery, () => ({ ...state, input }));
  setHandler(cancelUpdate, (reason: string): CancelResult => {
    if (isTerminal(state.status)) return { status: 'FAILED', message: `order is already ${state.status}` };
    if (state.cancelRequested) return { status: 'CANCEL_REQUESTED', message: 'cancellation already requested' };
    state.cancelRequested = true;
    return { status: 'CANCEL_REQUESTED', message: reason ? `cancellation requested: ${reason}` : 'cancellation requested' };
  });

  const apply = (s: Partial<InstructionState>) => Object.assign(state, s);
  const finish = async (status: OrderStatus, reason: string) => {
    apply({ status, rejectReason: reason, commissionsComplete: true, updatedAt: new Date().toISOString() });
    await db.recordOutcome(input, state, null);
    return state;
  };

  let knownKey: string | undefined;
  if (!carried && (input.inputVersion ?? 0) >= 3) {
    // One regular activity from the instruction's row to the broker's recorded answer (its risk
    // check inside, before the order goes out): activities/index.ts submitOrder. Older inputs take
    // the steps below, as their histories recorded them.
    if (state.cancelRequested) {
      await db.recordInstruction(input);
      return finish('CANCELLED', 'cancelled before submission');
    }
    const placed = await orDeclined(broker.submitOrder(input));
    if (typeof placed === 'string') return finish('REJECTED', placed);
    if ('rejected' in placed) return finish('REJECTED', placed.rejected);
    apply(placed.summary);
    knownKey = placed.key;
  } else if (!carried) {
    // One step since 'record-with-risk': the row and the reservation commit together (one WAL
    // flush, activities/index.ts recordAndCheckRisk); histories from before it replay the two steps.
    // Inputs of version 2 on take the step without the patch call (its marker and search-attribute
    // upsert cost every instruction a visibility write); `||` keeps the call out of their histories.
    const oneStep = (input.inputVersion ?? 0) >= 2 || patched('record-with-risk');
    const risk = oneStep ? await db.recordAndCheckRisk(input) : await db.recordInstruction(input).then(() => db.checkRisk(input));
    if (!risk.ok) return finish('REJECTED', risk.message);
    if (state.cancelRequested) return finish('CANCELLED', 'cancelled before submission');
    const placed = await orDeclined(broker.placeOrder(input));
    if (typeof placed === 'string') return finish('REJECTED', placed);
    apply(placed.summary);
    knownKey = placed.key;
    // placeOrder records the broker's answer itself (`recorded`): one local activity fewer per
    // instruction. A result without the flag (a history from before it) is recorded here, as it
    // was then; the flag is in the history, so a replay takes the same branch.
    if (!placed.recorded) await db.recordOutcome(input, state, placed.order);
  }

  // Follow the broker until a terminal status. The pending long-poll survives a cancel
  // request: we send the cancel and keep waiting on the same poll for its outcome.
  const done = () => isTerminal(state.status) && state.commissionsComplete;
  let cancelSent = false;
  let pending: Promise<BrokerUpdate | null> | undefined;
  while (!done()) {
    if (state.cancelRequested && !cancelSent) {
      await broker.cancelBrokerOrder(input.allUseOrderId);
      cancelSent = true;
    }
    pending ??= brokerWait.awaitOrderUpdate(input.allUseOrderId, WAIT_SLICE_MS, knownKey);
    const next: BrokerUpdate | null | typeof CANCEL = await Promise.race([pending, condition(() => state.cancelRequested && !cancelSent).then((): typeof CANCEL => CANCEL)]);
    if (next === CANCEL) continue;
    pending = undefined;
    if (next) {
      apply(next.summary);
      knownKey = next.key;
      await db.recordOutcome(input, state, next.order);
    }
    if (!done() && workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof tradeInstruction>(input, state);
    }
  }
  return state;
}
