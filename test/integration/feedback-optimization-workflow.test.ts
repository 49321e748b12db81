/**
 * The optimiser as a Temporal workflow on the real system: it runs the default grid over worker
 * threads, stores every trial by (run, trial id), answers its progress query, stores the run's
 * report; started again with the same run id it resumes from the stored trials (runs none).
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sp500Before2008 } from '../sp500Sample';
import { runCli } from './_cli';
import { getSystem, until } from './_system';
import { optimizationWorkflowId, OPTIMIZATION_PROGRESS_QUERY, type OptimizationProgress } from '../../src/contracts/feedback';

describe('feedback: optimisation workflow', function () {
  this.timeout(600_000);
  const dataPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'all-use-opt-')), 'sp500-2000-2007.csv');
  fs.writeFileSync(dataPath, sp500Before2008());
  const runId = `wf-${process.pid}`;
  const input = { runId, kind: 'PROTOCOL' as const, dataPath, walkForward: { inSample: 104, outOfSample: 52 }, workers: 2, trialsTotal: 12 };

  it('when started, then it reports progress, stores all 12 trials and the report, and a second start with the same run id resumes (runs no trial)', async () => {
    const sys = await getSystem();
    const h = await sys.client.workflow.start('optimization', { taskQueue: sys.config.temporalTaskQueue, workflowId: optimizationWorkflowId(runId), args: [input] });
    const seen = await until(async () => (await h.query<OptimizationProgress>(OPTIMIZATION_PROGRESS_QUERY).catch(() => null)) ?? null, 60_000, 'a progress answer');
    expect(seen).to.include({ runId, trialsTotal: 12 });
    const result = (await h.result()) as { windows: unknown[]; trials: number; trials_resumed: number; overfitting: { name: string }; cost_ratio: number };
    expect(result.trials).to.equal(12);
    expect(result.trials_resumed).to.equal(0);
    expect(result.windows.length).to.be.at.least(3);
    expect(result.overfitting.name).to.equal('PBO (CSCV)');
    expect(await h.query<OptimizationProgress>(OPTIMIZATION_PROGRESS_QUERY)).to.include({ phase: 'DONE', trialsDone: 12 });
    expect(await sys.prisma.optimizationTrial.count({ where: { runId } })).to.equal(12);
    expect((await sys.prisma.optimizationRun.findUnique({ where: { id: runId } }))?.status).to.equal('DONE');

    const again = await sys.client.workflow.start('optimization', { taskQueue: sys.config.temporalTaskQueue, workflowId: optimizationWorkflowId(runId), args: [input] });
    const second = (await again.result()) as { trials_resumed: number; windows: unknown[] };
    expect(second.trials_resumed).to.equal(12);
    expect(second.windows).to.deep.equal(result.windows);
  });

  it('when `npm run optimize` finds Temporal with a worker and a migrated database, then it runs the workflow and its last stdout line is the JSON report', async () => {
    const sys = await getSystem();
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: sys.temporalAddress,
      DATABASE_URL: sys.config.databaseUrl,
      TEMPORAL_TASK_QUEUE: sys.config.temporalTaskQueue,
      TEMPORAL_NAMESPACE: sys.config.temporalNamespace,
    };
    const r = await runCli(
      process.execPath,
      [require.resolve('tsx/cli'), 'src/cli/optimize.ts', '--data', dataPath, '--json', '--in-sample', '104', '--out-of-sample', '52', '--workers', '2', '--run-id', `cli-${process.pid}`],
      { cwd: process.cwd(), env, timeoutMs: 600_000 },
    );
    expect(r.status, r.stderr).to.equal(0);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(last).to.include({ mode: 'temporal', workflow_id: optimizationWorkflowId(`cli-${process.pid}`) });
    expect(last).to.include.keys('windows', 'overfitting', 'cost_ratio', 'parallel_efficiency', 'recommendation');
    expect(r.stderr).to.match(/as Temporal workflow/);
  });
});
