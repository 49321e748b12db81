/**
 * `npm run cluster`: the production topology on this machine, every part its own process:
 *   Temporal Server 1.29.1 on PostgreSQL (its own databases, schema by Temporal's SQL tool;
 *   built once from the Go module proxy when missing), namespace + search attributes registered,
 *   the ALL-USE database migrated, the IB simulator, two workers and two APIs on one task queue.
 * Prints where each listens; Ctrl-C stops all. Same services as docker-compose.yml.
 * Env: DATABASE_URL (ALL-USE's database; its server also holds Temporal's), PORT (first API; the
 * second is PORT+1), TEMPORAL_PORT, IB_PORT, IB_SIM_ADMIN_PORT, TEMPORAL_TASK_QUEUE,
 * OPERATOR_TOKEN (default: the local credential's), DATA_DIR (logs, credential).
 * `startCluster` is also what the cluster test and `npm run chaos` use (free ports, own databases).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { disconnectPrisma, getPrisma } from '../src/db/client';
import { migrate } from '../src/db/migrate';
import { ensureLocalCredential, localCredentialUsage } from '../src/localCredential';
import { createLogger } from '../src/logger';
import { ensureReportSchedules } from '../src/reports/schedules';
import { ensureSchedules } from '../src/schedules';
import { connectClient } from '../src/temporalClient';
import { applyTemporalSchema, ensureTemporalServer, pgTargetOf, registerNamespace, startTemporalServer, type TemporalServerProcess } from '../temporal/cluster';
import { freePort, portInUse } from '../temporal/devServer';
import { SEARCH_ATTRIBUTES } from '../src/contracts/searchAttributes';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

const ROOT = path.resolve(__dirname, '..');
/**
 * As `npm run worker` (package.json): a worker also runs the optimiser's trial pool, whose worker
 * threads' parallel GC tasks only contend when every core runs a trial (docs/FEEDBACK.md).
 */
const WORKER_NODE_ARGS = ['--single-threaded-gc'];

export class Proc {
  child!: ChildProcess;
  out = '';
  constructor(
    readonly name: string,
    readonly entry: string,
    readonly env: Record<string, string>,
    readonly logFile: string,
    /** Node's own flags (before the tsx loader) */
    readonly nodeArgs: string[] = [],
  ) {}

  start(): this {
    const log = fs.createWriteStream(this.logFile, { flags: 'a' });
    this.out = '';
    this.child = spawn(process.execPath, [...this.nodeArgs, '--import', 'tsx', this.entry], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env } });
    for (const s of [this.child.stdout, this.child.stderr])
      s?.on('data', (b: Buffer) => {
        log.write(b);
        this.out = (this.out + b.toString()).slice(-20_000);
      });
    this.child.once('exit', () => log.end());
    return this;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL to the process group: no shutdown hook runs (a crash). */
  kill9(): void {
    if (this.alive && this.child.pid) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.alive) return resolve();
      const t = setTimeout(() => this.kill9(), 15_000);
      this.child.once('exit', () => (clearTimeout(t), resolve()));
      this.child.kill('SIGTERM');
    });
  }
}

export interface ClusterOptions {
  databaseUrl: string;
  dataDir: string;
  temporalPort: number;
  apiPorts: [number, number];
  ibPort: number;
  ibAdminPort: number;
  taskQueue: string;
  namespace?: string;
  /** Temporal's own databases (default temporal_alluse, temporal_alluse_visibility). */
  temporalDb?: string;
  operatorToken?: string;
  /** Prometheus ports of the workers: [sdk, app] for each; 0 = off. */
  workerMetricsPorts?: [[number, number], [number, number]];
  /** Starts the Temporal server instead of Temporal Server on PostgreSQL (`npm run chaos -- --server dev`: the dev server). */
  temporalServer?: () => Promise<TemporalServerProcess>;
  /** Extra environment of the workers and APIs (e.g. risk limits of a load run). */
  env?: Record<string, string>;
  /** Aborting it stops whatever was started, also while still starting (a Ctrl-C of `npm run chaos`). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface Cluster {
  temporal: TemporalServerProcess;
  workers: Proc[];
  apis: Proc[];
  simulator: Proc;
  apiUrls: string[];
  simAdminUrl: string;
  apiKey: string;
  credentialFile: string;
  operatorToken: string;
  stop(): Promise<void>;
  /** SIGKILL to every process it started, at once and without waiting (a second Ctrl-C of `npm run chaos`). */
  killNow(): void;
}

async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs: number, proc?: Proc): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn().catch(() => false)) return;
    if (proc && !proc.alive) throw new Error(`${proc.name} exited while waiting for ${what}:\n${proc.out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${proc ? `:\n${proc.out.slice(-3000)}` : ''}`);
}

/** Temporal Server 1.29.1 on its own PostgreSQL databases (schema by Temporal's SQL tool), namespace registered. */
async function startTemporalOnPostgres(o: ClusterOptions, namespace: string, logs: string, log: (l: string) => void): Promise<TemporalServerProcess> {
  const bins = await ensureTemporalServer(log);
  const target = pgTargetOf(o.databaseUrl);
  const tdb = o.temporalDb ?? 'temporal_alluse';
  await applyTemporalSchema(bins.sql, target, tdb, 'temporal', log);
  await applyTemporalSchema(bins.sql, target, `${tdb}_visibility`, 'visibility', log);
  log('starting Temporal Server (PostgreSQL)...');
  const temporal = await startTemporalServer({
    binary: bins.server,
    dir: path.join(o.dataDir, 'temporal-server'),
    target,
    db: tdb,
    visibilityDb: `${tdb}_visibility`,
    port: o.temporalPort,
    logFile: path.join(logs, 'temporal-server.log'),
  });
  await registerNamespace(temporal.address, namespace, log);
  return temporal;
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const namespace = o.namespace ?? 'default';
  const logs = path.join(o.dataDir, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    stops.length = 0;
  };
  o.signal?.addEventListener('abort', () => void stop(), { once: true });
  try {
    const temporal = o.temporalServer ? await o.temporalServer() : await startTemporalOnPostgres(o, namespace, logs, log);
    stops.push(() => temporal.stop());

    log('applying ALL-USE database migrations...');
    await migrate(o.databaseUrl);
    const prisma = getPrisma(o.databaseUrl);
    stops.push(() => disconnectPrisma(prisma)); // its own client only: a test process shares others
    const cred = await ensureLocalCredential(prisma, o.dataDir);
    const operatorToken = o.operatorToken ?? cred.credential.operator_token;
    const cfg = loadConfig({ ...process.env, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: namespace });
    const client = await connectClient(temporal.address, cfg);
    const logger = createLogger('cluster', 'error');
    // The frontend learns new search attributes through a cache: wait until a start carrying all
    // of them is accepted (the APIs' submits carry them), instead of answering 500 for a while.
    await waitUntil(
      'the search attributes to be usable',
      async () => {
        const h = await client.workflow.start('clusterProbe', {
          taskQueue: `${o.taskQueue}-probe`,
          workflowId: `cluster-probe-${Date.now()}`,
          typedSearchAttributes: Object.keys(SEARCH_ATTRIBUTES).map((name) => ({ key: defineSearchAttributeKey(name, SearchAttributeType.KEYWORD), value: 'probe' })),
        });
        await h.terminate('probe');
        return true;
      },
      60_000,
    );
    await ensureSchedules({ client, taskQueue: o.taskQueue, logger });
    await ensureReportSchedules(client, o.taskQueue);
    await client.connection.close();

    const common: Record<string, string> = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: o.taskQueue,
      DATABASE_URL: o.databaseUrl,
      IB_HOST: '127.0.0.1',
      IB_PORT: String(o.ibPort),
      IB_SIMULATOR: 'false',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      OPERATOR_TOKEN: operatorToken,
      AUTH_MODE: 'required',
      ...o.env,
    };
    // The simulator keeps its account in <DATA_DIR>/ib-sim-account.json: the cluster's own, not the checkout's data/.
    const simulator = new Proc(
      'ib-sim',
      'src/ib-sim/main.ts',
      { IB_PORT: String(o.ibPort), IB_SIM_ADMIN_PORT: String(o.ibAdminPort), IB_SIM_CLOCK: 'open', DATA_DIR: o.dataDir },
      path.join(logs, 'ib-sim.log'),
    ).start();
    stops.push(() => simulator.stop());
    await waitUntil('the simulator', () => portInUse(o.ibAdminPort), 30_000, simulator);

    const wm = o.workerMetricsPorts ?? [
      [await freePort(), await freePort()],
      [await freePort(), await freePort()],
    ];
    const workers = [0, 1].map((k) =>
      new Proc(
        `worker-${k + 1}`,
        'src/worker.ts',
        { ...common, IB_CLIENT_ID: String(21 + k), WORKER_METRICS_PORT: String(wm[k]![0]), WORKER_APP_METRICS_PORT: String(wm[k]![1]) },
        path.join(logs, `worker-${k + 1}.log`),
        WORKER_NODE_ARGS,
      ).start(),
    );
    for (const w of workers) stops.push(() => w.stop());
    const apis = o.apiPorts.map((port, k) => new Proc(`api-${k + 1}`, 'src/api/main.ts', { ...common, HOST: '127.0.0.1', PORT: String(port) }, path.join(logs, `api-${k + 1}.log`)).start());
    for (const a of apis) stops.push(() => a.stop());
    const apiUrls = o.apiPorts.map((p) => `http://127.0.0.1:${p}`);
    for (const w of workers) await waitUntil(`${w.name} to poll`, async () => /worker running/.test(w.out), 180_000, w);
    for (const [k, a] of apis.entries()) await waitUntil(`${a.name} to listen`, async () => (await fetch(`${apiUrls[k]}/healthz`)).ok, 120_000, a);
    const killNow = () => {
      for (const p of [...workers, ...apis, simulator]) p.kill9();
      temporal.process.kill('SIGKILL');
    };
    return { temporal, workers, apis, simulator, apiUrls, simAdminUrl: `http://127.0.0.1:${o.ibAdminPort}`, apiKey: cred.credential.api_key, credentialFile: cred.file, operatorToken, stop, killNow };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function main(): Promise<void> {
  const cfg = loadConfig();
  const say = (l: string) => process.stdout.write(`${l}\n`);
  const port = cfg.port;
  for (const p of [cfg.temporalPort, port, port + 1, cfg.ibPort, cfg.ibSimAdminPort])
    if (await portInUse(p)) throw new Error(`port ${p} is taken: stop what uses it or set PORT / TEMPORAL_PORT / IB_PORT / IB_SIM_ADMIN_PORT`);
  const cluster = await startCluster({
    databaseUrl: cfg.databaseUrl,
    dataDir: path.join(cfg.dataDir, 'cluster'),
    temporalPort: cfg.temporalPort,
    apiPorts: [port, port + 1],
    ibPort: cfg.ibPort,
    ibAdminPort: cfg.ibSimAdminPort,
    taskQueue: cfg.temporalTaskQueue,
    namespace: cfg.temporalNamespace,
    ...(cfg.operatorToken ? { operatorToken: cfg.operatorToken } : {}),
    log: (l) => say(`[cluster] ${l}`),
  });
  say('');
  say('ALL-USE cluster is running (every part its own process):');
  say(`  Temporal Server  ${cluster.temporal.address}  (PostgreSQL; metrics ${cluster.temporal.metricsUrl}; pid ${cluster.temporal.process.pid})`);
  for (const [k, u] of cluster.apiUrls.entries()) say(`  API ${k + 1}            ${u}/api/v1/starlab_interface  (pid ${cluster.apis[k]!.child.pid})`);
  for (const w of cluster.workers)
    say(
      `  ${w.name}         task queue ${cfg.temporalTaskQueue}, IB client id ${w.env.IB_CLIENT_ID}, metrics :${w.env.WORKER_METRICS_PORT} :${w.env.WORKER_APP_METRICS_PORT}/readyz  (pid ${w.child.pid})`,
    );
  say(`  IB simulator     127.0.0.1:${cfg.ibPort}  (admin ${cluster.simAdminUrl}; pid ${cluster.simulator.child.pid})`);
  say(`  PostgreSQL       ${new URL(cfg.databaseUrl).host}${new URL(cfg.databaseUrl).pathname} (+ temporal_alluse, temporal_alluse_visibility)`);
  say(`  Logs             ${path.join(cfg.dataDir, 'cluster', 'logs')}`);
  for (const l of localCredentialUsage(cluster.credentialFile, cluster.apiUrls[0]!)) say(l);
  say('Press Ctrl-C to stop.');
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    say('\nstopping APIs, workers, simulator and Temporal Server...');
    void cluster.stop().then(() => (say('stopped cleanly.'), process.exit(0)));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (require.main === module)
  main().catch((err: unknown) => {
    process.stderr.write(`cluster failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  });
