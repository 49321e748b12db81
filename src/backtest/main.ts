/**
 * `npm run backtest -- --data <csv> [--out reports/backtest.html]`: progress on stderr, the HTML
 * report to --out, and the summary as one JSON object on the LAST stdout line.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { Command } from 'commander';
import { CsvError } from './csv';
import { renderReport } from './report';
import { backtestCsv } from './run';

const program = new Command()
  .name('backtest')
  .requiredOption('--data <csv>', 'daily bars: date,open,high,low,close[,volume,...]')
  .option('--out <html>', 'report file', 'reports/backtest.html')
  .option('--lump-sum <usd>', 'deposit in dollars', (v) => Math.round(Number(v) * 100))
  .option('--vol-factor <x>', 'implied vol = realised × this', Number)
  .option('--unit-divisor <n>', 'underlying = index / n', Number)
  .option('--protocol-concentration', 'keep the 10 %/20 % per-symbol limits')
  .option('--no-progress', 'no progress bar');

function main(): void {
  const opts = program.parse(process.argv).opts<{ data: string; out: string; lumpSum?: number; volFactor?: number; unitDivisor?: number; protocolConcentration?: boolean; progress: boolean }>();
  const text = readFileSync(opts.data, 'utf8');
  const bar = new SingleBar({ stream: process.stderr, format: 'backtest [{bar}] {value}/{total} weeks' }, Presets.shades_classic);
  let started = false;
  const input = Object.fromEntries(
    Object.entries({ lumpSumCents: opts.lumpSum, volFactor: opts.volFactor, unitDivisor: opts.unitDivisor, protocolConcentration: opts.protocolConcentration }).filter(([, v]) => v !== undefined),
  );
  try {
    const out = backtestCsv(text, input, (i, n) => {
      if (!opts.progress) return;
      if (!started) bar.start(n, 0);
      started = true;
      bar.update(i);
    });
    if (started) bar.stop();
    mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
    writeFileSync(opts.out, renderReport(out));
    process.stderr.write(`report: ${path.resolve(opts.out)}\n`);
    process.stdout.write(`${JSON.stringify(out.summary)}\n`);
  } catch (e) {
    if (started) bar.stop();
    if (e instanceof CsvError) {
      process.stderr.write(`refused ${opts.data}: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}

main();
