/**
 * The contract of the positionMonitor workflow: one long-running monitor per account family
 * (every open short option of the family, whatever week it was opened in). Input, state, the
 * actions of a check, its signals and query, and the workflow id with its inverse. Sandbox-safe.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PlacementResult } from './placement';

export interface PositionMonitorInput {
  familyId: string;
  /** re-price interval override (default: the configuration's signals.repriceAfterMinutes) */
  repriceAfterMs?: number;
  /**
   * 'wall' (default): sleep until the next check's instant. 'broker': wait on the broker's clock
   * (a simulator on a manual clock), looking at it every `brokerPollMs`.
   */
  marketClock?: 'wall' | 'broker';
  brokerPollMs?: number;
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

/** "No net credit" for this position at this level, move and trading day: hold until one changes. */
export interface NoCreditMark {
  key: string;
  level: 0 | 1 | 2 | 3;
  moveCents: number;
  day: string;
}

/** A roll not (yet) complete: attempts placed so far; `openClientOrderId` when its close filled and only the open is outstanding. */
export interface PendingRoll {
  key: string;
  attempts: number;
  openClientOrderId?: string;
  lastReason?: string;
}

export interface MonitorState {
  /** checks made while the market was open */
  checks: number;
  lastCheckAt?: string;
  nextCheckAt?: string;
  levels: PositionLevel[];
  rolled: string[];
  noCredit: NoCreditMark[];
  pending: PendingRoll[];
  gaveUp: { key: string; attempts: number; reason: string }[];
  recovery: string[];
}

export const emptyMonitorState = (): MonitorState => ({ checks: 0, levels: [], rolled: [], noCredit: [], pending: [], gaveUp: [], recovery: [] });

/** What one check asks the workflow to do. */
export type MonitorAction = { kind: 'ROLL'; key: string; attempt: number; position: PositionLevel } | { kind: 'OPEN'; key: string; attempt: number; openClientOrderId: string };

/** What an action came to. */
export interface RollAttemptResult {
  kind: MonitorAction['kind'];
  key: string;
  attempt: number;
  outcome: 'NO_CREDIT' | 'PLACED';
  close?: PlacementResult;
  open?: PlacementResult;
  openClientOrderId?: string;
}

/** One look at the market: what the monitor saw and what to do; `nextCheckAt` by the broker's clock. */
export interface MonitorTick {
  brokerNow: string;
  marketOpen: boolean;
  familyOpen: boolean;
  day: string;
  nextCheckAt: string;
  state: MonitorState;
  actions: MonitorAction[];
  repriceAfterMs: number;
}

export const checkNowSignal = defineSignal('checkNow');
export const stopMonitorSignal = defineSignal('stop');
export const monitorStateQuery = defineQuery<MonitorState>('monitorState');

const PREFIX = 'position-monitor:';
export const positionMonitorWorkflowId = (familyId: string): string => `${PREFIX}${familyId}`;
export function parsePositionMonitorWorkflowId(id: string): { familyId: string } | null {
  return id.startsWith(PREFIX) && id.length > PREFIX.length ? { familyId: id.slice(PREFIX.length) } : null;
}
