/**
 * The contract of the reconciliation workflow (books vs broker, docs/RECONCILIATION.md): its
 * input, result, ids and name, so the worker's trigger, the Schedule and the ops CLI start it
 * by name without importing workflow code. Sandbox-safe.
 */
export type ReconciliationTrigger = 'startup' | 'reconnect' | 'daily' | 'ops' | 'api' | 'test';

export interface ReconciliationInput {
  trigger: ReconciliationTrigger;
}

/** The ops CLI's last line prints exactly differences, explained, unexplained and reduce_only. */
export interface ReconciliationSummary {
  runId: string;
  trigger: string;
  brokerTime: string;
  differences: number;
  explained: number;
  unexplained: number;
  /** the control scopes (account:<id>, segment:<tag>, global) this run put into reduce-only */
  reduce_only: string[];
}

export const RECONCILIATION_WORKFLOW = 'reconciliation';
export type ReconciliationWorkflow = (input: ReconciliationInput) => Promise<ReconciliationSummary>;
export const RECONCILIATION_SCHEDULE_ID = 'all-use-reconciliation-daily';

/**
 * Ids: one per broker session of a worker process (`reconcile:startup:<boot>` for the first,
 * `reconcile:reconnect:<boot>:<n>` after each reconnect), one per operator request.
 */
export const reconciliationWorkflowId = {
  startup: (bootId: string): string => `reconcile:startup:${bootId}`,
  reconnect: (bootId: string, session: number): string => `reconcile:reconnect:${bootId}:${session}`,
  onDemand: (trigger: 'ops' | 'api' | 'test', at: string): string => `reconcile:${trigger}:${at}`,
};
