import { expect } from 'chai';
import { drawdowns, stats } from '../../src/backtest/stats';
import { divideCents } from '../../src/backtest/market';
import { parseBacktestOptions } from '../../src/backtest/options';

describe('backtest/stats', () => {
  const dates = ['2019-12-20', '2019-12-27', '2020-01-03', '2020-01-10'];
  const values = [100, 110, 99, 121];
  const s = stats(dates, values, 52);
  const rets = [0.1, -0.1, 121 / 99 - 1];
  const mean = rets.reduce((a, b) => a + b, 0) / 3;
  const sd = Math.sqrt(rets.reduce((a, r) => a + (r - mean) ** 2, 0) / 2);

  it('when values go 100 → 110 → 99 → 121, then drawdowns are 0, 0, −10 %, 0', () => drawdowns(values).forEach((d, i) => expect(d).to.be.closeTo([0, 0, -0.1, 0][i] ?? NaN, 1e-12)));
  it('when the same series is summarised, then total return 21 %, max drawdown 10 %', () => {
    expect(s.totalReturn).to.be.closeTo(0.21, 1e-12);
    expect(s.maxDrawdown).to.be.closeTo(0.1, 1e-12);
  });
  it('when 21 days pass, then CAGR = 1.21^(365.25/21) − 1', () => expect(s.cagr).to.be.closeTo(1.21 ** (365.25 / 21) - 1, 1e-9));
  it('when weekly returns are 10 %, −10 %, 22.2 %, then Sharpe = mean/sd × √52 and volatility = sd × √52', () => {
    expect(s.sharpe).to.be.closeTo((mean / sd) * Math.sqrt(52), 1e-12);
    expect(s.volatility).to.be.closeTo(sd * Math.sqrt(52), 1e-12);
  });
  it("when the series crosses a year end, then each year runs from the previous year's last value", () =>
    expect([Object.keys(s.yearly), s.yearly['2019'], s.yearly['2020']]).to.satisfy(
      ([k, a, b]: [string[], number, number]) => k.join() === '2019,2020' && Math.abs(a - 0.1) < 1e-12 && Math.abs(b - 0.1) < 1e-12,
    ));
  it('when a series never rises above its start, then there is no drawdown sign flip (-0)', () => expect(stats(dates, [5, 5, 5, 5], 52).maxDrawdown).to.equal(0));

  const divisions: [number, number, number][] = [
    [145522, 10, 14552],
    [145525, 10, 14552],
    [145535, 10, 14554],
    [145526, 10, 14553],
    [7, 2, 4],
    [5, 2, 2],
  ];
  for (const [c, d, want] of divisions) it(`when ${c} cents are divided by ${d} (half-even), then ${want}`, () => expect(divideCents(c, d)).to.equal(want));

  it('when no options are given, then the stated defaults apply; a bad one is refused', () => {
    expect(parseBacktestOptions()).to.include({ lumpSumCents: 100_000_000, volWindowDays: 20, volFactor: 1.2, unitDivisor: 10, fillAttempt: 1 });
    expect(() => parseBacktestOptions({ volFactor: -1 })).to.throw();
  });
});
