/**
 * `npm run bench:e2e`: one STAR-LAB instruction from HTTP to FILLED against the bare workflow the
 * goal names (two local activities, one regular, one local; no I/O: scripts/bench/
 * e2eWorkflows.ts), on the same Temporal server, worker and task queue, in the same run:
 *   - latency: one at a time, p50 (the two kinds interleaved, one of each in turn);
 *   - throughput: completions/s with `--concurrency` (50) in flight (rounds alternate kinds, and
 *     which kind goes first: instruction-bare, bare-instruction, ...).
 * "FILLED" is the instruction workflow's completion (its last step records the fill and the
 * commission); the bare one starts through the client directly, the real one through the API
 * (real HTTP, API-key auth, validation, idempotency check).
 * Also counts the messages sent to the broker per instruction: the order session's (every one
 * goes through the adapter's pacing queue) and the market-data session's requests.
 *
 * Temporal: the embedded dev server (default), or an external one when TEMPORAL_ADDRESS is set or
 * `--cluster` is given (TEMPORAL_ADDRESS, default 127.0.0.1:7233: e.g. `npm run cluster`).
 * Flags: --latency-n (60), --n (throughput instructions per kind, 400), --rounds (4), --concurrency (50),
 * --broker-msgs-per-sec (diagnostic: lifts the adapter's and the simulator's message limit, IB's rule
 * of at most 50 messages/s per API session that the adapter keeps under at 45/s; unset, the run
 * keeps IB's rule. Every instruction sends one order message, so its throughput can never pass that
 * limit, whatever the bare workflow reaches: "throughput_ceiling_ratio" is limit / bare throughput,
 * the best "throughput_ratio" the broker's rule leaves on this machine.)
 * Last line of stdout, one JSON object: {"server","latency_ratio","throughput_ratio",
 *   "throughput_ratio_by_round","broker_msgs_per_instruction","latency_p50_ms","bare_latency_p50_ms",
 *   "broker_msgs_per_sec_limit","broker_limit_lifted","throughput_ceiling_ratio",
 *   "throughput_per_s","bare_throughput_per_s",..., "postgres_cpu_ms_per_instruction" (PostgreSQL's
 *   CPU per completion, a local server only: ALL-USE's statements and, on the cluster, Temporal's
 *   persistence, "postgres_temporal_cpu_ms_per_instruction"), "bare_postgres_cpu_ms_per_workflow",
 *   "postgres_commits_per_instruction", "temporal_postgres_commits_per_instruction" (cluster) and the bare one's}.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { bundleWorkflowCode, NativeConnection, type Worker } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { createApiClient } from '../src/db/apiClients';
import { dropDatabase } from '../src/db/migrate';
import { createLogger } from '../src/logger';
import { startSystem } from '../src/system';
import { connectWorkerConnection } from '../src/temporalClient';
import { createWorker, WORKFLOW_INTERCEPTORS } from '../src/worker';
import { freePort } from '../temporal/devServer';
import { instructionWorkflowId } from '../src/contracts/workflows/tradeInstruction';
import type { IbBroker } from '../activities/broker/ib-adapter';
import pg from 'pg';
import { machineCpuSeconds, postgresBetween, procCpuSeconds, readPostgres, type PostgresReading } from './bench/procCpu';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined && !process.argv[i + 1]!.startsWith('--') ? process.argv[i + 1]! : fallback;
}
const CLUSTER = process.argv.includes('--cluster') || !!process.env.TEMPORAL_ADDRESS;
const LATENCY_N = Number(arg('latency-n', '60'));
const N = Number(arg('n', '400'));
const ROUNDS = Number(arg('rounds', '4'));
const CONCURRENCY = Number(arg('concurrency', '50'));
const brokerLimitFlag = arg('broker-msgs-per-sec', '');
const BROKER_MSGS_PER_SEC = brokerLimitFlag ? Number(brokerLimitFlag) : undefined;
if (BROKER_MSGS_PER_SEC !== undefined && !(BROKER_MSGS_PER_SEC > 0)) throw new Error('--broker-msgs-per-sec takes a positive number');
const log = (line: string) => process.stderr.write(`${line}\n`);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

/** Per-activity wall time inside the worker (what the workflow waits for), by activity name. */
const activityMs = new Map<string, number[]>();
/**
 * Per-activity CPU ms of this whole process while the activity ran (process.cpuUsage: Node 20 has
 * no per-thread figure). Meaningful one at a time only, when little else runs: it then shows which
 * step costs the CPU the instruction pays over the bare workflow. So it is read in the latency
 * phase only: at 50 in flight its two getrusage calls per activity cost the instruction's rounds
 * ~1.6 ms of CPU per completion against ~0.9 for the bare ones' (profile, 2026-12-06), a bias of
 * the measurement itself on the very ratio measured.
 */
const activityCpuMs = new Map<string, number[]>();
let measureActivityCpu = true;
function timed<T extends object>(acts: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(acts)) {
    out[name] =
      typeof fn !== 'function'
        ? fn
        : async (...args: unknown[]) => {
            const t = performance.now();
            const c = measureActivityCpu ? process.cpuUsage() : undefined;
            try {
              return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
            } finally {
              let xs = activityMs.get(name);
              if (!xs) activityMs.set(name, (xs = []));
              xs.push(performance.now() - t);
              if (c) {
                const cpu = process.cpuUsage(c);
                let cs = activityCpuMs.get(name);
                if (!cs) activityCpuMs.set(name, (cs = []));
                cs.push((cpu.user + cpu.system) / 1000);
              }
            }
          };
  }
  return out as T;
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'all-use-bench-e2e-'));
  const db = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  db.pathname = `/all_use_bench_e2e_${process.pid}`;
  const temporalAddress = CLUSTER ? (process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233') : undefined;
  const config = loadConfig(
    { ...process.env, TEMPORAL_ADDRESS: temporalAddress ?? '', AUTH_MODE: '' },
    {
      port: 0,
      host: '127.0.0.1',
      temporalPort: await freePort(),
      temporalAddress,
      dataDir: tmp,
      databaseUrl: db.toString(),
      ibPort: 0,
      ibSimAdminPort: 0,
      ibSimulator: true,
      temporalTaskQueue: `bench-e2e-${process.pid}`,
      logLevel: 'error',
      workerMetricsPort: 0,
      starlabSegmentCapitalLimitCents: 100_000_000_000,
      starlabConcentrationLimitCents: 100_000_000_000,
    },
  );
  const logger = createLogger('bench-e2e', 'error');
  log(`bench:e2e on ${CLUSTER ? `the cluster at ${temporalAddress}` : 'the embedded dev server'}: starting the system...`);
  const sys = await startSystem(config, logger, { headless: true, startWorker: false, schedules: false, progress: log, brokerMsgsPerSec: BROKER_MSGS_PER_SEC });
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let connection: NativeConnection | undefined;
  try {
    // Market-data requests (the risk check's quotes): counted at the port.
    const md = sys.broker.marketData!;
    let mdRequests = 0;
    for (const k of ['stockQuote', 'optionQuote', 'optionChain', 'expirations', 'bars'] as const) {
      const f = (md as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[k]!.bind(md);
      (md as unknown as Record<string, unknown>)[k] = (...a: unknown[]) => (mdRequests++, f(...a));
    }
    log('bundling workflows and starting the worker...');
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./bench/e2eWorkflows'),
      workflowInterceptorModules: [require.resolve(WORKFLOW_INTERCEPTORS)],
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn: (m: string) => log(m), error: (m: string) => log(m) },
    });
    connection = await connectWorkerConnection(sys.temporalAddress, config);
    worker = await createWorker({
      connection,
      namespace: config.temporalNamespace,
      taskQueue: config.temporalTaskQueue,
      deps: { prisma: sys.prisma, broker: sys.broker, logger },
      workflowBundle: bundle,
      // The bare ones are timed too: both kinds pay the same measuring overhead (a clock read per activity; two cpuUsage calls while one runs at a time).
      activities: (prod) => timed({ ...prod, bareLocal: async (s: string) => s, bareRegular: async (s: string) => s }),
    });
    running = worker.run();
    await sys.broker.connect();

    const creds = await createApiClient(sys.prisma, { name: 'bench-e2e', strategies: ['E2E_*'], scopes: ['trade', 'read'], rateLimitPerMinute: 100_000_000 });
    const url = `${sys.api!.url}/api/v1/starlab_interface/trading/submit_trade_instruction`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY + 4 });
    let seq = 0;
    const notFilled: string[] = [];
    const errors: string[] = [];
    const body = () => ({
      starlab_strategy_id: `E2E_${seq % 50}`,
      scheme_type: 'DIS',
      symbol: 'AAPL',
      trade_action: 'BUY_STOCK',
      quantity: 1,
      order_type: 'MARKET',
      time_in_force: 'DAY',
      client_order_id: `e2e_${seq++}_${randomUUID()}`,
      account_tag: 'E2E',
    });
    const post = (payload: string) =>
      new Promise<string>((resolve, reject) => {
        const req = http.request(
          url,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${creds.api_key}`, 'content-length': Buffer.byteLength(payload) } },
          (res) => {
            let text = '';
            res.on('data', (b: Buffer) => (text += b.toString()));
            res.on('end', () => (res.statusCode === 201 ? resolve((JSON.parse(text) as { all_use_order_id: string }).all_use_order_id) : reject(new Error(`API answered ${res.statusCode}: ${text}`))));
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    /** Time to the acknowledgement (HTTP 201) and to the bare start's return: where the two paths part. */
    const acks: number[] = [];
    const starts: number[] = [];
    /** HTTP → FILLED: the instruction's workflow result (it ends after recording the fill and commission). */
    const instruction = async (): Promise<number> => {
      const t = performance.now();
      const id = await post(JSON.stringify(body()));
      acks.push(performance.now() - t);
      const state = (await sys.client.workflow.getHandle(instructionWorkflowId(id)).result()) as { status: string; rejectReason: string | null };
      if (state.status !== 'FILLED') {
        notFilled.push(`${state.status}: ${state.rejectReason ?? ''}`);
        if (notFilled.length <= 3) log(`  instruction ${id} ended ${state.status} (${state.rejectReason ?? ''})`);
      }
      return performance.now() - t;
    };
    const bare = async (): Promise<number> => {
      const t = performance.now();
      const id = `bare-${randomUUID()}`;
      const h = await sys.client.workflow.start('bareInstruction', { taskQueue: config.temporalTaskQueue, workflowId: id, args: [id] });
      starts.push(performance.now() - t);
      await h.result();
      return performance.now() - t;
    };
    // PostgreSQL's backends by database: Temporal's persistence (cluster) apart from ALL-USE's statements.
    // Their pids are read in this machine's /proc: only for a server on this machine (else no figure).
    const pgAdmin = new pg.Pool({ connectionString: config.databaseUrl, max: 1, allowExitOnIdle: true });
    pgAdmin.on('error', () => undefined);
    const pgLocal = ['127.0.0.1', 'localhost', '::1', '[::1]', ''].includes(db.hostname);
    const pgRead = (): Promise<PostgresReading> => (pgLocal ? readPostgres((q) => pgAdmin.query(q)) : Promise.resolve({ backends: new Map(), commits: new Map() }));
    const pgBetween = (a: PostgresReading, b: PostgresReading) => {
      let temporal = 0;
      let temporalCommits = 0;
      const by = postgresBetween(a, b);
      for (const [name, v] of by) {
        if (!name.startsWith('temporal')) continue;
        temporal += v.cpuS;
        temporalCommits += v.commits;
      }
      const ours = by.get(db.pathname.slice(1));
      return { ours: ours?.cpuS ?? 0, temporal, oursCommits: ours?.commits ?? 0, temporalCommits };
    };
    const drive = async (n: number, fn: () => Promise<number>) => {
      const lat: number[] = [];
      let next = 0;
      const pg0 = await pgRead();
      const cpu0 = process.cpuUsage();
      const srv0 = procCpuSeconds(sys.devServer?.process.pid);
      const all0 = machineCpuSeconds();
      // This process's event loop: a round whose few slowest completions stall for seconds is
      // either blocked here (API, worker, simulator share the loop) or waiting on another process.
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < n) {
            next++;
            try {
              lat.push(await fn());
            } catch (err) {
              // Counted and reported, not fatal: one failed call must not abort the run.
              errors.push((err as Error).message);
              if (errors.length <= 3) log(`  call failed: ${(err as Error).message}`);
            }
          }
        }),
      );
      loop.disable();
      const cpu = process.cpuUsage(cpu0);
      const pg = pgBetween(pg0, await pgRead());
      return {
        pgOursMs: (pg.ours * 1000) / n,
        pgTemporalMs: (pg.temporal * 1000) / n,
        commitsOurs: pg.oursCommits / n,
        commitsTemporal: pg.temporalCommits / n,
        perS: n / ((performance.now() - t0) / 1000),
        loopMaxMs: loop.max / 1e6,
        lat,
        cpuMs: (cpu.user + cpu.system) / 1000 / n,
        serverCpuMs: ((procCpuSeconds(sys.devServer?.process.pid) - srv0) * 1000) / n,
        machineCpuMs: ((machineCpuSeconds() - all0) * 1000) / n,
      };
    };

    // Warm-up, not measured: one at a time, then one burst of each kind at full concurrency. The
    // burst opens the pools' connections (PostgreSQL forks a backend for each: only the instruction
    // uses them) and compiles the concurrent paths; without it round 1, instructions first, paid
    // for that alone and ran ~25 % below rounds 2–4 (measured 2026-12-06).
    log(`warming up (5 of each one at a time, then ${CONCURRENCY} of each at ${CONCURRENCY} in flight)...`);
    for (let i = 0; i < 5; i++) {
      await instruction();
      await bare();
    }
    await drive(CONCURRENCY, instruction);
    await drive(CONCURRENCY, bare);
    activityMs.clear();
    activityCpuMs.clear();
    const stats0 = (sys.broker as IbBroker).stats();
    const md0 = mdRequests;
    log(`latency: ${LATENCY_N} of each, one at a time, interleaved...`);
    acks.length = starts.length = 0;
    const lat = { sys: [] as number[], bare: [] as number[] };
    for (let i = 0; i < LATENCY_N; i++) {
      lat.sys.push(await instruction());
      lat.bare.push(await bare());
    }
    log(`  instruction p50 ${r1(pct(lat.sys, 50))} ms (p90 ${r1(pct(lat.sys, 90))}), bare p50 ${r1(pct(lat.bare, 50))} ms (p90 ${r1(pct(lat.bare, 90))})`);
    const ackP50 = pct(acks, 50);
    const startP50 = pct(starts, 50);
    log(`  of which: the API's acknowledgement (HTTP 201) p50 ${r1(ackP50)} ms, the bare start's return p50 ${r1(startP50)} ms`);
    const latencyActivities = new Map([...activityMs].map(([k, v]) => [k, [...v]]));
    const latencyCpu = new Map([...activityCpuMs].map(([k, v]) => [k, [...v]]));
    activityMs.clear();
    activityCpuMs.clear();
    measureActivityCpu = false;

    log(`throughput: ${N} of each at ${CONCURRENCY} in flight, ${ROUNDS} alternating rounds...`);
    const per = Math.ceil(N / ROUNDS);
    let sysS = 0;
    let bareS = 0;
    const sysLat: number[] = [];
    let cpuSys = 0;
    let cpuBare = 0;
    let allSys = 0;
    let allBare = 0;
    // PostgreSQL's figures per completion, averaged over the rounds, for each kind alike.
    const pgSys = { ours: 0, temporal: 0, commitsOurs: 0, commitsTemporal: 0 };
    const pgBare = { ours: 0, temporal: 0, commitsOurs: 0, commitsTemporal: 0 };
    const addPg = (acc: typeof pgSys, r: { pgOursMs: number; pgTemporalMs: number; commitsOurs: number; commitsTemporal: number }) => {
      acc.ours += r.pgOursMs / ROUNDS;
      acc.temporal += r.pgTemporalMs / ROUNDS;
      acc.commitsOurs += r.commitsOurs / ROUNDS;
      acc.commitsTemporal += r.commitsTemporal / ROUNDS;
    };
    /** Each round's instructions/s over bare/s: how far one round's figure wanders (the ratio above is over all rounds' time). */
    const roundRatios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Which kind goes first alternates (instructions first in odd rounds, bare in even ones): a run
      // gets cheaper as it warms (JIT, caches; round 1 measured ~30 % dearer than round 4 for both
      // kinds), and the kind always run first would always pay more of it.
      const b0 = round % 2 === 0 ? await drive(per, bare) : undefined;
      const a = await drive(per, instruction);
      const b = b0 ?? (await drive(per, bare));
      roundRatios.push(r2(a.perS / b.perS));
      sysS += per / a.perS;
      bareS += per / b.perS;
      sysLat.push(...a.lat);
      cpuSys += a.cpuMs / ROUNDS;
      cpuBare += b.cpuMs / ROUNDS;
      allSys += a.machineCpuMs / ROUNDS;
      allBare += b.machineCpuMs / ROUNDS;
      addPg(pgSys, a);
      addPg(pgBare, b);
      log(
        `  round ${round}/${ROUNDS}: instructions ${a.perS.toFixed(1)}/s (p50 ${r1(pct(a.lat, 50))} ms, max ${r1(Math.max(...a.lat))}), bare ${b.perS.toFixed(1)}/s (p50 ${r1(pct(b.lat, 50))} ms, max ${r1(Math.max(...b.lat))}); ` +
          `this process's longest event-loop delay ${r1(a.loopMaxMs)} vs ${r1(b.loopMaxMs)} ms; ` +
          `CPU ms per completion: this process (API, worker, simulator, client) ${r1(a.cpuMs)} vs ${r1(b.cpuMs)}${sys.devServer ? `, Temporal server ${r1(a.serverCpuMs)} vs ${r1(b.serverCpuMs)}` : ''}, ` +
          `the machine (every process: Temporal, PostgreSQL, this one) ${r1(a.machineCpuMs)} vs ${r1(b.machineCpuMs)}; ` +
          `PostgreSQL for ALL-USE's statements ${r1(a.pgOursMs)} vs ${r1(b.pgOursMs)} (commits ${r1(a.commitsOurs)}), for Temporal's persistence ${r1(a.pgTemporalMs)} vs ${r1(b.pgTemporalMs)} (commits ${r1(a.commitsTemporal)} vs ${r1(b.commitsTemporal)})`,
      );
    }
    const stats1 = (sys.broker as IbBroker).stats();
    const instructions = LATENCY_N + per * ROUNDS;
    const orderMsgs = (stats1.msgsSent - stats0.msgsSent) / instructions;
    const mdMsgs = (mdRequests - md0) / instructions;
    const describe = (m: Map<string, number[]>) =>
      [...m]
        .filter(([k]) => !k.startsWith('bare'))
        .map(([k, v]) => `${k} ×${r2(v.length / (m === latencyActivities ? LATENCY_N : per * ROUNDS))} p50 ${r1(pct(v, 50))} ms p90 ${r1(pct(v, 90))} ms`)
        .join('; ');
    log(`activities one at a time (per instruction): ${describe(latencyActivities)}`);
    log(
      `activities' process CPU one at a time (p50): ${[...latencyCpu]
        .filter(([k]) => !k.startsWith('bare'))
        .map(([k, v]) => `${k} ${r1(pct(v, 50))} ms`)
        .join('; ')}`,
    );
    log(`activities at ${CONCURRENCY} in flight: ${describe(activityMs)}`);
    log(`broker: ${r2(orderMsgs)} order-session messages and ${r2(mdMsgs)} market-data requests per instruction; pacing errors ${stats1.pacingErrors - stats0.pacingErrors}`);
    const sysTp = (per * ROUNDS) / sysS;
    const bareTp = (per * ROUNDS) / bareS;
    // The broker's rule caps instructions/s at limit / messages per instruction, whatever else is free.
    const ceilingPerS = stats1.limitMsgsPerSec / Math.max(1, orderMsgs);
    log(
      `broker message limit ${stats1.limitMsgsPerSec}/s${BROKER_MSGS_PER_SEC ? " (lifted by --broker-msgs-per-sec: not IB's rule)" : ' (IB allows 50/s per API session)'}: ` +
        `at most ${r1(ceilingPerS)} instructions/s, ${r2(ceilingPerS / bareTp)} of the bare workflow's rate here`,
    );
    agent.destroy();
    await pgAdmin.end();
    const out = {
      server: CLUSTER ? `cluster ${temporalAddress}` : 'dev-server',
      latency_ratio: r2(pct(lat.sys, 50) / pct(lat.bare, 50)),
      throughput_ratio: r2(sysTp / bareTp),
      throughput_ratio_by_round: roundRatios,
      broker_msgs_per_instruction: r2(orderMsgs + mdMsgs),
      broker_msgs_per_sec_limit: stats1.limitMsgsPerSec,
      broker_limit_lifted: BROKER_MSGS_PER_SEC !== undefined,
      throughput_ceiling_ratio: r2(ceilingPerS / bareTp),
      latency_p50_ms: r1(pct(lat.sys, 50)),
      ack_p50_ms: r1(ackP50),
      bare_start_p50_ms: r1(startP50),
      bare_latency_p50_ms: r1(pct(lat.bare, 50)),
      throughput_per_s: r1(sysTp),
      bare_throughput_per_s: r1(bareTp),
      order_msgs_per_instruction: r2(orderMsgs),
      market_data_requests_per_instruction: r2(mdMsgs),
      in_flight_p50_ms: r1(pct(sysLat, 50)),
      concurrency: CONCURRENCY,
      instructions,
      not_filled: notFilled.length,
      errors: errors.length,
      cpu_ms_per_instruction: r1(cpuSys),
      bare_cpu_ms_per_workflow: r1(cpuBare),
      machine_cpu_ms_per_instruction: r1(allSys),
      bare_machine_cpu_ms_per_workflow: r1(allBare),
      postgres_cpu_ms_per_instruction: r1(pgSys.ours + pgSys.temporal),
      postgres_temporal_cpu_ms_per_instruction: r1(pgSys.temporal),
      bare_postgres_cpu_ms_per_workflow: r1(pgBare.ours + pgBare.temporal),
      postgres_commits_per_instruction: r1(pgSys.commitsOurs),
      temporal_postgres_commits_per_instruction: r1(pgSys.commitsTemporal),
      bare_temporal_postgres_commits_per_workflow: r1(pgBare.commitsTemporal),
      load_average_1m: r2(os.loadavg()[0]!),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    worker?.shutdown();
    await running?.catch(() => undefined);
    await connection?.close();
    await sys.stop();
    await dropDatabase(config.databaseUrl).catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-e2e failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
