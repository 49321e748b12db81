/**
 * The contract of the positionMonitor workflow: input, state, its signals and query, and the
 * workflow id with its inverse. Sandbox-safe.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

export interface PositionMonitorInput {
  familyId: string;
  week: string;
  /** stop once the broker's clock passes this instant (the week's expiry close, ISO) */
  until: string;
  repriceAfterMs?: number;
  dailyMs?: number;
  hourlyMs?: number;
}

export interface PositionLevel {
  key: string;
  accountId: string;
  symbol: string;
  right: 'C' | 'P';
  strikeCents: number;
  expiry: string;
  quantity: number;
  level: 0 | 1 | 2 | 3;
  moveCents: number;
  atrCents: number;
}

export interface MonitorState {
  checks: number;
  levels: PositionLevel[];
  rolled: string[];
  noCredit: string[];
  recovery: string[];
}

export const checkNowSignal = defineSignal('checkNow');
export const stopMonitorSignal = defineSignal('stop');
export const monitorStateQuery = defineQuery<MonitorState>('monitorState');

const PREFIX = 'position-monitor:';
export const positionMonitorWorkflowId = (familyId: string, week: string): string => `${PREFIX}${familyId}:${week}`;
export function parsePositionMonitorWorkflowId(id: string): { familyId: string; week: string } | null {
  const m = /^position-monitor:(.+):(\d{4}-W\d{2})$/.exec(id);
  return m ? { familyId: m[1]!, week: m[2]! } : null;
}
