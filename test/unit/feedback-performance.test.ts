import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { cutBy, driftReport, performanceReport, type PerformanceRow } from '../../src/feedback/performance';
import { backtestRows } from '../../src/feedback/backtestRows';
import { parseBarsCsv } from '../../src/backtest/csv';
import { parseBacktestOptions } from '../../src/backtest/options';
import { backtestProtocol, backtestCsv } from '../../src/backtest/run';

const row = (o: Partial<PerformanceRow>): PerformanceRow => ({
  source: 'LIVE',
  week: '2024-W01',
  account: 'A',
  kind: 'GEN',
  underlying: 'SPY',
  weekType: 'P-EW',
  regime: 'BULL/NORMAL',
  level: 0,
  configVersion: '1',
  premiumCents: 10_000,
  expectedPremiumCents: 10_000,
  assigned: false,
  realizedPnlCents: 10_000,
  unrealizedPnlCents: 0,
  valueCents: 1_000_000,
  ...o,
});

describe('feedback/performance', () => {
  const rows = [
    row({ week: '2024-W01', valueCents: 1_000_000 }),
    row({ week: '2024-W02', weekType: 'P-AWL', assigned: true, premiumCents: 8_000, expectedPremiumCents: 10_000, valueCents: 900_000, level: 3 }),
    row({ week: '2024-W03', weekType: 'C-REC', valueCents: 950_000, configVersion: '2' }),
    row({ week: '2024-W01', account: 'B', underlying: 'QQQ', premiumCents: 5_000, expectedPremiumCents: null, valueCents: 500_000 }),
  ];

  it('when rows are cut by week type, then each type sums its premium and its assignment rate', () => {
    const c = cutBy(rows, 'weekType');
    expect(c.map((x) => x.key)).to.deep.equal(['C-REC', 'P-AWL', 'P-EW']);
    expect(c.find((x) => x.key === 'P-AWL')).to.include({ account_weeks: 1, premium_cents: 8_000, assignment_rate: 1, premium_vs_model: 0.8 });
    expect(c.find((x) => x.key === 'P-EW')).to.include({ account_weeks: 2, premium_cents: 15_000, expected_premium_cents: 10_000 });
  });

  it('when account A goes 1,000,000 → 900,000 → 950,000, then its drawdown is 10 % and two of three weeks are in recovery', () => {
    const a = cutBy(rows, 'account').find((x) => x.key === 'A');
    expect(a?.max_drawdown).to.be.closeTo(0.1, 1e-12);
    expect(a?.time_in_recovery).to.be.closeTo(2 / 3, 1e-12);
    const r = performanceReport(rows);
    expect(r.by.configVersion.map((x) => x.key)).to.deep.equal(['1', '2']);
    expect(r.by.level.map((x) => x.key)).to.deep.equal(['0', '3']);
    expect(r.total.account_weeks).to.equal(4);
  });

  it('when live and back-test rows of the same weeks differ, then the drift report shows the mismatch and the premium gap', () => {
    const bt = rows.map((r) => ({ ...r, source: 'BACKTEST' as const, weekType: 'P-EW' as const, assigned: false, premiumCents: 10_000 }));
    const d = driftReport(rows, bt, (r) => r.account);
    expect(d.matched).to.equal(4);
    expect(d.type_mismatch_rate).to.equal(0.5);
    expect(d.premium_diff_cents).to.equal(-2_000 - 5_000);
    expect(d.assignment_rate_live).to.equal(0.25);
    expect(d.assignment_rate_backtest).to.equal(0);
    expect(d.largest[0]?.premium_diff_cents).to.equal(-5_000);
  });

  it('when a back-test runs with the row collector, then its rows add up to the run’s week types and premium', function () {
    this.timeout(60_000);
    const text = readFileSync('node_modules/vega-datasets/data/sp500-2000.csv', 'utf8');
    const o = parseBacktestOptions({});
    const bars = parseBarsCsv(text, { maxGapDays: o.maxGapDays }).slice(0, 800);
    const { run, rows: bt } = backtestRows(bars, backtestProtocol(o), o);
    const byType = cutBy(bt, 'weekType');
    for (const c of byType) expect(c.account_weeks, c.key).to.equal(run.weekTypes[c.key as keyof typeof run.weekTypes]);
    expect(bt.reduce((s, r) => s + r.premiumCents, 0)).to.equal(run.book.premium);
    // the observer changes nothing: the same bars through the plain path give the same final value
    const plain = backtestCsv(['date,open,high,low,close', ...bars.map((b) => `${b.date},${b.open / 100},${b.high / 100},${b.low / 100},${b.close / 100}`)].join('\n'));
    expect(plain.run.points.at(-1)?.total).to.equal(run.points.at(-1)?.total);
  });
});
