/**
 * A Temporal worker as a separate OS process, for crash tests: spawn, wait until it polls,
 * SIGKILL it (no shutdown hooks run: exactly what a crash leaves behind).
 *
 * Two entries:
 * - `src/worker.ts`, the production standalone worker (`npm run worker`);
 * - this file run as a script: the same worker, plus a test hook. With CRASH_HOLD_AFTER_PLACE=1
 *   the placeOrder activity never returns once the broker has the order: the process then sits
 *   between "order sent" and "result recorded", where the test kills it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
export const PRODUCTION_WORKER = path.join(ROOT, 'src', 'worker.ts');
export const HOOKED_WORKER = __filename;

/** Printed by the hooked worker once the held order is at the broker. */
export const HELD_MARK = 'CRASH_TEST_HELD';
/** Printed by both entries once the worker polls its task queue. */
const READY = /worker running|CRASH_TEST_READY/;

export interface WorkerEnv {
  temporalAddress: string;
  databaseUrl: string;
  ibPort: number;
  ibClientId: number;
  taskQueue: string;
  /** Where stdout/stderr go (appended), for a post-mortem when a test fails. */
  logFile: string;
  hold?: boolean;
}

export class WorkerProcess {
  private out = '';
  private exited: Promise<number | null>;
  private constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ? null : code)));
  }

  /**
   * Starts `entry` as `node --import tsx <entry>`: one process (`npx tsx` would put npx and tsx's
   * own runner in front, and a SIGKILL must hit the worker itself); `--import` rather than
   * `-r tsx/cjs` because src/worker.ts loads its parts with dynamic import().
   */
  static start(entry: string, env: WorkerEnv): WorkerProcess {
    const log = fs.createWriteStream(env.logFile, { flags: 'a' });
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: ROOT,
      detached: true, // own process group: the kill reaches anything it might spawn
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.temporalAddress,
        DATABASE_URL: env.databaseUrl,
        IB_HOST: '127.0.0.1',
        IB_PORT: String(env.ibPort),
        IB_CLIENT_ID: String(env.ibClientId),
        TEMPORAL_TASK_QUEUE: env.taskQueue,
        WORKER_METRICS_PORT: '0',
        WORKER_APP_METRICS_PORT: '0',
        LOG_LEVEL: 'info',
        CRASH_HOLD_AFTER_PLACE: env.hold ? '1' : '',
        // The shared test broker holds every test's positions, which this database's books do not
        // all know: a start-up reconciliation would set reduce-only under the other tests (as the
        // shared system's own worker does not, _system.ts). The books tests reconcile on purpose.
        RECONCILE_ON_CONNECT: 'false',
      },
    });
    const w = new WorkerProcess(child, `${path.basename(entry)}#${child.pid}`);
    log.write(`\n===== ${new Date().toISOString()} start ${w.name} hold=${!!env.hold}\n`);
    const take = (b: Buffer) => {
      w.out += b.toString();
      log.write(b);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    void w.exited.then((code) => log.end(`===== ${new Date().toISOString()} exit ${w.name} code=${code}\n`));
    return w;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get output(): string {
    return this.out;
  }

  /** Resolves when `re` appears in the output; rejects if the process exits first or on timeout. */
  async waitFor(re: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let gone = false;
    void this.exited.then(() => (gone = true));
    while (!re.test(this.out)) {
      if (gone) throw new Error(`${this.name} exited before printing ${re}:\n${this.out.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not print ${re} within ${timeoutMs} ms:\n${this.out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  ready(timeoutMs = 60_000): Promise<void> {
    return this.waitFor(READY, timeoutMs);
  }

  /** SIGKILL to the process group; resolves once the process is gone (its sockets closed). */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(-this.child.pid!, 'SIGKILL');
      } catch {
        this.child.kill('SIGKILL');
      }
    }
    await this.exited;
  }

  /** Graceful stop (SIGTERM), then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => void this.kill(), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}

/** The hooked worker: src/worker.ts's wiring with a placeOrder that holds after sending. */
async function main(): Promise<void> {
  const { loadConfig, riskSettingsOf } = await import('../../src/config');
  const { createLogger } = await import('../../src/logger');
  const { createIbBroker } = await import('../../activities/broker/ib-adapter');
  const { getPrisma } = await import('../../src/db/client');
  const { connectWorkerConnection } = await import('../../src/temporalClient');
  const { createWorker } = await import('../../src/worker');
  const config = loadConfig();
  const logger = createLogger('crash-test-worker', config.logLevel);
  if (!config.temporalAddress) throw new Error('TEMPORAL_ADDRESS is required');
  const real = createIbBroker({ host: config.ibHost, port: config.ibPort, clientId: config.ibClientId, account: config.ibAccount, logger });
  const broker =
    process.env.CRASH_HOLD_AFTER_PLACE === '1'
      ? {
          ...real,
          async placeOrder(req: Parameters<typeof real.placeOrder>[0]) {
            const s = await real.placeOrder(req);
            process.stdout.write(`${HELD_MARK} ${req.orderRef} ${s.status}\n`);
            return new Promise<never>(() => undefined); // the result is never reported
          },
        }
      : real;
  const connection = await connectWorkerConnection(config.temporalAddress, config);
  const worker = await createWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.temporalTaskQueue,
    deps: { prisma: getPrisma(config.databaseUrl), broker, logger, risk: riskSettingsOf(config) },
  });
  const running = worker.run();
  process.stdout.write(`CRASH_TEST_READY ${config.temporalTaskQueue}\n`);
  await running;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`crash-test worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
