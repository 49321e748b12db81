/**
 * `npm run optimize -- --data <csv> [--leaps] [--json]`: a walk-forward optimisation of the
 * protocol's parameters (or, with --leaps, of the LEAPS choice) on the back-tester. Progress on
 * stderr; the LAST stdout line is one JSON object (windows, overfitting, cost_ratio,
 * parallel_efficiency, recommendation, …).
 *
 * Where it runs (--mode auto, the default): as the Temporal workflow `optimization` when Temporal
 * answers within 2 s, a worker polls the task queue and the database has the feedback tables
 * (long, resumable, visible); otherwise in this process over worker threads, storing trials in
 * the database when it is reachable and migrated, else in reports/optimize/<run>.trials.jsonl.
 * Either way a re-run with the same --run-id resumes from the stored trials.
 *
 * `npm run optimize` starts Node with --single-threaded-gc (package.json): V8's parallel GC
 * helper tasks of the worker threads share one process-wide platform, and with every core running
 * a trial they only contend (measured here: two allocating threads in one process 0.70-0.78 of
 * ideal, two processes 0.93; with the flag 0.85-0.88, and the parallel phase ~15 % faster).
 */
import path from 'node:path';
import { Command } from 'commander';
import { Connection, Client } from '@temporalio/client';
import { loadConfig } from '../config';
import { closePrisma, getPrisma } from '../db/client';
import { feedbackStoreReachable } from '../db/feedback';
import { optimizationWorkflowId, OPTIMIZATION_PROGRESS_QUERY, type OptimizationInput, type OptimizationProgress } from '../contracts/feedback';
import { runOptimization, gridOf } from '../feedback/service';
import { CsvError } from '../backtest/csv';
import { withTimeout } from '../withTimeout';
import { DEFAULT_DATA } from './optimize.defaults';

const program = new Command()
  .name('optimize')
  .option('--data <csv>', 'daily bars: date,open,high,low,close', DEFAULT_DATA)
  .option('--leaps', 'optimise the LEAPS choice (delta, months, roll rule) instead of the protocol grid')
  .option('--json', 'only the JSON line on stdout (it is always the last line)')
  .option('--run-id <id>', 'stable id: re-running with it resumes from the stored trials')
  .option('--workers <n>', 'worker threads (default: every core)', (v) => Number(v))
  .option('--in-sample <weeks>', 'in-sample window', (v) => Number(v), 156)
  .option('--out-of-sample <weeks>', 'out-of-sample window', (v) => Number(v), 52)
  .option('--mode <mode>', 'auto | local | temporal', 'auto');

interface Opts {
  data: string;
  leaps?: boolean;
  json?: boolean;
  runId?: string;
  workers?: number;
  inSample: number;
  outOfSample: number;
  mode: 'auto' | 'local' | 'temporal';
}

async function temporalWithWorker(address: string, namespace: string, taskQueue: string): Promise<Client | null> {
  try {
    const connection = await withTimeout(Connection.connect({ address, connectTimeout: '2s' }), 3000, 'temporal');
    const client = new Client({ connection, namespace });
    const q = await withTimeout(client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType: 2 /* ACTIVITY */ }), 3000, 'temporal');
    if ((q.pollers ?? []).length > 0) return client;
    await connection.close();
    return null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const o = program.parse(process.argv).opts<Opts>();
  const config = loadConfig(process.env);
  const kind = o.leaps ? 'LEAPS' : 'PROTOCOL';
  const input: OptimizationInput = {
    runId:
      o.runId ??
      `${kind.toLowerCase()}-${new Date()
        .toISOString()
        .replace(/[-:.TZ]/g, '')
        .slice(0, 14)}`,
    kind,
    dataPath: path.resolve(o.data),
    walkForward: { inSample: o.inSample, outOfSample: o.outOfSample },
    ...(o.workers ? { workers: o.workers } : {}),
  };
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const dbOk = await feedbackStoreReachable(config.databaseUrl);
  const client = o.mode === 'local' || !dbOk ? null : await temporalWithWorker(config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`, config.temporalNamespace, config.temporalTaskQueue);
  if (o.mode === 'temporal' && !client) throw new Error('--mode temporal: Temporal, a worker on the task queue and a migrated database are all needed');
  let out: Record<string, unknown>;
  if (client) {
    log(`optimisation ${input.runId} as Temporal workflow ${optimizationWorkflowId(input.runId)} on ${config.temporalTaskQueue}`);
    const h = await client.workflow.start('optimization', {
      taskQueue: config.temporalTaskQueue,
      workflowId: optimizationWorkflowId(input.runId),
      args: [{ ...input, trialsTotal: gridOf(kind).length }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    const timer = setInterval(() => {
      h.query<OptimizationProgress>(OPTIMIZATION_PROGRESS_QUERY).then(
        (p) => log(`  ${p.phase} ${p.trialsDone}/${p.trialsTotal} trials`),
        () => undefined,
      );
    }, 5000);
    try {
      out = { ...((await h.result()) as Record<string, unknown>), mode: 'temporal', workflow_id: h.workflowId, run_id: input.runId };
    } finally {
      clearInterval(timer);
      await client.connection.close();
    }
  } else {
    const prisma = dbOk ? getPrisma(config.databaseUrl) : null;
    log(
      `optimisation ${input.runId} in this process (${o.mode === 'local' ? '--mode local' : dbOk ? 'no Temporal worker reachable' : 'no migrated database reachable'}); trials stored in ${prisma ? 'PostgreSQL' : 'a file'}`,
    );
    const r = await runOptimization(prisma, input, { onTrial: (d, n, t) => log(`  trial ${d}/${n} ${t.label}: Sharpe ${t.figures.sharpe} (${t.ms.toFixed(0)} ms)`) });
    out = { ...r.report, recommendation_id: r.recommendation?.id ?? null, mode: 'local', storage: r.storage, run_id: input.runId };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main()
  .catch((e: unknown) => {
    if (e instanceof CsvError) process.stderr.write(`refused: ${e.message}\n`);
    else process.stderr.write(`optimize failed: ${(e as Error).message}\n`);
    process.stdout.write(`${JSON.stringify({ error: { code: e instanceof CsvError ? 'BAD_DATA' : 'OPTIMIZE_FAILED', message: (e as Error).message } })}\n`);
    process.exitCode = 2;
  })
  .finally(() => void closePrisma());
