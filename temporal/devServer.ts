/**
 * Runs the Temporal CLI dev server (SQLite file under data/, Web UI) as a child process.
 * WAL + synchronous=normal: 2-3x the throughput of the defaults and nothing lost when a
 * process is killed (PLATFORM.md measurements); only an OS crash can lose the last writes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../src/contracts/searchAttributes';

export interface DevServerOptions {
  cliPath: string;
  dbFile: string;
  port: number;
  uiPort?: number; // undefined = headless (tests)
  metricsPort?: number;
  namespace?: string;
  logFile?: string;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  metricsUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}

/** Waits until the frontend answers GetSystemInfo (the server is ready for clients). */
export async function waitForTemporal(address: string, timeoutMs = 60_000, exited?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const why = exited?.();
    if (why) throw new Error(why);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await conn.workflowService.getSystemInfo({});
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal at ${address} not ready after ${timeoutMs} ms: ${String(last)}`);
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  const args = ['server', 'start-dev', '--db-filename', opts.dbFile, '--ip', '127.0.0.1', '--port', String(opts.port)];
  args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal', '--log-level', 'warn');
  // Every new task on one partition of its task queue (the server's default is four, which spread
  // matching over hosts; the dev server is one). With four, a burst of tasks after a quiet spell
  // landed on partitions no poller was waiting on (the worker autoscales its pollers down) and some
  // sat there ~2 s: a workflow task or an activity task scheduled and not started for 2.0–2.3 s
  // (their histories), which halved about one bench:e2e round in two, of either kind. Reads stay on four,
  // so tasks an older run left on the other partitions of this database are still dispatched.
  args.push('--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1');
  if (opts.uiPort !== undefined) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  if (opts.metricsPort !== undefined) args.push('--metrics-port', String(opts.metricsPort));
  if (opts.namespace && opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);

  const logFd = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'ignore';
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', logFd, logFd], detached: false });
  let exitInfo: string | undefined;
  child.on('exit', (code, signal) => {
    exitInfo = `Temporal dev server exited (code ${code}, signal ${signal})${opts.logFile ? `; see ${opts.logFile}` : ''}`;
  });
  const address = `127.0.0.1:${opts.port}`;
  try {
    await waitForTemporal(address, 60_000, () => exitInfo);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl: opts.uiPort !== undefined ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    metricsUrl: opts.metricsPort !== undefined ? `http://127.0.0.1:${opts.metricsPort}/metrics` : undefined,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => (clearTimeout(timer), resolve()));
        child.kill('SIGTERM');
      }),
  };
}
