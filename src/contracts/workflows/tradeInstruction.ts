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
}

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
