/**
 * `npm run bench:cycle`: does the weekly cycle's cost per account family stay flat as families
 * grow? Runs one week of the cycle (weeklyCycleRun → weeklyCycle per family → tripleForkRebalance,
 * plan, and the next week's entry-day orders through tradeInstruction) for 1, 10 and 100 families
 * and reports the cost per family: CPU ms of this process (worker, broker adapter, simulator,
 * database client) and of the Temporal dev server, and wall time.
 *
 * Each size gets its own database, simulator (manual clock, static prices, like the protocol
 * tests: test/integration/_protocolSystem.ts) and worker on its own task queue, on one shared
 * dev server, so the sizes do not see each other's rows. The families are identical: each opens
 * with the same lump sum, so each plans the same orders and walks the same steps. The clock is
 * moved to an entry day once every family waits for it (its progress query says so).
 * A warm-up size of 1 runs first and is not counted (bundling, JIT, connection set-up).
 *
 * Flags: --sizes (1,10,100), --lump-sum dollars per family (1000000).
 * Last line of stdout, one JSON object: {"cost_ratio_10_vs_1","cost_ratio_100_vs_1",
 *   "wall_ratio_10_vs_1","wall_ratio_100_vs_1","sizes":[{families,cpu_ms_per_family,
 *   server_cpu_ms_per_family,wall_ms_per_family,orders_filled,...}],"load_average_1m"}.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { NativeConnection } from '@temporalio/worker';
import { createIbBroker } from '../activities/broker/ib-adapter';
import { loadConfig } from '../src/config';
import { openFamily } from '../src/db/accounts';
import { disconnectPrisma, getPrisma } from '../src/db/client';
import { dropDatabase, migrate } from '../src/db/migrate';
import { DEFAULT_PROTOCOL, withOverrides } from '../src/domain/config';
import { weekOf } from '../src/domain/calendar';
import { startSimulator } from '../src/ib-sim';
import { createLogger } from '../src/logger';
import { startSystem } from '../src/system';
import { createWorker, workflowBundle } from '../src/worker';
import { freePort } from '../temporal/devServer';
import { cycleProgressQuery, weeklyCycleWorkflowId, type WeeklyCycleResult } from '../src/contracts/workflows/weeklyCycle';
import { positionMonitorWorkflowId, stopMonitorSignal } from '../src/contracts/workflows/positionMonitor';
import { procCpuSeconds } from './bench/procCpu';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined && !process.argv[i + 1]!.startsWith('--') ? process.argv[i + 1]! : fallback;
}
const SIZES = arg('sizes', '1,10,100').split(',').map(Number);
const LUMP_SUM_CENTS = Math.round(Number(arg('lump-sum', '1000000')) * 100);
if (SIZES.some((n) => !(Number.isInteger(n) && n > 0 && n <= 1000)) || !(LUMP_SUM_CENTS > 0)) {
  process.stderr.write('usage: npm run bench:cycle -- [--sizes 1,10,100] [--lump-sum 1000000]\n');
  process.exit(2);
}
const log = (line: string) => process.stderr.write(`${line}\n`);
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

/** The protocol tests' settings: one underlying per account and a regime that does not halve sizes on the static-price seam. */
const PROTOCOL = withOverrides(DEFAULT_PROTOCOL, {
  accounts: { GEN: { underlyings: ['TSLA'] }, REV: { underlyings: ['AAPL'] }, COM: { underlyings: ['MSFT'] } },
  regime: { highVolRatio: 10 },
});
/** A Monday free of exchange holidays for four weeks; the week measured closes on its Friday. */
const ANCHOR = DateTime.fromISO('2027-03-01', { zone: 'America/New_York' });
const day = (offset: number): string => ANCHOR.plus({ days: offset }).toISODate()!;
const ny = (d: string, hm: string) => DateTime.fromISO(`${d}T${hm}`, { zone: 'America/New_York' }).toJSDate();
const CLOSE = day(4);
const WEEK = weekOf(CLOSE);

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'all-use-bench-cycle-'));
  const base = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/all_use_bench_cycle_${process.pid}`;
  const config = loadConfig(
    { ...process.env, TEMPORAL_ADDRESS: '', AUTH_MODE: '' },
    {
      port: 0,
      host: '127.0.0.1',
      temporalPort: await freePort(),
      temporalAddress: undefined,
      dataDir: tmp,
      databaseUrl: base.toString(),
      ibPort: 0,
      ibSimAdminPort: 0,
      ibSimulator: true,
      temporalTaskQueue: `bench-cycle-${process.pid}`,
      logLevel: 'error',
      workerMetricsPort: 0,
    },
  );
  const logger = createLogger('bench-cycle', 'error');
  log('bench:cycle: starting the Temporal dev server...');
  const sys = await startSystem(config, logger, { headless: true, startWorker: false, startApi: false, schedules: false, progress: log });
  const bundle = await workflowBundle();
  const serverPid = sys.devServer?.process.pid;

  /** Ends the families' position monitors (a stop signal; terminated when not ended in 30 s). */
  const stopMonitors = async (ids: string[]) => {
    await Promise.all(
      ids.map(async (id) => {
        const mon = sys.client.workflow.getHandle(positionMonitorWorkflowId(id));
        if (
          !(await mon.signal(stopMonitorSignal).then(
            () => true,
            () => false,
          ))
        )
          return; // never started, or already ended
        const ended = await Promise.race([
          mon.result().then(
            () => true,
            () => true,
          ),
          new Promise<boolean>((r) => setTimeout(() => r(false), 30_000)),
        ]);
        if (!ended) await mon.terminate('bench:cycle: size finished').catch(() => undefined);
      }),
    );
  };

  /** One week of the cycle for `families` new families, on a fresh database, simulator and worker. */
  const runSize = async (families: number, label: string) => {
    const dbUrl = new URL(base);
    dbUrl.pathname = `${base.pathname}_${label}`;
    await dropDatabase(dbUrl.toString());
    await migrate(dbUrl.toString());
    const prisma = getPrisma(dbUrl.toString());
    const sim = await startSimulator({
      port: 0,
      clock: 'manual',
      priceModel: 'static',
      startTime: ny(day(0), '10:00').toISOString(),
      startingCash: 10_000_000_000,
      prices: { TSLA: 250, AAPL: 200, MSFT: 400 },
      vols: { TSLA: 0.5, AAPL: 0.3, MSFT: 0.25 },
    });
    const clientId = 40 + SIZES.length + Math.floor(Math.random() * 1000);
    const broker = createIbBroker({ host: '127.0.0.1', port: sim.port, clientId, account: 'DU1234567', logger });
    const taskQueue = `bench-cycle-${process.pid}-${label}`;
    const connection = await NativeConnection.connect({ address: sys.temporalAddress });
    const worker = await createWorker({ connection, namespace: config.temporalNamespace, taskQueue, workflowBundle: bundle, deps: { prisma, broker, logger, protocol: PROTOCOL, clock: sim } });
    const running = worker.run();
    const ids = Array.from({ length: families }, (_, i) => `BC${label}F${String(i).padStart(3, '0')}`);
    try {
      for (const id of ids) await openFamily(prisma, { id, name: id, lumpSumCents: LUMP_SUM_CENTS, protocol: PROTOCOL });
      await broker.connect();
      sim.clock({ to_expiry: true }); // Friday 16:00 of the week measured

      const progress = async (id: string) =>
        (
          await sys.client.workflow
            .getHandle(weeklyCycleWorkflowId(id, WEEK))
            .query(cycleProgressQuery)
            .catch(() => ({ step: 'not started' }))
        ).step;
      /** Every family waits at `step` (or is done): then the clock may move. Asks only those not there yet. */
      const allAt = async (step: string) => {
        const pending = new Set(ids);
        const deadline = Date.now() + 15 * 60_000;
        for (;;) {
          for (const id of [...pending]) if (['done', step].includes(await progress(id))) pending.delete(id);
          if (pending.size === 0) return;
          if (Date.now() > deadline) throw new Error(`${pending.size} of ${families} families not at ${step} after 15 min`);
          await new Promise((r) => setTimeout(r, 250));
        }
      };

      const cpu0 = process.cpuUsage();
      const srv0 = procCpuSeconds(serverPid);
      const t0 = performance.now();
      const handle = await sys.client.workflow.start('weeklyCycleRun', {
        workflowId: `bench-cycle-${label}`,
        taskQueue,
        args: [{ from: CLOSE, to: CLOSE, repriceAfterMs: 1500, marketClock: 'broker' }],
      });
      // The entry days of next week (Monday: Rev and Com, Thursday: Gen, as the protocol test shows).
      for (const entry of [day(7), day(10)]) {
        await allAt(`entry ${entry}`);
        sim.clock({ advance_to: ny(entry, '10:00') });
      }
      const results = (await handle.result()) as WeeklyCycleResult[];
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const serverMs = (procCpuSeconds(serverPid) - srv0) * 1000;
      const placed = results.flatMap((r) => r.placed);
      const out = {
        families,
        cpu_ms_per_family: r1((cpu.user + cpu.system) / 1000 / families),
        server_cpu_ms_per_family: r1(serverMs / families),
        wall_ms_per_family: r1(wallMs / families),
        cycles: results.length,
        orders_planned: results.reduce((s, r) => s + r.planned.length, 0),
        orders_filled: placed.filter((p) => p.status === 'FILLED').length,
      };
      log(`  ${families} famil${families === 1 ? 'y' : 'ies'}: ${JSON.stringify(out)}`);
      if (out.cycles !== families) throw new Error(`${out.cycles} cycles ran for ${families} families`);
      return out;
    } finally {
      // The week's position monitors outlive the cycle by design: end the ones this size started
      // (stop signal, then terminate after 30 s) so they do not keep polling the broker's clock
      // through the later sizes' measurement.
      await stopMonitors(ids);
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
      await broker.marketData?.close();
      await broker.disconnect();
      await sim.close();
      await disconnectPrisma(prisma);
      await dropDatabase(dbUrl.toString()).catch(() => undefined);
    }
  };

  try {
    log('warm-up: 1 family (not counted)...');
    await runSize(1, 'warm');
    const sizes: Awaited<ReturnType<typeof runSize>>[] = [];
    for (const n of SIZES) {
      log(`${n} famil${n === 1 ? 'y' : 'ies'}...`);
      sizes.push(await runSize(n, String(n)));
    }
    const at = (n: number) => sizes.find((s) => s.families === n);
    const ratio = (n: number, k: 'cpu_ms_per_family' | 'wall_ms_per_family') => (at(n) && at(1) ? r2(at(n)![k] / at(1)![k]) : null);
    const out = {
      cost_ratio_10_vs_1: ratio(10, 'cpu_ms_per_family'),
      cost_ratio_100_vs_1: ratio(100, 'cpu_ms_per_family'),
      wall_ratio_10_vs_1: ratio(10, 'wall_ms_per_family'),
      wall_ratio_100_vs_1: ratio(100, 'wall_ms_per_family'),
      sizes,
      load_average_1m: r2(os.loadavg()[0]!),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await sys.stop();
    await dropDatabase(config.databaseUrl).catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-cycle failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
