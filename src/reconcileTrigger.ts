/**
 * When reconciliation runs by itself: at worker start-up, after every broker reconnect (the
 * broker adapter's onReconnect), and daily after the close (a Temporal Schedule). Each start
 * has a deterministic workflow id, so a second start of the same session is a no-op.
 */
import os from 'node:os';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Broker } from './contracts/broker';
import type { Logger } from './logger';
import {
  RECONCILIATION_SCHEDULE_ID,
  RECONCILIATION_WORKFLOW,
  reconciliationWorkflowId,
  type ReconciliationInput,
  type ReconciliationSummary,
  type ReconciliationTrigger,
} from './contracts/workflows/reconciliation';

/** This worker process: start-up and reconnect runs are keyed by it. */
export const BOOT_ID = `${os.hostname()}-${process.pid}-${Date.now()}`;

/** Starts (or finds) the reconciliation with this id; returns its handle's result promise. */
export async function startReconciliation(client: Client, taskQueue: string, workflowId: string, trigger: ReconciliationTrigger): Promise<() => Promise<ReconciliationSummary>> {
  try {
    await client.workflow.start(RECONCILIATION_WORKFLOW, { taskQueue, workflowId, args: [{ trigger } satisfies ReconciliationInput], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return () => client.workflow.getHandle(workflowId).result() as Promise<ReconciliationSummary>;
}

/**
 * Reconciles now (start-up) and after each broker reconnect. Returns the unsubscribe function.
 * A failure to start is logged, never thrown: the daily run and the operator remain.
 */
export function reconcileOnConnect(d: { client: Client; broker: Broker; taskQueue: string; logger: Logger; bootId?: string }): () => void {
  const boot = d.bootId ?? BOOT_ID;
  const start = (id: string, trigger: ReconciliationTrigger) =>
    startReconciliation(d.client, d.taskQueue, id, trigger).then(
      () => d.logger.info('reconciliation started', { workflowId: id, trigger }),
      (err: unknown) => d.logger.warn('reconciliation not started', { workflowId: id, err }),
    );
  void start(reconciliationWorkflowId.startup(boot), 'startup');
  // Session 1 is the first connect, which the start-up run already covers.
  return (
    d.broker.onReconnect?.((n) => {
      if (n > 1) void start(reconciliationWorkflowId.reconnect(boot, n), 'reconnect');
    }) ?? (() => undefined)
  );
}

/** Mondays to Fridays 16:20 New York (after the close and the expiry processing), created once. */
export async function ensureReconciliationSchedule(client: Client, taskQueue: string): Promise<boolean> {
  try {
    await client.schedule.create({
      scheduleId: RECONCILIATION_SCHEDULE_ID,
      spec: { calendars: [{ dayOfWeek: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'], hour: 16, minute: 20 }], timezone: 'America/New_York' },
      action: { type: 'startWorkflow', workflowType: RECONCILIATION_WORKFLOW, workflowId: 'reconcile:daily', taskQueue, args: [{ trigger: 'daily' } satisfies ReconciliationInput] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      memo: { description: 'ALL-USE books vs broker, daily after the close (docs/RECONCILIATION.md)' },
    });
    return true;
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    return false;
  }
}
