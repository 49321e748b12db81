import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addDays, isTradingDay } from '../../src/domain';

describe('backtest CLI: assumptions printed with the results', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'backtest-cli-'));
  const data = path.join(dir, 'flat.csv');
  const rows = ['date,open,high,low,close'];
  for (let d = '2019-01-07'; d <= '2019-06-21'; d = addDays(d, 1)) if (isTradingDay(d)) rows.push(`${d},1000,1000,1000,1000`);
  writeFileSync(data, rows.join('\n'));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'src', 'backtest', 'main.ts'), '--data', data, '--out', path.join(dir, 'r.html'), '--no-progress', ...args], {
      encoding: 'utf8',
    });

  describe('when it runs with the defaults', () => {
    const r = run();
    it('then stderr lists the assumptions (caps on, interest, expiries, assignment fee) and the last stdout line is the JSON with its assumptions', () => {
      expect(r.status).to.equal(0);
      expect(r.stderr).to.match(/assumptions:\n[\s\S]*Interest on cash: 1\.00 %[\s\S]*Per-symbol concentration caps ON/);
      expect(r.stderr).to.match(/from 2010-01-01 weekly/);
      const last = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { assumptions: Record<string, unknown>; cagr: number };
      expect(last.assumptions).to.include({ concentration_caps: true, cash_rate: 0.01, weeklies_from: '2010-01-01', assignment_fee_per_share: 0.005 });
      expect(last).to.have.property('cagr');
    });
  });

  describe('when it is asked to turn the caps off and to pay 2 % on cash', () => {
    const r = run('--no-protocol-concentration', '--cash-rate', '0.02');
    it('then the run is labelled a comparison and the JSON says so', () => {
      expect(r.stderr).to.match(/COMPARISON RUN — per-symbol concentration caps OFF/);
      const last = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { assumptions: Record<string, unknown> };
      expect(last.assumptions).to.include({ concentration_caps: false, cash_rate: 0.02 });
    });
  });

  describe('when the cash rate is not a number', () => {
    const r = run('--cash-rate', 'abc');
    it('then it is refused with exit code 2 and nothing on stdout', () => {
      expect(r.status).to.equal(2);
      expect(r.stderr).to.match(/refused options: cashRate/);
      expect(r.stdout).to.equal('');
    });
  });
});
