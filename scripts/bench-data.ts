/**
 * `npm run bench:data`: the market-data pipeline's figures, in one run, on a throw-away
 * database (DATABASE_URL's server) and an in-process simulator. Last line: one JSON object.
 *   ingest_ratio      validated ingest (rules + COPY + de-duplicating merge) rows/s ÷ raw COPY
 *                     rows/s of the same rows into the same table (goal ≥ 0.5)
 *   read_ratio        20 years of one symbol's daily bars through the query module ÷ a bare
 *                     SELECT of the same rows (goal ≤ 2)
 *   chain_rate_ratio  option snapshots per second for a chain of N contracts ÷ the rate the
 *                     market-data line limit allows (lines ÷ snapshot time) (goal ≥ 0.8)
 *   pacing_errors     historical pacing (162) and line-limit (101) violations seen by the
 *                     simulator during the run, including a burst of historical requests (goal 0)
 * Beside them: ingest_merge_ratio, the same ratio for rows overlapping stored history (the
 * staging + ON CONFLICT path; the headline ingest_ratio is new history, validated then COPYed).
 * BENCH_SYMBOLS (10), BENCH_YEARS (20), BENCH_ROUNDS (3), BENCH_LINES (8), BENCH_SNAPSHOT_MS (500).
 */
import pg from 'pg';
import { createIbMarketData } from '../activities/broker/ib-marketdata';
import { MarketStore } from '../src/db/marketData';
import { dropDatabase, migrate } from '../src/db/migrate';
import { addDays, isTradingDay } from '../src/domain/calendar';
import type { DailyBarRow } from '../src/domain/marketDataRules';
import { startSimulator } from '../src/ib-sim';
import { createLogger } from '../src/logger';
import { MarketDataQuery } from '../src/marketdata/query';

const env = (k: string, d: number) => Number(process.env[k] ?? d);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** A random walk of trading-day bars (valid: no spikes, no splits), deterministic. */
function series(symbol: string, from: string, to: string, seed: number): DailyBarRow[] {
  const out: DailyBarRow[] = [];
  let c = 10_000 + seed * 100;
  let x = seed + 1;
  for (let d = from; d <= to; d = addDays(d, 1)) {
    if (!isTradingDay(d)) continue;
    x = (x * 1103515245 + 12345) % 2147483648;
    const next = Math.max(100, Math.round(c * (1 + (x / 2147483648 - 0.5) * 0.02)));
    out.push({ symbol, date: d, open: c, high: Math.max(c, next) + 25, low: Math.min(c, next) - 25, close: next, volume: 1_000_000 + (x % 1000) });
    c = next;
  }
  return out;
}

async function main(): Promise<void> {
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const base = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/all_use_bench_data_${process.pid}`;
  const url = base.toString();
  await dropDatabase(url);
  log('migrating a throw-away database...');
  await migrate(url);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const store = new MarketStore(pool);
  const sim = await startSimulator({
    port: 0,
    prices: { SPY: 500, AAPL: 200 },
    history: 'anchored',
    marketDataLimits: {
      lines: env('BENCH_LINES', 8),
      snapshotMs: env('BENCH_SNAPSHOT_MS', 500),
      historicalPerWindow: 10,
      historicalWindowMs: 2_000,
      identicalMs: 500,
      perContract: 3,
      perContractWindowMs: 1_000,
    },
  });
  const md = createIbMarketData({
    host: '127.0.0.1',
    port: sim.port,
    clientId: 77,
    logger: createLogger('bench-data', 'error'),
    limits: { lines: env('BENCH_LINES', 8), historicalPerWindow: 10, historicalWindowMs: 2_000, identicalMs: 500, perContract: 3, perContractWindowMs: 1_000 },
  });
  try {
    // --- ingest: raw COPY vs validated ingest, same rows, same table, alternating rounds
    const symbols = env('BENCH_SYMBOLS', 10);
    const years = env('BENCH_YEARS', 20);
    const from = `${2025 - years}-01-01`;
    const rows = (prefix: string, round: number) => Array.from({ length: symbols }, (_, i) => series(`${prefix}${round}X${i}`, from, '2024-12-31', i)).flat();
    await store.ensurePartitions('md_daily_bar', [from, '2024-12-31', ...Array.from({ length: years }, (_, i) => `${2025 - years + i}-06-01`)]);
    const raw: number[] = [];
    const validated: number[] = [];
    let n = 0;
    for (let round = 0; round < env('BENCH_ROUNDS', 3); round++) {
      const a = rows('RAW', round);
      const b = rows('VAL', round);
      n = a.length;
      let t = performance.now();
      await store.copyBarsRaw(a, 'bench');
      raw.push(performance.now() - t);
      t = performance.now();
      const r = await store.ingestBars(b, 'bench');
      validated.push(performance.now() - t);
      if (r.inserted !== b.length || r.quarantined !== 0) throw new Error(`validated ingest stored ${r.inserted}/${b.length}, quarantined ${r.quarantined}`);
      log(`ingest round ${round + 1}: ${n} rows, raw COPY ${Math.round(raw.at(-1)!)} ms, validated ${Math.round(validated.at(-1)!)} ms`);
    }
    const ingestRatio = median(raw) / median(validated);
    // The other ingest path: rows overlapping stored history (a re-run, a daily top-up) merge
    // through the staging table with ON CONFLICT DO NOTHING. Measured once, reported beside.
    const m = rows('MRG', 0);
    const seeds = m.filter((r, i) => i % 5033 === 100);
    await store.ingestBars(seeds, 'bench');
    const tm = performance.now();
    const mr = await store.ingestBars(m, 'bench');
    const mergeMs = performance.now() - tm;
    if (mr.inserted !== m.length - seeds.length) throw new Error(`merge ingest stored ${mr.inserted}`);
    log(`merge ingest: ${m.length} rows over existing history in ${Math.round(mergeMs)} ms`);

    // --- read: 20 years of one symbol through the query module vs a bare SELECT
    const query = new MarketDataQuery(store, { freshQuoteMs: 60_000, freshChainMs: 900_000 });
    const sym = 'VAL0X0';
    const [qf, qt] = [from, '2024-12-31'];
    const bare: number[] = [];
    const mod: number[] = [];
    let count = 0;
    for (let i = 0; i < 40; i++) {
      let t = performance.now();
      const x = await pool.query('SELECT day, open_c, high_c, low_c, close_c FROM md_daily_bar WHERE symbol = $1 AND day BETWEEN $2 AND $3 ORDER BY day', [sym, qf, qt]);
      bare.push(performance.now() - t);
      t = performance.now();
      const y = await query.storedBars(sym, qf, qt);
      mod.push(performance.now() - t);
      if (x.rows.length !== y.length) throw new Error('read mismatch');
      count = y.length;
    }
    const readRatio = median(mod) / median(bare);
    log(`read: ${count} bars, bare SELECT ${median(bare).toFixed(2)} ms, query module ${median(mod).toFixed(2)} ms`);

    // --- chain snapshot of N contracts under the line limit
    const { expirations } = await md.expirations('SPY');
    const exps = expirations.slice(0, 2);
    const lines = env('BENCH_LINES', 8);
    const snapMs = env('BENCH_SNAPSHOT_MS', 500);
    const t0 = performance.now();
    const quotes = (await Promise.all(exps.flatMap((e) => (['C', 'P'] as const).map((r) => md.optionChain('SPY', e, r, 0, 1e9))))).flat();
    const secs = (performance.now() - t0) / 1000;
    const allowed = lines / (snapMs / 1000);
    const chainRatio = quotes.length / secs / allowed;
    log(`chain: ${quotes.length} contracts in ${secs.toFixed(2)} s = ${(quotes.length / secs).toFixed(1)}/s; the line limit allows ${allowed.toFixed(1)}/s`);

    // --- a burst of historical requests through the pacer (more than the window allows)
    const h0 = performance.now();
    const failed = (
      await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          md.bars(i % 2 ? 'SPY' : 'AAPL', '1 day', `${30 + i} D`, '20241231 23:59:59 US/Eastern').then(
            () => 0,
            (e: { code?: number }) => {
              log(`historical request failed: ${String((e as Error).message)}`);
              return 1;
            },
          ),
        ),
      )
    ).reduce((a: number, b: number) => a + b, 0);
    log(`historical burst: 24 requests in ${((performance.now() - h0) / 1000).toFixed(1)} s, ${failed} failed`);
    const st = sim.pacingStats();
    const out = {
      ingest_ratio: r3(ingestRatio),
      read_ratio: r3(readRatio),
      chain_rate_ratio: r3(chainRatio),
      pacing_errors: st.historical_violations + st.line_violations,
      ingest_rows: n,
      ingest_raw_ms: Math.round(median(raw)),
      ingest_validated_ms: Math.round(median(validated)),
      ingest_merge_ratio: r3(median(raw) / mergeMs),
      read_rows: count,
      read_bare_ms: r3(median(bare)),
      read_query_ms: r3(median(mod)),
      chain_contracts: quotes.length,
      chain_per_s: r3(quotes.length / secs),
      chain_allowed_per_s: r3(allowed),
      max_lines_in_use: st.max_lines_in_use,
      historical_requests: st.historical_requests,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await md.close();
    await sim.close();
    await pool.end();
    await dropDatabase(url).catch(() => undefined);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-data: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
