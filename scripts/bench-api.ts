/**
 * `npm run bench:api`: acknowledged STAR-LAB instructions per second through the API (real
 * HTTP, API-key auth, validation, idempotency check, audit) beside bare
 * `client.workflow.start` calls of the same workflow type, same input shape, search
 * attributes and memo, against the same Temporal server in the same run.
 *
 * Both target one task queue that no worker polls: an ack means "durably recorded by
 * Temporal", so this measures the API's cost over the start itself, not how fast workers
 * execute orders (the idle worker of the system polls its own queue). Short rounds alternate
 * API / raw so the server's growing SQLite file, its WAL checkpoints and Go GC pauses weigh on
 * both alike (with 4 long rounds one run's ratio swung 0.85–0.97 on the same code).
 * Env: BENCH_N (per side, default 3200), BENCH_ROUNDS (default 16), BENCH_CONCURRENCY (default 32).
 * Last line of stdout: {"acks_per_s","raw_starts_per_s","ratio","p50_ms","p99_ms"}.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createApp, startServer } from '../src/api/app';
import { createTokenService } from '../src/api/tokens';
import { loadConfig } from '../src/config';
import { allUseOrderId, requestHash } from '../src/contracts/ids';
import type { TradeInstruction } from '../src/contracts/instruction';
import { createApiClient } from '../src/db/apiClients';
import { dropDatabase } from '../src/db/migrate';
import { createLogger } from '../src/logger';
import { startSystem } from '../src/system';
import { freePort } from '../temporal/devServer';
import { SA } from '../src/contracts/searchAttributes';
import { tradeInstruction } from '../workflows/tradeInstruction';
import { INSTRUCTION_INPUT_VERSION, instructionWorkflowId } from '../src/contracts/workflows/tradeInstruction';
import { procCpuSeconds } from './bench/procCpu';

const N = Number(process.env.BENCH_N ?? 3200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 16);
const log = (line: string) => process.stdout.write(`${line}\n`);

const body = (i: number): TradeInstruction => ({
  starlab_strategy_id: `BENCH_${i % 20}`,
  scheme_type: 'DIS',
  symbol: 'AAPL',
  trade_action: 'BUY_TO_OPEN_CALL',
  quantity: 1,
  order_type: 'LIMIT',
  limit_price: 1.25,
  expiration_date: '2030-01-18',
  strike_price: 150,
  time_in_force: 'DAY',
  client_order_id: `bench_${randomUUID()}`,
  account_tag: 'BENCH',
});

/** Runs `n` calls of `fn` with `CONCURRENCY` in flight; returns the per-call latencies (ms) and the wall time. */
async function drive(n: number, fn: (i: number) => Promise<void>): Promise<{ latencies: number[]; seconds: number; cpuMsPerOp: number }> {
  const latencies: number[] = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        await fn(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { latencies, seconds: (performance.now() - t0) / 1000, cpuMsPerOp: (cpu.user + cpu.system) / 1000 / n };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'all-use-bench-'));
  const base = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/all_use_bench_${process.pid}`;
  const config = loadConfig(
    { ...process.env, TEMPORAL_ADDRESS: '' },
    {
      port: 0,
      temporalPort: await freePort(),
      temporalAddress: undefined,
      dataDir: tmp,
      databaseUrl: base.toString(),
      ibPort: 0,
      ibSimAdminPort: 0,
      ibSimulator: true,
      temporalTaskQueue: `bench-worker-${process.pid}`,
      logLevel: 'error',
    },
  );
  const logger = createLogger('bench-api', 'error');
  log('starting system (Temporal dev server, PostgreSQL migrations, simulator, worker)...');
  const sys = await startSystem(config, logger, { headless: true, startApi: false, progress: (l) => log(l) });
  const queue = `bench-noworker-${process.pid}`;
  try {
    const creds = await createApiClient(sys.prisma, { name: 'bench', strategies: ['BENCH_*'], scopes: ['trade'] });
    const app = createApp({
      temporal: sys.client,
      prisma: sys.prisma,
      taskQueue: queue,
      logger,
      auth: { mode: 'required', tokens: createTokenService(undefined, 900), rateLimitPerMinute: 10_000_000 },
    });
    const api = await startServer(app, 0);
    const url = `${api.url}/api/v1/starlab_interface/trading/submit_trade_instruction`;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${creds.api_key}` };
    // node:http with a keep-alive agent: the load generator shares this process's CPU with the
    // API, and fetch (undici) costs several times more CPU per request than http.request.
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const viaApi = (i: number) =>
      new Promise<void>((resolve, reject) => {
        const payload = JSON.stringify(body(i));
        const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(payload) } }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`API answered ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end(payload);
      });
    const raw = async (i: number) => {
      const b = body(i);
      const id = allUseOrderId('bench-raw', b.client_order_id);
      const hash = requestHash(b);
      await sys.client.workflow.start(tradeInstruction, {
        workflowId: instructionWorkflowId(id),
        taskQueue: queue,
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [{ allUseOrderId: id, clientName: 'bench-raw', source: 'STARLAB', requestHash: hash, instruction: b, receivedAt: new Date().toISOString(), inputVersion: INSTRUCTION_INPUT_VERSION }],
        memo: { requestHash: hash, clientName: 'bench-raw' },
        typedSearchAttributes: [
          { key: SA.instructionId, value: id },
          { key: SA.starlabStrategyId, value: b.starlab_strategy_id },
          { key: SA.schemeType, value: b.scheme_type },
          { key: SA.symbol, value: b.symbol },
          { key: SA.source, value: 'STARLAB' },
          { key: SA.clientOrderId, value: b.client_order_id },
        ],
      });
    };
    log('warming up (100 + 100)...');
    await drive(100, viaApi);
    await drive(100, raw);
    const a = { latencies: [] as number[], seconds: 0 };
    const r = { seconds: 0 };
    const roundRatios: number[] = [];
    const per = Math.ceil(N / ROUNDS);
    const tpid = sys.devServer?.process.pid;
    for (let round = 1; round <= ROUNDS; round++) {
      const t0 = procCpuSeconds(tpid);
      const x = await drive(per, viaApi);
      const t1 = procCpuSeconds(tpid);
      a.latencies.push(...x.latencies);
      a.seconds += x.seconds;
      const y = await drive(per, raw);
      const t2 = procCpuSeconds(tpid);
      r.seconds += y.seconds;
      roundRatios.push(y.seconds / x.seconds);
      const srv = (d: number) => ((d * 1000) / per).toFixed(1);
      log(
        `round ${round}/${ROUNDS}: API ${(per / x.seconds).toFixed(0)} acks/s (p50 ${pct(x.latencies, 50).toFixed(1)} ms), raw ${(per / y.seconds).toFixed(0)} starts/s; ` +
          `CPU ms per op: bench process (API + HTTP client) ${x.cpuMsPerOp.toFixed(2)} vs ${y.cpuMsPerOp.toFixed(2)}, Temporal server ${srv(t1 - t0)} vs ${srv(t2 - t1)}`,
      );
    }
    agent.destroy();
    await api.close();
    const acks = (per * ROUNDS) / a.seconds;
    const starts = (per * ROUNDS) / r.seconds;
    const rr = [...roundRatios].sort((p, q) => p - q);
    log(`per-round ratio: min ${rr[0]!.toFixed(2)}, median ${pct(rr, 50).toFixed(2)}, max ${rr.at(-1)!.toFixed(2)}`);
    log(`API: ${per * ROUNDS} acks in ${a.seconds.toFixed(2)} s; raw: ${per * ROUNDS} starts in ${r.seconds.toFixed(2)} s; concurrency ${CONCURRENCY}`);
    log(
      JSON.stringify({
        acks_per_s: Math.round(acks),
        raw_starts_per_s: Math.round(starts),
        ratio: Math.round((acks / starts) * 100) / 100,
        p50_ms: Math.round(pct(a.latencies, 50) * 10) / 10,
        p99_ms: Math.round(pct(a.latencies, 99) * 10) / 10,
      }),
    );
  } finally {
    await sys.stop();
    await dropDatabase(config.databaseUrl).catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-api failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
