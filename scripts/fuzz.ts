/**
 * `npm run fuzz -- --requests 100000`: bad input at volume. Generated with fast-check (seeded,
 * reproducible): valid STAR-LAB bodies with one field broken, arbitrary JSON values, bodies that
 * are not JSON, wrong content types, oversized bodies, bad and missing credentials, against the
 * submit, request_data, notify, order_status and cancel endpoints. Every body is checked against
 * the contract's own schema first and only invalid ones are sent (so any workflow started is a bug).
 *
 * Starts its own system (Temporal dev server, a throw-away database, the simulator, worker and
 * API on loopback, like the tests), or targets `--url http://127.0.0.1:PORT --key auk_…`
 * (loopback only). Bounded: `--requests` in total, `--concurrency` in flight (default 32).
 * Last line of stdout, one JSON object:
 *   {"requests","status_2xx","status_4xx","status_5xx","by_status","workflows_started",
 *    "instructions_recorded","rss_start_mb","rss_end_mb","rss_growth_mb","heap_start_mb","heap_end_mb",
 *    "heap_growth_mb","heap_samples_mb","seconds"}
 * Heap figures are measured after a full garbage collection (forced: the script enables `gc`
 * itself), at the start, every 10,000 requests and at the end, so a flat heap reads flat.
 * (memory figures are this process's, which hosts the API when the system is its own).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { isLoopbackHost, loadConfig } from '../src/config';
import { requestDataSchema, strategyNotificationSchema } from '../src/contracts/api';
import { parseTradeInstruction } from '../src/contracts/instruction';
import { createApiClient } from '../src/db/apiClients';
import { dropDatabase } from '../src/db/migrate';
import { createLogger } from '../src/logger';
import { startSystem, type System } from '../src/system';
import { freePort } from '../temporal/devServer';

const log = (line: string) => process.stderr.write(`${line}\n`);

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : fallback;
}

const REQUESTS = Number(arg('requests', '10000'));
const CONCURRENCY = Number(arg('concurrency', '32'));
const SEED = Number(arg('seed', '17'));
if (!(REQUESTS > 0) || !(CONCURRENCY > 0) || REQUESTS > 10_000_000 || CONCURRENCY > 512) {
  process.stderr.write('usage: npm run fuzz -- [--requests N (<= 10,000,000)] [--concurrency C (<= 512)] [--seed S] [--url http://127.0.0.1:PORT --key auk_…]\n');
  process.exit(2);
}

const BASE = '/api/v1/starlab_interface';
const VALID_INSTRUCTION: Record<string, unknown> = {
  starlab_strategy_id: 'FUZZ_DIS_1',
  scheme_type: 'DIS',
  symbol: 'AAPL',
  trade_action: 'BUY_TO_OPEN_CALL',
  quantity: 1,
  order_type: 'LIMIT',
  limit_price: 1.25,
  expiration_date: '2030-01-18',
  strike_price: 150,
  time_in_force: 'DAY',
  client_order_id: 'fuzz_1',
  account_tag: 'FUZZ',
};
const VALID_NOTIFY: Record<string, unknown> = { starlab_strategy_id: 'FUZZ_DIS_1', scheme_type: 'DIS', title: 't', symbols: ['AAPL'] };

/** A value of any JSON-ish shape, nasty strings and numbers included. */
const nasty = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, 1e308, -0, 2 ** 53 + 1, 0.001, 1e-9),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', ' ', '__proto__', 'constructor', '\u0000', '<script>', "' OR 1=1 --", '../../etc/passwd', 'x'.repeat(5000)),
  fc.array(fc.integer(), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.integer(), { maxKeys: 3 }),
);

/** A valid body with one to three fields replaced, removed or added. */
const mutated = (valid: Record<string, unknown>) =>
  fc.tuple(fc.array(fc.tuple(fc.oneof(fc.constantFrom(...Object.keys(valid)), fc.string({ maxLength: 12 })), nasty), { minLength: 1, maxLength: 3 })).map(([changes]) => {
    const b: Record<string, unknown> = { ...valid, client_order_id: `fuzz_${Math.random().toString(36).slice(2)}` };
    for (const [k, v] of changes) {
      if (v === undefined) delete b[k];
      else b[k] = v;
    }
    return b;
  });

interface Req {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  contentType?: string;
  auth: 'good' | 'bad' | 'none';
}

const json = (v: unknown) => JSON.stringify(v) ?? 'null';
/** What the server will parse: the body after its JSON round trip (undefined dropped, NaN → null, __proto__ …). */
const sent = (v: unknown): unknown => JSON.parse(json(v));
const invalidSubmit = mutated(VALID_INSTRUCTION).filter((b) => !parseTradeInstruction(sent(b)).success);
const invalidData = fc
  .oneof(mutated({ data_type: 'QUOTE', symbol: 'AAPL' }), mutated({ data_type: 'POSITIONS', starlab_strategy_id: 'FUZZ_DIS_1' }), fc.dictionary(fc.string(), nasty))
  .filter((b) => !requestDataSchema.safeParse(sent(b)).success);
const invalidNotify = mutated(VALID_NOTIFY).filter((b) => !strategyNotificationSchema.safeParse(sent(b)).success);

const request: fc.Arbitrary<Req> = fc.oneof(
  { weight: 50, arbitrary: invalidSubmit.map((b): Req => ({ method: 'POST', path: `${BASE}/trading/submit_trade_instruction`, body: json(b), auth: 'good' })) },
  {
    weight: 10,
    arbitrary: fc
      .jsonValue()
      .filter((v) => !parseTradeInstruction(sent(v)).success)
      .map((v): Req => ({ method: 'POST', path: `${BASE}/trading/submit_trade_instruction`, body: json(v), auth: 'good' })),
  },
  {
    weight: 5,
    arbitrary: fc
      .string({ maxLength: 200 })
      .filter((s) => {
        try {
          return !parseTradeInstruction(JSON.parse(s)).success;
        } catch {
          return true;
        }
      })
      .map((s): Req => ({ method: 'POST', path: `${BASE}/trading/submit_trade_instruction`, body: s, auth: 'good' })),
  },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x')
      .map((ct): Req => ({ method: 'POST', path: `${BASE}/trading/submit_trade_instruction`, body: 'a=1&b=2', contentType: ct, auth: 'good' })),
  },
  { weight: 2, arbitrary: fc.constant<Req>({ method: 'POST', path: `${BASE}/trading/submit_trade_instruction`, body: json({ ...VALID_INSTRUCTION, pad: 'x'.repeat(70_000) }), auth: 'good' }) },
  { weight: 5, arbitrary: invalidSubmit.map((b): Req => ({ method: 'POST', path: `${BASE}/trading/submit_trade_instruction`, body: json(b), auth: 'bad' })) },
  { weight: 3, arbitrary: invalidSubmit.map((b): Req => ({ method: 'POST', path: `${BASE}/trading/submit_trade_instruction`, body: json(b), auth: 'none' })) },
  { weight: 10, arbitrary: invalidData.map((b): Req => ({ method: 'POST', path: `${BASE}/data_notifications/request_data`, body: json(b), auth: 'good' })) },
  { weight: 5, arbitrary: invalidNotify.map((b): Req => ({ method: 'POST', path: `${BASE}/data_notifications/notify_validated_strategy`, body: json(b), auth: 'good' })) },
  {
    weight: 4,
    arbitrary: fc
      .oneof(
        fc.uuid().map((u) => `au_${u}`),
        fc.string({ maxLength: 60 }),
      )
      .map((id): Req => ({ method: 'GET', path: `${BASE}/trading/order_status/${encodeURIComponent(id)}`, auth: 'good' })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.uuid().map((u) => `au_${u}`),
        fc.string({ maxLength: 60 }),
      )
      .map((id): Req => ({ method: 'POST', path: `${BASE}/trading/cancel_order/${encodeURIComponent(id)}`, auth: 'good' })),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }).map((p): Req => ({ method: 'GET', path: `${BASE}/trading/positions/${encodeURIComponent(p)}`, auth: 'good' })) },
);

const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

/**
 * A full garbage collection, whether or not node was started with --expose-gc (tsx starts it
 * without): the flag can be set at run time and `gc` taken from a fresh context. Memory is
 * measured only after one, so lazy collection is not mistaken for a leak (nor hides one).
 */
v8.setFlagsFromString('--expose-gc');
const fullGc = vm.runInNewContext('gc') as () => void;
/** Heap in use after two full collections (the second picks up what finalizers released). */
const settledHeap = async () => {
  fullGc();
  await new Promise((r) => setImmediate(r));
  fullGc();
  return process.memoryUsage();
};

async function main(): Promise<void> {
  let sys: System | undefined;
  let tmp: string | undefined;
  let dbUrl: string | undefined;
  let url = arg('url');
  let key = arg('key') ?? process.env.ALLUSE_KEY;
  try {
    if (url) {
      if (!isLoopbackHost(new URL(url).hostname.replace(/^\[|\]$/g, ''))) throw new Error(`--url must be a loopback address (got ${url})`);
      if (!key) throw new Error('--url needs --key (or ALLUSE_KEY): a STAR-LAB API key with every scope');
    } else {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'all-use-fuzz-'));
      const db = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
      db.pathname = `/all_use_fuzz_${process.pid}`;
      dbUrl = db.toString();
      const config = loadConfig(
        { ...process.env, TEMPORAL_ADDRESS: '', AUTH_MODE: '' },
        {
          port: 0,
          host: '127.0.0.1',
          temporalPort: await freePort(),
          temporalAddress: undefined,
          dataDir: tmp,
          databaseUrl: dbUrl,
          ibPort: 0,
          ibSimAdminPort: 0,
          ibSimulator: true,
          temporalTaskQueue: `fuzz-${process.pid}`,
          logLevel: 'error',
          workerMetricsPort: 0,
        },
      );
      log('fuzz: starting its own system (Temporal dev server, database, simulator, worker, API on loopback)...');
      sys = await startSystem(config, createLogger('fuzz', 'error'), { headless: true, progress: log, schedules: false });
      const c = await createApiClient(sys.prisma, { name: 'fuzz', strategies: ['*'], scopes: ['trade', 'read', 'data'], rateLimitPerMinute: 100_000_000 });
      url = sys.api!.url;
      key = c.api_key;
    }
    const countWorkflows = async () => (sys ? Number((await sys.client.workflow.count(`TaskQueue = '${sys.config.temporalTaskQueue}' AND WorkflowType = 'tradeInstruction'`)).count) : 0);
    const countInstructions = async () => (sys ? sys.prisma.instruction.count() : 0);
    const wf0 = await countWorkflows();
    const in0 = await countInstructions();

    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const byStatus = new Map<number, number>();
    // Refused credentials are limited to 300 a minute per address (src/api/limits.ts), after which
    // every request from it is a 429: bad and missing credentials stay within 250 a minute.
    let authWindow = { start: Date.now(), bad: 0 };
    const send = (r0: Req) =>
      new Promise<number>((resolve) => {
        let r = r0;
        if (r.auth !== 'good') {
          if (Date.now() - authWindow.start >= 61_000) authWindow = { start: Date.now(), bad: 0 };
          if (authWindow.bad >= 250) r = { ...r, auth: 'good' };
          else authWindow.bad++;
        }
        const headers: Record<string, string | number> = {};
        if (r.auth === 'good') headers.authorization = `Bearer ${key}`;
        else if (r.auth === 'bad') headers.authorization = 'Bearer auk_0123456789abcdef.not-the-right-secret-at-all';
        if (r.body !== undefined) {
          headers['content-type'] = r.contentType ?? 'application/json';
          headers['content-length'] = Buffer.byteLength(r.body);
        }
        const req = http.request(`${url}${r.path}`, { method: r.method, agent, headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
        req.on('error', () => resolve(0)); // a refused/reset connection: counted as status 0
        req.end(r.body);
      });

    // Generated ahead in chunks (seeded): generation is not what is measured.
    const CHUNK = 2000;
    let seedStep = SEED;
    const batch = () => fc.sample(request, { numRuns: CHUNK, seed: seedStep++ });
    // warm-up, then the memory baseline
    for (const r of batch().slice(0, 500)) await send(r);
    const m0 = await settledHeap();
    const heapSamples: number[] = [mb(m0.heapUsed)];
    const t0 = performance.now();
    let sent = 0;
    // Ctrl-C / SIGTERM: stop sending, report what was sent, stop the system cleanly.
    let interrupted = false;
    const interrupt = () => (interrupted = true);
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    let queue: Req[] = [];
    let lastReport = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < REQUESTS && !interrupted) {
          if (!queue.length) queue = batch();
          const r = queue.pop()!;
          sent++;
          const status = await send(r);
          byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
          if (sent - lastReport >= 10_000) {
            lastReport = sent;
            // A full GC every 10,000 requests: the heap that survives it is the trend to watch.
            const m = await settledHeap();
            heapSamples.push(mb(m.heapUsed));
            log(`fuzz: ${sent}/${REQUESTS} sent, rss ${mb(m.rss)} MB, heap after GC ${mb(m.heapUsed)} MB, ${(sent / ((performance.now() - t0) / 1000)).toFixed(0)} req/s`);
          }
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    agent.destroy();
    const m1 = await settledHeap();
    heapSamples.push(mb(m1.heapUsed));
    // Let anything wrongly started reach visibility before counting.
    await new Promise((r) => setTimeout(r, 1500));
    const workflows = (await countWorkflows()) - wf0;
    const instructions = (await countInstructions()) - in0;
    const sum = (pred: (s: number) => boolean) => [...byStatus].filter(([s]) => pred(s)).reduce((t, [, n]) => t + n, 0);
    const out = {
      requests: sent,
      ...(interrupted ? { interrupted: true, requested: REQUESTS } : {}),
      status_2xx: sum((s) => s >= 200 && s < 300),
      status_4xx: sum((s) => s >= 400 && s < 500),
      status_5xx: sum((s) => s >= 500),
      no_answer: sum((s) => s === 0),
      by_status: Object.fromEntries([...byStatus].sort(([a], [b]) => a - b)),
      workflows_started: workflows,
      instructions_recorded: instructions,
      rss_start_mb: mb(m0.rss),
      rss_end_mb: mb(m1.rss),
      rss_growth_mb: mb(m1.rss - m0.rss),
      heap_start_mb: mb(m0.heapUsed),
      heap_end_mb: mb(m1.heapUsed),
      heap_growth_mb: mb(m1.heapUsed - m0.heapUsed),
      heap_samples_mb: heapSamples,
      seconds: Math.round(seconds * 10) / 10,
      requests_per_s: Math.round(sent / seconds),
      seed: SEED,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    if (out.status_5xx > 0 || out.workflows_started > 0 || out.instructions_recorded > 0) process.exitCode = 1;
  } finally {
    await sys?.stop();
    if (dbUrl) await dropDatabase(dbUrl).catch(() => undefined);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`fuzz failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
