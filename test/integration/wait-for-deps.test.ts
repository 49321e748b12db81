/**
 * Every process waits for what it needs: the standalone worker and API started while Temporal
 * is not listening keep trying with backoff (one log line per attempt; the worker's /readyz on
 * its internal port names what it waits for), and come up once Temporal starts.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTemporalCli } from '../../temporal/cli';
import { freePort, startDevServer, type DevServer } from '../../temporal/devServer';
import { backoffDelay } from '../../src/waitFor';
import { until } from './_system';

const ROOT = path.resolve(__dirname, '..', '..');

function run(entry: string, env: Record<string, string>): { child: ChildProcess; out: () => string } {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  return { child, out: () => out };
}

function kill(child: ChildProcess | undefined): void {
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

describe('processes wait for their dependencies', function () {
  this.timeout(180_000);

  it('when backoff grows, then it doubles from its start and stays bounded', () => {
    const mid = () => 0.5; // no jitter
    expect([1, 2, 3, 4, 10, 50].map((n) => backoffDelay(n, 250, 10_000, mid))).to.deep.equal([250, 500, 1000, 2000, 10_000, 10_000]);
    for (let n = 1; n < 30; n++) expect(backoffDelay(n, 250, 10_000)).to.be.within(200, 10_000);
  });

  it('when a worker and an API start before Temporal is listening, then they keep trying and come up once it starts', async () => {
    const port = await freePort();
    const appMetricsPort = await freePort();
    const apiPort = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alluse-wait-'));
    const common = {
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
      TEMPORAL_TASK_QUEUE: `wait-test-${process.pid}`,
      IB_HOST: '127.0.0.1',
      IB_PORT: String(await freePort()), // no broker either: the adapter retries in the background
      IB_SIMULATOR: 'false',
      LOG_LEVEL: 'info',
      OPERATOR_TOKEN: 'wait-test-operator-token-0123456789',
    };
    let server: DevServer | undefined;
    const worker = run('src/worker.ts', { ...common, WORKER_METRICS_PORT: '0', WORKER_APP_METRICS_PORT: String(appMetricsPort) });
    const api = run('src/api/main.ts', { ...common, PORT: String(apiPort), HOST: '127.0.0.1' });
    try {
      // Both keep trying, a line per attempt, and neither exits.
      await until(async () => (worker.out().match(/waiting for temporal at 127\.0\.0\.1:\d+: attempt \d+ failed/g) ?? []).length >= 3, 30_000, 'three logged worker attempts');
      await until(async () => /waiting for temporal at 127\.0\.0\.1:\d+: attempt 2 failed/.test(api.out()), 30_000, 'two logged API attempts');
      expect([worker.child.exitCode, api.child.exitCode]).to.deep.equal([null, null]);
      const waiting = (await (await fetch(`http://127.0.0.1:${appMetricsPort}/readyz`)).json()) as { status: string; waiting_for: { what: string }[] };
      expect(waiting.status).to.equal('not_ready');
      expect(waiting.waiting_for.map((w) => w.what)).to.deep.equal([`temporal at 127.0.0.1:${port}`]);

      server = await startDevServer({ cliPath: await ensureTemporalCli(), dbFile: path.join(dir, 'temporal.db'), port, logFile: path.join(dir, 'temporal.log') });
      await until(async () => /worker running/.test(worker.out()), 90_000, `the worker to run:\n${worker.out().slice(-2000)}`);
      await until(async () => (await fetch(`http://127.0.0.1:${appMetricsPort}/readyz`)).status === 200, 10_000, 'worker readiness');
      await until(async () => (await fetch(`http://127.0.0.1:${apiPort}/healthz`).catch(() => null))?.status === 200, 60_000, `the API to listen:\n${api.out().slice(-2000)}`);
      expect(worker.out()).to.match(/temporal at 127\.0\.0\.1:\d+ is up/);
    } finally {
      kill(worker.child);
      kill(api.child);
      await server?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
