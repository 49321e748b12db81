/**
 * Operator actions on the kill switch, shared by the ops CLI and the operator API so both do
 * exactly the same: flip the flag in the database (src/db/control.ts, audited), and on request
 * cancel every open order through its workflow's cancel update (the one cancel path, so the
 * workflow, the broker and the database agree on the outcome).
 */
import type { Client } from '@temporalio/client';
import type { PrismaClient } from './db/client';
import * as control from './db/control';
import { reduceOnly, tradingHalted } from './metrics';
import { cancelUpdate } from './contracts/workflows/tradeInstruction';

export interface ControlDeps {
  prisma: PrismaClient;
  temporal?: Client;
}

export interface CancelOutcome {
  workflowId: string;
  status: string;
  message: string;
}

const sync = (r: control.ControlRow) => {
  if (r.scope !== control.GLOBAL_SCOPE) return r;
  tradingHalted.set(r.halted ? 1 : 0);
  reduceOnly.set(r.reduceOnly ? 1 : 0);
  return r;
};

/** Every running tradeInstruction workflow (Temporal visibility; may lag a second behind starts). */
export async function runningInstructionWorkflows(temporal: Client, limit = 1000): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of temporal.workflow.list({ query: `WorkflowType='tradeInstruction' AND ExecutionStatus='Running'` })) {
    ids.push(w.workflowId);
    if (ids.length >= limit) break;
  }
  return ids;
}

/** Sends the cancel update to every running instruction; an update that does not answer in time is reported, not fatal. */
export async function cancelOpenOrders(temporal: Client, reason: string, timeoutMs = 15_000): Promise<CancelOutcome[]> {
  const ids = await runningInstructionWorkflows(temporal);
  return Promise.all(
    ids.map(async (workflowId): Promise<CancelOutcome> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const update = temporal.workflow.getHandle(workflowId).executeUpdate(cancelUpdate, { args: [reason] });
        const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms (is a worker running?)`)), timeoutMs)));
        const r = await Promise.race([update, late]);
        return { workflowId, status: r.status, message: r.message };
      } catch (err) {
        return { workflowId, status: 'ERROR', message: err instanceof Error ? err.message : String(err) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

export class ControlUsageError extends Error {
  override name = 'ControlUsageError';
}

export async function haltTrading(d: ControlDeps, o: { actor: string; reason?: string; scope?: string; cancelOpen?: boolean }) {
  // Cancelling lists every running instruction: it would reach beyond a narrower scope.
  if (o.cancelOpen && o.scope && o.scope !== 'global') throw new ControlUsageError('cancel-open applies to a global halt only; halt the scope without it');
  const row = sync(await control.halt(d.prisma, { actor: o.actor, reason: o.reason ?? 'operator halt', scope: o.scope }));
  let cancelled: CancelOutcome[] | undefined;
  if (o.cancelOpen) {
    if (!d.temporal) throw new Error('cancelling open orders needs a Temporal connection');
    cancelled = await cancelOpenOrders(d.temporal, `kill switch: ${row.reason ?? 'halted'}`);
  }
  return { control: row, ...(cancelled ? { cancelled } : {}) };
}

export async function resumeTrading(d: ControlDeps, o: { actor: string; reason?: string; scope?: string }) {
  return { control: sync(await control.resume(d.prisma, { actor: o.actor, reason: o.reason ?? 'operator resume', scope: o.scope })) };
}

export async function setReduceOnlyMode(d: ControlDeps, o: { actor: string; on: boolean; reason?: string; scope?: string }) {
  return { control: sync(await control.setReduceOnly(d.prisma, { actor: o.actor, reason: o.reason, scope: o.scope }, o.on)) };
}

export async function controlStatus(d: ControlDeps) {
  return { global: sync(await control.globalControl(d.prisma)), scopes: await control.listControls(d.prisma) };
}
