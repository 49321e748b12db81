/**
 * `npm run ops -- reconcile [--json] [--timeout <s>]`: runs the reconciliation workflow now (a
 * worker must be running) and prints what it found. The last line is always one JSON object
 * with `differences`, `explained`, `unexplained` (counts), `reduce_only` (the accounts or
 * segments it set), then `deferred` and `in_flight` (timing, never reduce-only). The full report: GET /api/v1/operator/reconciliation/latest.
 */
import type { Command } from 'commander';
import { getRun } from '../../db/books';
import { reconciliationWorkflowId, type ReconciliationSummary } from '../../contracts/workflows/reconciliation';
import { startReconciliation } from '../../reconcileTrigger';
import type { OpsContext } from './context';
import { table } from './output';

export function registerReconcile(program: Command, ctx: () => OpsContext, json: () => boolean): void {
  program
    .command('reconcile')
    .description('compare the books with the broker now: book what is explained, reduce-only + alert for the rest')
    .option('--timeout <seconds>', 'how long to wait for the result (default 120)', (v) => {
      if (!/^\d{1,5}$/.test(v) || Number(v) < 1) throw new Error(`--timeout: whole seconds ≥ 1, got ${v}`);
      return Number(v);
    })
    .action(async (o: { timeout?: number }) => {
      const c = ctx();
      const client = await c.temporal();
      const id = reconciliationWorkflowId.onDemand('ops', new Date().toISOString());
      const result = await startReconciliation(client, c.config.temporalTaskQueue, id, 'ops');
      const ms = (o.timeout ?? 120) * 1000;
      let timer: NodeJS.Timeout | undefined;
      const s: ReconciliationSummary = await Promise.race([
        result(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no result within ${ms / 1000} s (is a worker running?); workflow ${id}`)), ms))),
      ]).finally(() => clearTimeout(timer));
      if (!json()) {
        const run = await getRun(c.prisma(), s.runId);
        const diffs = (
          (run?.body as { differences_detail?: Array<{ kind: string; explained: boolean; timing?: string; message: string; scopes: string[] }> } | undefined)?.differences_detail ?? []
        ).map((d) => ({
          kind: d.kind,
          explained: d.timing ?? (d.explained ? 'yes' : 'NO'),
          scopes: d.scopes.join(','),
          what: d.message,
        }));
        process.stdout.write(`reconciliation ${s.runId} at broker time ${s.brokerTime}\n${table(diffs)}\n`);
      }
      process.stdout.write(
        `${JSON.stringify({ differences: s.differences, explained: s.explained, unexplained: s.unexplained, reduce_only: s.reduce_only, deferred: s.deferred, in_flight: s.in_flight })}\n`,
      );
    });
}
