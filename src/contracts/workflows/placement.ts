/**
 * What placing one protocol order as its own tradeInstruction decides and returns (shared by
 * the placement helper in workflows/ and prepareAttempt in activities/). Sandbox-safe.
 */
import type { TradeInstructionInput } from './tradeInstruction';

/** What `prepareAttempt` decided: place this priced instruction, it exists already, or skip. */
export type AttemptPlan = { kind: 'PLACE'; input: TradeInstructionInput } | { kind: 'EXISTS'; allUseOrderId: string } | { kind: 'SKIP'; reason: string };

export interface PlacementResult {
  clientOrderId: string;
  allUseOrderId?: string;
  status: string;
  filledQuantity: number;
  attempts: number;
  reason?: string;
}
