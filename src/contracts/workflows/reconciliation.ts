/**
 * The contract of the reconciliation workflow (books vs broker, docs/RECONCILIATION.md): its
 * input, result, ids and name, so the worker's trigger, the Schedule and the ops CLI start it
 * by name without importing workflow code. Sandbox-safe.
 */
export type ReconciliationTrigger = 'startup' | 'reconnect' | 'daily' | 'ops' | 'api' | 'test';

export interface ReconciliationInput {
  trigger: ReconciliationTrigger;
}

/** The ops CLI's last line prints differences, explained, unexplained, reduce_only, deferred and in_flight. */
export interface ReconciliationSummary {
  runId: string;
  trigger: string;
  brokerTime: string;
  differences: number;
  explained: number;
  unexplained: number;
  /** the control scopes (account:<id>, segment:<tag>, global) this run put into reduce-only */
  reduce_only: string[];
  /** differences the snapshot's timing may account for, still there after the rechecks: reported, never reduce-only */
  deferred: number;
  /** fills in flight between the broker and the books (an instruction's workflow records it): never reduce-only */
  in_flight: number;
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
