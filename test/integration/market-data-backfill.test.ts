/**
 * Backfill through the CLI (`npm run data -- backfill`), a worker in its own OS process and a
 * simulator enforcing IB's historical pacing with scaled-down limits: a year of two symbols
 * with 0 pacing errors; the worker SIGKILLed mid-way and a new one started, the CLI re-run
 * attaches to the same workflow; afterwards every trading day is stored exactly once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { poolOf } from '../../src/db/client';
import { MarketStore } from '../../src/db/marketData';
import { missingTradingDays } from '../../src/domain/marketDataRules';
import { startSimulator, type Simulator } from '../../src/ib-sim';
import type { System } from '../../src/system';
import { backfillProgressQuery, backfillWorkflowId } from '../../workflows/marketDataBackfill';
import { runCli, type CliResult } from './_cli';
import { getSystem, until } from './_system';
import { PRODUCTION_WORKER, WorkerProcess, type WorkerEnv } from './_workerProcess';

const ROOT = path.resolve(__dirname, '..', '..');
// IB's rules, scaled: 6 per 3 s (IB 60 per 10 min), identical within 1 s, 2 per contract within 1 s.
const LIMITS = { historicalPerWindow: 6, historicalWindowMs: 3_000, identicalMs: 1_000, perContract: 2, perContractWindowMs: 1_000, lines: 10 };

describe('market data backfill (CLI, worker process, kill -9, resume)', function () {
  this.timeout(300_000);
  let sys: System;
  let sim: Simulator;
  let env: WorkerEnv;
  let worker: WorkerProcess | undefined;
  const logFile = path.join(os.tmpdir(), `all-use-md-backfill-${process.pid}.log`);
  const input = { symbols: ['AAPL', 'SPY'], from: '2024-01-01', to: '2024-12-31', chunkDays: 30 };
  const childEnv = () => ({
    ...process.env,
    TEMPORAL_ADDRESS: sys.temporalAddress,
    DATABASE_URL: sys.config.databaseUrl,
    TEMPORAL_TASK_QUEUE: env.taskQueue,
    LOG_LEVEL: 'error',
    MD_IB_LIMITS: JSON.stringify(LIMITS),
  });

  /** `npm run data -- --json backfill ...` as its own process; resolves with its exit code and output. */
  function cli(): { done: Promise<CliResult>; kill(): void } {
    const killer = new AbortController();
    const done = runCli(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'data.ts'), '--json', 'backfill', '--symbols', 'SPY,AAPL', '--from', input.from, '--to', input.to, '--chunk-days', '30'],
      { cwd: ROOT, env: childEnv(), timeoutMs: 300_000, signal: killer.signal },
    );
    return { done, kill: () => killer.abort() };
  }

  before(async () => {
    sys = await getSystem();
    sim = await startSimulator({ port: 0, marketDataLimits: LIMITS, history: 'anchored', prices: { SPY: 500, AAPL: 200 } });
    env = { temporalAddress: sys.temporalAddress, databaseUrl: sys.config.databaseUrl, ibPort: sim.port, ibClientId: 58, taskQueue: `md-backfill-${process.pid}`, logFile };
    process.env.MD_IB_LIMITS = JSON.stringify(LIMITS); // the spawned worker inherits it
  });
  after(async () => {
    delete process.env.MD_IB_LIMITS;
    await worker?.kill();
    await sim?.close();
    if (fs.existsSync(logFile) && !process.env.KEEP_CRASH_LOGS) fs.rmSync(logFile, { force: true });
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(`worker logs: ${logFile}\n${worker?.output.slice(-3000)}\n`);
  });

  it('when a worker is killed mid-way and the backfill re-run, then it resumes: a year of each symbol, no duplicate, no gap, 0 pacing errors', async () => {
    worker = WorkerProcess.start(PRODUCTION_WORKER, env);
    await worker.ready();
    const first = cli();
    const handle = sys.client.workflow.getHandle(backfillWorkflowId(input));
    const at = await until(
      async () => {
        const p = await handle.query(backfillProgressQuery).catch(() => undefined);
        return p && p.done >= 4 ? p : undefined;
      },
      90_000,
      'four chunks done',
    );
    await worker.kill();
    first.kill();
    expect(at.done, 'killed mid-way').to.be.lessThan(at.chunks - 4);

    worker = WorkerProcess.start(PRODUCTION_WORKER, env);
    await worker.ready();
    const second = await cli().done;
    expect(second.status, second.stderr).to.equal(0);
    const last = JSON.parse(second.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(last).to.include({ workflow_id: backfillWorkflowId(input), chunks: 26, pacing_errors: 0, quarantined: 0 });
    expect(last.rows).to.equal(2 * 252);
    expect(last.requests).to.equal(26);
    expect(second.stderr).to.match(/backfill \[/); // the progress bar went to stderr

    const store = new MarketStore(poolOf(sys.prisma)!);
    for (const symbol of input.symbols) {
      const bars = await store.bars(symbol, input.from, input.to);
      const days = bars.map((b) => b.date);
      expect(new Set(days).size, `${symbol} duplicates`).to.equal(days.length);
      expect(missingTradingDays(days, input.from, input.to), `${symbol} gaps`).to.deep.equal([]);
      expect(days).to.have.length(252);
    }
    expect(sim.pacingStats()).to.deep.include({ historical_violations: 0 });
    expect(sim.pacingStats().historical_requests).to.be.at.least(26);

    // Re-running the finished backfill attaches to its result: nothing is fetched again.
    const requestsBefore = sim.pacingStats().historical_requests;
    const third = await cli().done;
    expect(third.status, third.stderr).to.equal(0);
    expect(JSON.parse(third.stdout.trim().split('\n').at(-1)!)).to.deep.include({ rows: 2 * 252, pacing_errors: 0 });
    expect(sim.pacingStats().historical_requests).to.equal(requestsBefore);
  });

  it('when quality is asked with --json, then the last line is one object with a symbols array', async () => {
    const r = await runCli(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'data.ts'), 'quality', '--json', '--symbols', 'SPY,AAPL'], {
      cwd: ROOT,
      env: childEnv(),
      timeoutMs: 300_000,
    });
    expect(r.status).to.equal(0);
    const q = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { symbols: { symbol: string; bars: number; gaps: number; quarantined: number; fresh: boolean }[] };
    expect(q.symbols.map((s) => s.symbol)).to.deep.equal(['SPY', 'AAPL']);
    for (const s of q.symbols) expect(s).to.deep.include({ bars: 252, gaps: 0, quarantined: 0, fresh: false });
  });
});
