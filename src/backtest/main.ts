/**
 * `npm run backtest -- --data <csv> [--out reports/backtest.html]`, or from the market-data store
 * `npm run backtest -- --symbol SPY --from 2000-01-03 --to 2020-04-17` (DATABASE_URL): progress and the assumptions on
 * stderr, the HTML report to --out, and the summary as one JSON object on the LAST stdout line.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { Command } from 'commander';
import { ZodError } from 'zod';
import { CsvError } from './csv';
import { renderReport } from './report';
import { parseRateSeries } from './honest';
import { backtestBars, backtestCsv, type BacktestOutput } from './run';
import { loadConfig } from '../config';
import { storeBars } from './storeBars';

const program = new Command()
  .name('backtest')
  .option('--data <csv>', 'daily bars: date,open,high,low,close[,volume,...]')
  .option('--symbol <symbol>', 'read daily bars of this symbol from the market-data store (DATABASE_URL) instead of a CSV')
  .option('--from <date>', 'with --symbol: first day (YYYY-MM-DD)', '1990-01-01')
  .option('--to <date>', 'with --symbol: last day (YYYY-MM-DD)', '2100-12-31')
  .option('--out <html>', 'report file', 'reports/backtest.html')
  .option('--lump-sum <usd>', 'deposit in dollars', (v) => Math.round(Number(v) * 100))
  .option('--vol-factor <x>', 'implied vol = realised × this', Number)
  .option('--unit-divisor <n>', 'underlying = index / n', Number)
  .option('--protocol-concentration', "the protocol's per-symbol concentration caps (the default)")
  .option('--no-protocol-concentration', 'COMPARISON ONLY: turn the per-symbol concentration caps off (not the protocol)')
  .option('--cash-rate <fraction>', 'annual interest on cash, e.g. 0.01 (default 0.01)', Number)
  .option('--cash-rate-file <csv>', 'rate series: date,rate lines (fraction or percent with %)')
  .option('--weeklies-from <date>', 'weekly expiries from this date, monthly before (default 2010-01-01)')
  .option('--assignment-fee-mills <n>', 'fee per delivered share at assignment, 1/1000 USD (default 5)', Number)
  .option('--assignment-fee-min <usd>', 'minimum fee per assignment in dollars (default 1)', (v) => Math.round(Number(v) * 100))
  .option('--no-progress', 'no progress bar');

async function main(): Promise<void> {
  const opts = program.parse(process.argv).opts<{
    data?: string;
    symbol?: string;
    from: string;
    to: string;
    out: string;
    lumpSum?: number;
    volFactor?: number;
    unitDivisor?: number;
    protocolConcentration?: boolean;
    progress: boolean;
    cashRate?: number;
    cashRateFile?: string;
    weekliesFrom?: string;
    assignmentFeeMills?: number;
    assignmentFeeMin?: number;
  }>();
  if (!opts.data === !opts.symbol) {
    process.stderr.write('backtest: give exactly one of --data <csv> or --symbol <symbol> [--from] [--to]\n');
    process.exitCode = 2;
    return;
  }
  const stored = opts.symbol ? await storeBars(loadConfig().databaseUrl, opts.symbol.toUpperCase(), opts.from, opts.to) : undefined;
  if (stored && stored.bars.length === 0) {
    process.stderr.write(`backtest: no stored daily bars for ${opts.symbol} in ${opts.from}..${opts.to} (backfill with npm run data -- backfill)\n`);
    process.exitCode = 2;
    return;
  }
  const text = opts.data ? readFileSync(opts.data, 'utf8') : '';
  const bar = new SingleBar({ stream: process.stderr, format: 'backtest [{bar}] {value}/{total} weeks' }, Presets.shades_classic);
  let started = false;
  try {
    const input = Object.fromEntries(
      Object.entries({
        lumpSumCents: opts.lumpSum,
        volFactor: opts.volFactor,
        unitDivisor: opts.unitDivisor,
        protocolConcentration: opts.protocolConcentration,
        cashRate: opts.cashRate,
        cashRateSeries: opts.cashRateFile ? parseRateSeries(readFileSync(opts.cashRateFile, 'utf8')) : undefined,
        weekliesFrom: opts.weekliesFrom,
        assignmentFeePerShareMills: opts.assignmentFeeMills,
        assignmentFeeMinCents: opts.assignmentFeeMin,
      }).filter(([, v]) => v !== undefined),
    );
    const onWeek = (i: number, n: number) => {
      if (!opts.progress) return;
      if (!started) bar.start(n, 0);
      started = true;
      bar.update(i);
    };
    const out: BacktestOutput = stored ? backtestBars(stored.bars, input, onWeek, stored.loadMs) : backtestCsv(text, input, onWeek);
    if (started) bar.stop();
    mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
    writeFileSync(opts.out, renderReport(out));
    process.stderr.write(`assumptions:\n${out.assumptions.map((a) => `  - ${a}`).join('\n')}\n`);
    process.stderr.write(`report: ${path.resolve(opts.out)}\n`);
    process.stdout.write(`${JSON.stringify(out.summary)}\n`);
  } catch (e) {
    if (started) bar.stop();
    if (e instanceof CsvError || e instanceof ZodError || (e instanceof Error && e.message.startsWith('rate series'))) {
      process.stderr.write(
        `refused ${e instanceof CsvError ? (opts.data ?? opts.symbol) : 'options'}: ${e instanceof ZodError ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : e.message}\n`,
      );
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}

void main().catch((e: unknown) => {
  process.stderr.write(`backtest: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
