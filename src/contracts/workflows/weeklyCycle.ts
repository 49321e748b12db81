/**
 * The contract of the weeklyCycle workflow: input, result, progress query, the workflow id and
 * the protocol's client_order_id scheme, each with its inverse. Sandbox-safe.
 */
import { defineQuery } from '@temporalio/workflow';
import type { PlacementResult } from './placement';
import type { RebalanceResult } from './tripleForkRebalance';

export interface WeeklyCycleInput {
  familyId: string;
  /** any day of the week to run (YYYY-MM-DD); the cycle uses the week's closing day */
  asOf: string;
  /** how long a resting order works before it is re-priced (default: the configuration's signals.repriceAfterMinutes) */
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
  /** the protocol configuration version the plan was made with (0 = the worker's built-in one) */
  configVersion?: number;
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
export const protocolClientOrderId = (familyId: string, kind: string, week: string, symbol: string, n: number | string): string => `${familyId.replaceAll('/', '.')}:${kind}:${week}:${symbol}:${n}`;
/** Inverse of protocolClientOrderId (the family as written in the id, retry and re-price suffixes `.dK.rN` dropped). */
export function parseProtocolClientOrderId(coid: string): { family: string; kind: string; week: string; symbol: string; n: string } | null {
  const m = /^(.+):(GEN|REV|COM):(\d{4}-W\d{2}):([A-Z][A-Z.]{0,9}):([^:]+?)(?:\.d\d+)?(?:\.r\d+)?$/.exec(coid);
  return m ? { family: m[1]!, kind: m[2]!, week: m[3]!, symbol: m[4]!, n: m[5]! } : null;
}
