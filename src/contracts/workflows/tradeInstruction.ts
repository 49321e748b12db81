/**
 * The contract of the tradeInstruction workflow, shared by the workflow, its activities, the
 * API and the CLI: input, state, update/query definitions, failure types and the workflow id
 * with its inverse. Sandbox-safe (no zod, no Node APIs): the workflow bundle imports it.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OrderStatus, Source, TradeInstruction } from '../instruction';

export interface TradeInstructionInput {
  allUseOrderId: string;
  clientName: string;
  source: Source;
  requestHash: string;
  instruction: TradeInstruction;
  /** ALL-USE account for internal orders; STAR-LAB orders use instruction.account_tag. */
  accountId?: string;
  receivedAt: string;
  /** STAR-LAB API submissions: who sent it, for the audit row the record step writes. */
  submittedFrom?: { ip?: string; requestId?: string };
  /**
   * The workflow code the starter wrote this input for (INSTRUCTION_INPUT_VERSION). From 2 the
   * workflow records and risk-checks in one step without asking `patched('record-with-risk')`:
   * a patch call writes a marker and upserts the TemporalChangeVersion search attribute, one more
   * visibility write on every instruction. Absent in inputs started before it: the patch decides,
   * as it did when they ran (test/replay/histories replays all three kinds). From 3 the workflow
   * records, risk-checks, places and records the broker's answer in one regular activity
   * (`submitOrder`) instead of a local step and a regular one.
   */
  inputVersion?: number;
}

/** What every starter of tradeInstruction puts in `inputVersion` now. */
export const INSTRUCTION_INPUT_VERSION = 3;

export interface InstructionState {
  status: OrderStatus;
  filledQuantity: number;
  averageFillPrice: number | null;
  commission: number;
  brokerOrderId: string | null;
  rejectReason: string | null;
  updatedAt: string;
  cancelRequested: boolean;
  /** Every fill's commission report has arrived (IB may send them after Filled). */
  commissionsComplete: boolean;
}

/** An instruction's state before anything happened to it: the workflow's start, and what placeOrder records the broker's answer over. */
export const initialInstructionState = (receivedAt: string): InstructionState => ({
  status: 'PENDING_SUBMIT',
  filledQuantity: 0,
  averageFillPrice: null,
  commission: 0,
  brokerOrderId: null,
  rejectReason: null,
  updatedAt: receivedAt,
  cancelRequested: false,
  commissionsComplete: false,
});

export interface CancelResult {
  status: 'CANCEL_REQUESTED' | 'FAILED';
  message: string;
}

export const cancelUpdate = defineUpdate<CancelResult, [string]>('cancel');
export const stateQuery = defineQuery<InstructionState & { input: TradeInstructionInput }>('state');

/** ApplicationFailure type of placeOrder when the kill switch is on: the order ends REJECTED, not failed. */
export const KILL_SWITCH_FAILURE = 'KillSwitch';
/** ApplicationFailure type of placeOrder when the broker refuses the order before taking it. */
export const BROKER_DECLINE_FAILURE = 'BrokerDecline';
/** Failure types placeOrder declines with: the order ends REJECTED with the failure's message. */
export const DECLINE_FAILURES: readonly string[] = [KILL_SWITCH_FAILURE, BROKER_DECLINE_FAILURE];

const PREFIX = 'instruction-';
export const instructionWorkflowId = (allUseOrderId: string): string => `${PREFIX}${allUseOrderId}`;
export const allUseOrderIdOf = (workflowId: string): string | null => (workflowId.startsWith(PREFIX) ? workflowId.slice(PREFIX.length) : null);

/** The workflow's registered name and signature: callers start it by name, not by importing workflow code. */
export const TRADE_INSTRUCTION_WORKFLOW = 'tradeInstruction';
export type TradeInstructionWorkflow = (input: TradeInstructionInput, carried?: InstructionState) => Promise<InstructionState>;
