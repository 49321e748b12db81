/**
 * A real Prometheus (Debian's `prometheus` binary) scrapes the running system: the API's
 * /metrics (job alluse-api) and the worker's Temporal SDK exporter (job alluse-worker), after a
 * real instruction. Needs `prometheus` on the PATH (apt-get install -y prometheus); fails
 * without it rather than skipping. Loopback only.
 */
import { expect } from 'chai';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { System } from '../../src/system';
import { freePort } from '../../temporal/devServer';
import { api, getSystem, OPERATOR_TOKEN, until } from './_system';
import { instruction, TRADING, uniq } from './ops-helpers';

interface QueryResult {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe('prometheus scrapes the running API and worker (real prometheus binary)', function () {
  this.timeout(120_000);
  let sys: System;
  let prom: ChildProcess | undefined;
  let log = '';
  let dir: string;
  let promUrl: string;
  const query = async (q: string) => (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as QueryResult;
  const first = async (q: string) => (await query(q)).data?.result?.[0]?.value[1];

  before(async () => {
    if (spawnSync('prometheus', ['--version']).error) throw new Error('prometheus not on PATH; install it: apt-get install -y prometheus');
    sys = await getSystem();
    const ack = await api(sys, 'POST', `${TRADING}/submit_trade_instruction`, instruction(uniq('prom')));
    expect(ack.status).to.equal(201);
    await until(async () => (await sys.prisma.instruction.findUnique({ where: { id: ack.body.all_use_order_id as string } }))?.status === 'FILLED', 30_000, 'fill');

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alluse-prom-api-'));
    const apiTarget = new URL(sys.api!.url).host;
    const workerTarget = new URL(sys.workerMetricsUrl!).host;
    fs.writeFileSync(
      path.join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s }',
        'scrape_configs:',
        `  - { job_name: alluse-api, authorization: { credentials: "${OPERATOR_TOKEN}" }, static_configs: [{ targets: ["${apiTarget}"] }] }`,
        `  - { job_name: alluse-worker, static_configs: [{ targets: ["${workerTarget}"] }] }`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prom = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prom.stdout?.on('data', (b: Buffer) => (log += b.toString()));
    prom.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    await until(
      async () => {
        if (prom?.exitCode !== null) throw new Error(`prometheus exited:\n${log}`);
        return (await first('up{job="alluse-api"}')) === '1' && (await first('up{job="alluse-worker"}')) === '1';
      },
      40_000,
      'both targets scraped',
    );
  });

  after(async () => {
    if (prom && prom.exitCode === null) {
      const exited = new Promise((r) => prom!.once('exit', r));
      prom.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (prom.exitCode === null) prom.kill('SIGKILL');
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when the API is scraped, then the instruction, HTTP and broker series are stored', async () => {
    expect(Number(await first('sum(alluse_instructions_total{job="alluse-api",status="filled"})'))).to.be.at.least(1);
    expect(Number(await first('sum(http_requests_total{job="alluse-api",route="/api/v1/starlab_interface/trading/submit_trade_instruction",status="201"})'))).to.be.at.least(1);
    expect(await first('alluse_broker_connected{job="alluse-api"}')).to.equal('1');
    expect(Number(await first('alluse_order_ack_latency_seconds_count{job="alluse-api"}'))).to.be.at.least(1);
    expect(Number(await first('count({job="alluse-api",__name__=~"alluse_.+"})'))).to.be.greaterThan(10);
  });

  it("when the worker's exporter is scraped, then Temporal SDK series are stored", async () => {
    expect(Number(await first('count({job="alluse-worker",__name__=~"temporal_.+"})'))).to.be.greaterThan(3);
  });
});
