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

/**
 * The client_order_id of one placement attempt of a protocol order: re-price n adds `.rN`, a
 * later entry day's (or a roll leg's) retry round k adds `.dK` before it, so every attempt is
 * a new instruction and its base stays recoverable.
 */
export const attemptClientOrderId = (base: string, attempt: number, round = 0): string => `${base}${round > 0 ? `.d${round}` : ''}${attempt > 0 ? `.r${attempt}` : ''}`;
export const baseClientOrderId = (coid: string): string => coid.replace(/(?:\.d\d+)?(?:\.r\d+)?$/, '');
