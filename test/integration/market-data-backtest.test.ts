/**
 * The backtester from the store gives the same result as from the CSV the store was loaded
 * from: `npm run data -- import-csv`, then `npm run backtest -- --symbol` vs `--data`.
 */
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { dropDatabase, migrate } from '../../src/db/migrate';
import { runCli, type CliResult } from './_cli';
import { testDatabaseUrl } from './_system';

const ROOT = path.resolve(__dirname, '..', '..');
const CSV = path.join(ROOT, 'node_modules', 'vega-datasets', 'data', 'sp500-2000.csv');

/** Bounded by the suite's 300 s rather than runCli's 120 s default: two backtests run side by side. */
const run = (script: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> =>
  runCli(process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeoutMs: 300_000 });
const lastJson = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!) as Record<string, unknown>;

describe('backtest from the market-data store', function () {
  this.timeout(300_000);
  const url = testDatabaseUrl('mdbacktest');
  before(async () => {
    await dropDatabase(url);
    await migrate(url);
  });
  after(async () => dropDatabase(url).catch(() => undefined));

  it('when the S&P 500 CSV is loaded into the store, then the backtest from the store equals the one from the CSV', async () => {
    const env = { DATABASE_URL: url, LOG_LEVEL: 'error' };
    const load = await run('src/cli/data.ts', ['import-csv', '--symbol', 'SPX', '--file', CSV, '--json'], env);
    expect(load.status, load.stderr).to.equal(0);
    const loaded = lastJson(load.stdout);
    expect(loaded).to.deep.include({ symbol: 'SPX', quarantined: 0, first: '2000-01-03' });
    expect(loaded.rows).to.be.greaterThan(5000);
    expect(loaded.inserted).to.equal(loaded.rows);
    const again = await run('src/cli/data.ts', ['import-csv', '--symbol', 'SPX', '--file', CSV, '--json'], env);
    expect(lastJson(again.stdout)).to.deep.include({ inserted: 0 });

    const out = (n: string) => path.join(os.tmpdir(), `all-use-bt-${process.pid}-${n}.html`);
    const [fromCsv, fromStore] = await Promise.all([
      run('src/backtest/main.ts', ['--data', CSV, '--no-progress', '--out', out('csv')], env),
      run('src/backtest/main.ts', ['--symbol', 'SPX', '--from', '2000-01-03', '--to', String(loaded.last), '--no-progress', '--out', out('store')], env),
    ]);
    expect(fromCsv.status, fromCsv.stderr).to.equal(0);
    expect(fromStore.status, fromStore.stderr).to.equal(0);
    const strip = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => !['elapsed_ms', 'csv_parse_ms'].includes(k)));
    const a = strip(lastJson(fromCsv.stdout));
    const b = strip(lastJson(fromStore.stdout));
    expect(a.weeks).to.be.greaterThan(1000);
    expect(b).to.deep.equal(a);
  });

  it('when the store has no bars for the symbol, then the backtest refuses with exit code 2', async () => {
    const r = await run('src/backtest/main.ts', ['--symbol', 'NONE', '--no-progress'], { DATABASE_URL: url });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/no stored daily bars for NONE/);
  });
});
