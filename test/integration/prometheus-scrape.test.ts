/**
 * A real Prometheus (Debian's `prometheus` binary) scrapes a small Express server that serves
 * metricsText(), with the deployment's own alert rules loaded. Then every dashboard and alert
 * query is sent to it, so a PromQL mistake fails here rather than as a blank panel.
 *
 * Needs `prometheus` on the PATH (`apt-get install -y --no-install-recommends prometheus`);
 * fails, not skips, without it. Loopback only.
 */
import { expect } from 'chai';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import express from 'express';
import { parse } from 'yaml';
import { instructionsTotal, metricsContentType, metricsText } from '../../src/metrics';

const ROOT = path.resolve(__dirname, '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface QueryResult {
  status: string;
  error?: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe('prometheus scrapes the app metrics (real prometheus binary)', function () {
  this.timeout(60_000);
  let app: Server;
  let prom: ChildProcess | undefined;
  let promLog = '';
  let dir: string;
  let promUrl: string;

  const query = async (q: string): Promise<QueryResult> => {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
    return (await res.json()) as QueryResult;
  };

  before(async () => {
    const which = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
    if (which.error) throw new Error('prometheus not on PATH; install it: apt-get install -y --no-install-recommends prometheus');

    instructionsTotal.inc({ source: 'starlab', scheme: 'DIS', status: 'accepted' });
    const server = express();
    server.get('/metrics', async (_req, res) => {
      res.type(metricsContentType).send(await metricsText());
    });
    await new Promise<void>((resolve, reject) => {
      app = server.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve()));
    });
    const appPort = (app.address() as net.AddressInfo).port;

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alluse-prom-'));
    const config = [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: [${JSON.stringify(path.join(ROOT, 'deploy/prometheus/alerts.yml'))}]`,
      'scrape_configs:',
      '  - job_name: alluse-api',
      `    static_configs: [{ targets: ["127.0.0.1:${appPort}"] }]`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);

    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    prom = spawn(
      'prometheus',
      [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prom.stdout?.on('data', (b: Buffer) => (promLog += b.toString()));
    prom.stderr?.on('data', (b: Buffer) => (promLog += b.toString()));

    // Ready, then one successful scrape (scrape interval 1 s).
    const deadline = Date.now() + 40_000;
    for (;;) {
      if (prom.exitCode !== null) throw new Error(`prometheus exited ${prom.exitCode}:\n${promLog}`);
      try {
        const r = await query('up{job="alluse-api"}');
        if (r.data?.result?.[0]?.value[1] === '1') break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`no successful scrape within 40 s:\n${promLog}`);
      await sleep(250);
    }
  });

  after(async () => {
    if (prom && prom.exitCode === null) {
      const exited = new Promise((r) => prom?.once('exit', r));
      prom.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (prom.exitCode === null) prom.kill('SIGKILL');
    }
    await new Promise<void>((r) => (app ? app.close(() => r()) : r()));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when scraped, then up == 1 and the alluse_ series are stored', async () => {
    const up = await query('up{job="alluse-api"}');
    expect(up.data.result[0]?.value[1]).to.equal('1');
    const series = await query('alluse_instructions_total{source="starlab",scheme="DIS",status="accepted"}');
    expect(series.data.result, promLog).to.have.length(1);
    expect(Number(series.data.result[0]?.value[1])).to.be.at.least(1);
    const count = await query('count({__name__=~"alluse_.+"})');
    expect(Number(count.data.result[0]?.value[1])).to.be.greaterThan(5);
  });

  it('when the deployment rules are loaded, then prometheus accepts every alert', async () => {
    const res = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
    const rules = res.data.groups.flatMap((g) => g.rules);
    expect(rules.length).to.be.greaterThan(8);
    for (const r of rules) expect(r.health, r.name).to.not.equal('err');
  });

  it('when every dashboard query is run, then prometheus evaluates it without error', async () => {
    const exprs: string[] = [];
    for (const f of fs.readdirSync(path.join(ROOT, 'deploy/grafana/dashboards'))) {
      const d = JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy/grafana/dashboards', f), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
      for (const p of d.panels) for (const t of p.targets) exprs.push(t.expr);
    }
    const alerts = parse(fs.readFileSync(path.join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { expr: string }[] }[] };
    exprs.push(...alerts.groups.flatMap((g) => g.rules.map((r) => r.expr)));
    expect(exprs.length).to.be.greaterThan(20);
    for (const e of exprs) {
      // Grafana's variables, as Grafana would substitute them
      const q = e.replace(/\$__rate_interval/g, '1m').replace(/\$account/g, '.*');
      const r = await query(q);
      expect(r.status, `${q}: ${r.error ?? ''}`).to.equal('success');
    }
  });
});
