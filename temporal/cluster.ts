/**
 * The production topology on one machine (`npm run cluster`, scripts/cluster.ts): Temporal
 * Server 1.29.1 (the production build, not the dev server) on its own PostgreSQL databases with
 * the schema applied by Temporal's own SQL tool, two workers and two API processes on one task
 * queue (src/worker.ts, src/api/main.ts as separate processes), and the IB simulator as its own
 * process. docker-compose.yml has the same services.
 *
 * The server binaries are built once from the Go module proxy when missing (PLATFORM.md):
 *   GOBIN=~/.cache/all-use/temporal-server/v1.29.1 go install -ldflags="-s -w" \
 *     go.temporal.io/server/cmd/server@v1.29.1 go.temporal.io/server/cmd/tools/sql@v1.29.1
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { defaultCacheDir } from '../src/config';
import { ensureTemporalCli } from './cli';
import { freePort, waitForTemporal } from './devServer';
import { SEARCH_ATTRIBUTES } from '../src/contracts/searchAttributes';

const run = promisify(execFile);
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const ROOT = path.resolve(__dirname, '..');

export const serverDir = (cacheDir = defaultCacheDir()) => path.join(cacheDir, 'temporal-server', TEMPORAL_SERVER_VERSION);
export const serverBinary = () => path.join(serverDir(), 'server');
export const sqlToolBinary = () => path.join(serverDir(), 'sql');

/** The server and SQL tool binaries, built with `go install` when missing (~15 s with a warm Go cache). */
export async function ensureTemporalServer(log: (l: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<{ server: string; sql: string }> {
  const server = serverBinary();
  const sql = sqlToolBinary();
  if (fs.existsSync(server) && fs.existsSync(sql)) return { server, sql };
  if (spawnSync('go', ['version']).error) throw new Error('Temporal Server is not built and Go is not installed: install Go, or build it elsewhere into ' + serverDir());
  fs.mkdirSync(serverDir(), { recursive: true });
  log(`building Temporal Server ${TEMPORAL_SERVER_VERSION} and its SQL tool into ${serverDir()} (once; ~15 s with a warm Go cache, ~4 min cold)...`);
  await run('go', ['install', '-ldflags=-s -w', `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`, `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`], {
    env: { ...process.env, GOBIN: serverDir() },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { server, sql };
}

/** Temporal's schema directory in the Go module cache (filled by the build). */
async function schemaDir(): Promise<string> {
  const { stdout } = await run('go', ['env', 'GOMODCACHE']).catch(() => ({ stdout: path.join(process.env.HOME ?? '/root', 'go', 'pkg', 'mod') }));
  const dir = path.join(stdout.trim(), 'go.temporal.io', `server@${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12');
  if (!fs.existsSync(dir)) throw new Error(`Temporal's schema files are not in the Go module cache (${dir}): run the build once (go install …/cmd/tools/sql@${TEMPORAL_SERVER_VERSION})`);
  return dir;
}

export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password?: string;
}

export const pgTargetOf = (databaseUrl: string): PgTarget => {
  const u = new URL(databaseUrl);
  return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username || 'postgres'), ...(u.password ? { password: decodeURIComponent(u.password) } : {}) };
};

/** Creates the database when missing and applies Temporal's versioned schema with its own SQL tool. */
export async function applyTemporalSchema(sqlTool: string, target: PgTarget, db: string, kind: 'temporal' | 'visibility', log: (l: string) => void): Promise<void> {
  const base = ['--plugin', 'postgres12', '--ep', target.host, '-p', String(target.port), '-u', target.user, ...(target.password ? ['--pw', target.password] : []), '--db', db];
  const admin = new pg.Client({ host: target.host, port: target.port, user: target.user, password: target.password, database: 'postgres' });
  await admin.connect();
  let fresh: boolean;
  try {
    fresh = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).rowCount === 0;
  } finally {
    await admin.end();
  }
  if (fresh) {
    log(`creating database ${db} and Temporal's ${kind} schema (Temporal's sql tool)...`);
    await run(sqlTool, [...base, 'create-database']);
    await run(sqlTool, [...base, 'setup-schema', '-v', '0.0']);
  }
  await run(sqlTool, [...base, 'update-schema', '-d', path.join(await schemaDir(), kind, 'versioned')]);
}

/** A free port below 32768 (Temporal stores membership ports as smallint: a higher one is fatal at start). */
async function lowPort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(p, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return p;
  }
  throw new Error('no free port below 32768');
}

export interface TemporalServerProcess {
  address: string;
  metricsUrl: string;
  process: ChildProcess;
  /** Starts it again after a crash (same databases, same ports). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Writes the server's configuration (development-postgres12 with our ports and databases, and
 * the project's dynamic config) under `dir` and starts it; resolves once the frontend answers.
 */
export async function startTemporalServer(o: { binary: string; dir: string; target: PgTarget; db: string; visibilityDb: string; port: number; logFile: string }): Promise<TemporalServerProcess> {
  // Membership ports are stored in a smallint column (cluster_membership.rpc_port): below 32768.
  const ports = {
    http: await freePort(),
    fm: await lowPort(),
    hg: await freePort(),
    hm: await lowPort(),
    mg: await freePort(),
    mm: await lowPort(),
    wg: await freePort(),
    wm: await lowPort(),
    metrics: await freePort(),
    pprof: await freePort(),
  };
  const cfgDir = path.join(o.dir, 'config');
  fs.mkdirSync(path.join(cfgDir, 'dynamicconfig'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml'), path.join(cfgDir, 'dynamicconfig', 'all-use.yaml'));
  const store = (db: string, conns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: "${db}"
        connectAddr: "${o.target.host}:${o.target.port}"
        connectProtocol: "tcp"
        user: ${JSON.stringify(o.target.user)}
        password: ${JSON.stringify(o.target.password ?? '')}
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: "1h"`;
  const svc = (grpc: number, membership: number, extra = '') => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${extra}`;
  fs.writeFileSync(
    path.join(cfgDir, 'all-use.yaml'),
    `# Written by temporal/cluster.ts: Temporal Server on PostgreSQL for ALL-USE (loopback only).
log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
${store(o.db, 20)}
    postgres-visibility:
${store(o.visibilityDb, 4)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  pprof:
    port: ${ports.pprof}
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${ports.metrics}"
services:
  frontend:
${svc(o.port, ports.fm, `\n      httpPort: ${ports.http}`)}
  matching:
${svc(ports.mg, ports.mm)}
  history:
${svc(ports.hg, ports.hm)}
  worker:
${svc(ports.wg, ports.wm)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${o.port}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${path.join(cfgDir, 'dynamicconfig', 'all-use.yaml')}"
  pollInterval: "10s"
`,
  );
  const address = `127.0.0.1:${o.port}`;
  const handle: TemporalServerProcess = {
    address,
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    process: undefined as unknown as ChildProcess,
    async restart() {
      const fd = fs.openSync(o.logFile, 'a');
      const child = spawn(o.binary, ['--root', o.dir, '--config', 'config', '--env', 'all-use', '--allow-no-auth', 'start'], { stdio: ['ignore', fd, fd] });
      fs.closeSync(fd);
      handle.process = child;
      let exitInfo: string | undefined;
      child.on('exit', (code, signal) => {
        const tail = fs.existsSync(o.logFile) ? fs.readFileSync(o.logFile, 'utf8').slice(-1500) : '';
        exitInfo = `Temporal Server exited (code ${code}, signal ${signal}); see ${o.logFile}:\n${tail}`;
      });
      await waitForTemporal(address, 120_000, () => exitInfo);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        const child = handle.process;
        if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => (clearTimeout(t), resolve()));
        child.kill('SIGTERM');
      }),
  };
  await handle.restart();
  return handle;
}

/** Registers the namespace (retention 3 days) and ALL-USE's search attributes with the Temporal CLI; idempotent. */
export async function registerNamespace(address: string, namespace: string, log: (l: string) => void): Promise<void> {
  const cli = await ensureTemporalCli(undefined, log);
  const t = (...args: string[]) => run(cli, [...args, '--address', address], { maxBuffer: 8 * 1024 * 1024 });
  const list = await t('operator', 'namespace', 'list').catch(() => ({ stdout: '' }));
  if (!new RegExp(`Name\\s+${namespace}\\b`).test(list.stdout))
    await t('operator', 'namespace', 'create', '--namespace', namespace, '--retention', '72h').catch((err: Error) => {
      if (!/already/i.test(err.message)) throw err;
    });
  // A new namespace reaches the frontend's cache within seconds: retry until it answers.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const have = (await t('operator', 'search-attribute', 'list', '--namespace', namespace)).stdout;
      for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES))
        if (!new RegExp(`\\b${name}\\b`).test(have)) await t('operator', 'search-attribute', 'create', '--namespace', namespace, '--name', name, '--type', type);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
