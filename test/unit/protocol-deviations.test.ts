/**
 * Deviations of the live engine from PROTOCOL.md (issue 13), one describe per number: each test
 * pins the rule the live path now follows.
 */
import { expect } from 'chai';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import { regimeHistoryWeeks, regimes, type Bar } from '../../src/domain/indicators';

describe('protocol deviation 1: the volatility regime has enough history live', () => {
  const cfg = DEFAULT_PROTOCOL.regime;
  /** Calm weeks (range 1 % of 100.00), then one wide week at the end. */
  const bars = (n: number): Bar[] =>
    Array.from({ length: n }, (_, i) => {
      const wide = i === n - 1;
      return { date: `w${i}`, open: 10_000, high: wide ? 11_500 : 10_050, low: wide ? 9_000 : 9_950, close: 10_000 };
    });

  it('when one year of weekly bars is fetched (52), then the regime can never be HIGH: the median is undefined', () => {
    expect(regimes(bars(52), cfg).at(-1)!.vol).to.equal('NORMAL');
  });

  it('when the live path fetches regimeHistoryWeeks bars, then a wide last week is HIGH volatility', () => {
    const n = regimeHistoryWeeks(cfg);
    expect(n).to.be.at.least(cfg.atrPeriod + cfg.volLookback);
    expect(regimes(bars(n), cfg).at(-1)!.vol).to.equal('HIGH');
  });
});
