/**
 * The contract of the weeklyCycleRun workflow (what the Schedule and the operator's backfill
 * start): input, the workflow id, and the workflow's name and signature, so the API and the CLI
 * start it by name without importing workflow code. Sandbox-safe.
 */
import type { WeeklyCycleResult } from './weeklyCycle';

export interface WeeklyRunInput {
  /** first and last day of the range (defaults: today, by workflow time) */
  from?: string;
  to?: string;
  /** only these families (and their forks); default: every open family */
  familyIds?: string[];
  repriceAfterMs?: number;
  marketClock?: 'wall' | 'broker';
}

/** `weekly-run:<from>:<to>` for every family, `…:<family>+<family>` for a chosen few. */
export const weeklyRunWorkflowId = (from: string, to: string, familyIds?: readonly string[]): string => `weekly-run:${from}:${to}${familyIds?.length ? `:${[...familyIds].sort().join('+')}` : ''}`;

export const WEEKLY_CYCLE_RUN_WORKFLOW = 'weeklyCycleRun';
export type WeeklyCycleRunWorkflow = (input?: WeeklyRunInput) => Promise<WeeklyCycleResult[]>;
