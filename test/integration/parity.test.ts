/**
 * Issue 13's parity check end to end: `npm run parity` replays autumn 2008 (the Lehman crash) for
 * 26 weeks through the live workflows on the simulator and through the backtester, and the two
 * must decide the same things to the cent. Runs the command as a user does (its own Temporal dev
 * server, database and simulator); its last stdout line is the report.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { ParityReport } from '../../src/contracts/parity';
import { runCli, type CliResult } from './_cli';

const ROOT = path.resolve(__dirname, '../..');
const CSV = path.join(ROOT, 'node_modules/vega-datasets/data/sp500-2000.csv');

/** `scripts/parity.ts` as a user runs it; SIGTERM on timeout (it owns a Temporal dev server). */
function parity(args: string[], timeoutMs: number): Promise<CliResult> {
  return runCli(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/parity.ts'), ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'error' }, timeoutMs, killSignal: 'SIGTERM' });
}

describe('parity: live workflows vs backtester over the same bars (issue 13)', function () {
  this.timeout(900_000);

  it('when a flag is missing or bad, then it says which and exits 2', async () => {
    const r = await parity(['--data', CSV, '--from', '2008-07-08', '--weeks', '26'], 60_000);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/--from: must be a Monday/);
  });

  // Met on 2026-12-05 (0 of 268 decisions differ, docs/BACKTEST.md "Parity"). Part of `npm test`:
  // ~8 minutes on 2 cores, in a child process of its own (its own Temporal, simulator and
  // database schema). ALLUSE_PARITY_TEST=0 skips it for a quick local run; `npm run parity`
  // prints each mismatch.
  const crashStretch = process.env.ALLUSE_PARITY_TEST === '0' ? it.skip : it;
  crashStretch('when 26 weeks from 2008-07-07 (the autumn 2008 crash) replay on both sides, then they agree: 0 mismatches', async () => {
    const r = await parity(['--data', CSV, '--from', '2008-07-07', '--weeks', '26'], 840_000);
    expect(r.status, r.stderr.slice(-2000)).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1]!) as ParityReport;
    expect(Object.keys(report)).to.deep.equal(['weeks', 'decisions', 'mismatches', 'first_mismatch']);
    expect(report.weeks).to.be.at.least(26);
    expect(report.decisions).to.be.greaterThan(100);
    expect(report.mismatches, JSON.stringify(report.first_mismatch)).to.equal(0);
  });
});
