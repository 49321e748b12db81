/**
 * Placing one Protocol Engine order as its own tradeInstruction (source INTERNAL), so it
 * passes the same risk checks and execution path as a STAR-LAB order. Shared by the weekly
 * cycle and the position monitor. Orchestration only: pricing happens in `prepareAttempt`.
 */
import { ParentClosePolicy, patched, proxyActivities, proxyLocalActivities, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import { SA } from '../src/contracts/searchAttributes';
import { tradeInstruction } from './tradeInstruction';
import { BROKER_DECLINE_FAILURE, instructionWorkflowId, type TradeInstructionInput } from '../src/contracts/workflows/tradeInstruction';
import { isTerminal } from '../src/contracts/orderStatus';
import type { PlacementResult } from '../src/contracts/workflows/placement';

const db = proxyLocalActivities<Activities>({ startToCloseTimeout: '30s', retry: { maximumInterval: '10s' } });
/**
 * prepareAttempt as a regular activity (patched: running histories recorded a local one): it
 * asks the broker for the chain and the quote, which queue on the market-data session's pacing
 * when many families enter at once, and a local activity held the workflow task meanwhile.
 */
const pricing = proxyActivities<Activities>({ startToCloseTimeout: '2m', retry: { maximumInterval: '10s' } });
const broker = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { maximumInterval: '30s', nonRetryableErrorTypes: [BROKER_DECLINE_FAILURE] } });
// The wait is bounded by its own waitMs (the re-price interval); the heartbeat catches a dead worker.
const waiting = proxyActivities<Activities>({ startToCloseTimeout: '2h', heartbeatTimeout: '30s', retry: { maximumInterval: '30s' } });

/** Starts the instruction as an abandoned child: it outlives this workflow, and a re-run finds it. */
async function startInstruction(input: TradeInstructionInput): Promise<void> {
  try {
    await startChild(tradeInstruction, {
      workflowId: instructionWorkflowId(input.allUseOrderId),
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: SA.instructionId, value: input.allUseOrderId },
        { key: SA.starlabStrategyId, value: input.instruction.starlab_strategy_id },
        { key: SA.symbol, value: input.instruction.symbol },
        { key: SA.source, value: 'INTERNAL' },
        { key: SA.clientOrderId, value: input.instruction.client_order_id },
      ],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * Attempt n is priced by the protocol (mid, then towards the bid); an attempt still working
 * after `repriceAfterMs` is cancelled and the next one placed, until a fill, a rejection or
 * the protocol says skip. `maxAttempts` 1 = no re-pricing (rolls: priced at the far side).
 * `round` > 0: the order tried again later (next entry day, a roll leg's retry), new ids.
 */
export async function placeProtocolOrder(clientOrderId: string, repriceAfterMs: number, maxAttempts = Infinity, round = 0): Promise<PlacementResult> {
  let last: PlacementResult = { clientOrderId, status: 'SKIPPED', filledQuantity: 0, attempts: 0 };
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const a = await (patched('prepare-attempt-regular-activity') ? pricing : db).prepareAttempt({ clientOrderId, attempt, ...(round > 0 ? { round } : {}) });
    if (a.kind === 'SKIP') return { ...last, attempts: attempt, reason: a.reason };
    const id = a.kind === 'EXISTS' ? a.allUseOrderId : a.input.allUseOrderId;
    if (a.kind === 'PLACE') await startInstruction(a.input);
    let st = await waiting.awaitTerminal({ allUseOrderId: id, waitMs: repriceAfterMs });
    if (!isTerminal(st.status)) {
      await broker.cancelBrokerOrder(id);
      st = await waiting.awaitTerminal({ allUseOrderId: id, waitMs: 120_000 });
    }
    last = { clientOrderId, allUseOrderId: id, status: st.status, filledQuantity: st.filledQuantity, attempts: attempt + 1 };
    if (st.filledQuantity > 0 || st.status !== 'CANCELLED') return last;
  }
  return last;
}
