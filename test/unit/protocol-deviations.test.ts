/**
 * Deviations of the live engine from PROTOCOL.md (issue 13), one describe per number: each test
 * pins the rule the live path now follows.
 */
import { expect } from 'chai';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import { mondayOfWeek, previousWeek } from '../../src/domain/calendar';
import { regimeHistoryWeeks, regimes, type Bar } from '../../src/domain/indicators';
import { canEnter } from '../../src/domain/signals';
import { previousWeekTypesOf, type WeekType } from '../../src/domain/weekTypes';

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

describe('protocol deviation 2: a P-DD or P-AOL week blocks only the following week', () => {
  const rows = [
    { symbol: 'TSLA', week: '2025-W08', type: 'P-DD' },
    { symbol: 'AAPL', week: '2025-W09', type: 'P-AOL' },
    { symbol: '*', week: '2025-W09', type: 'W-IDL' },
  ];

  it('when TSLA had P-DD two weeks ago and sat out last week, then nothing blocks TSLA now', () => {
    expect(previousWeekTypesOf(rows, '2025-W10')).to.not.have.property('TSLA');
    expect(canEnter({ maxOpenLevel: null, previousWeekType: (previousWeekTypesOf(rows, '2025-W10').TSLA as WeekType | undefined) ?? null }).ok).to.equal(true);
  });

  it('when AAPL had P-AOL last week, then this week is blocked, and the week after is not', () => {
    expect(canEnter({ maxOpenLevel: null, previousWeekType: previousWeekTypesOf(rows, '2025-W10').AAPL as WeekType }).ok).to.equal(false);
    expect(previousWeekTypesOf(rows, '2025-W11')).to.deep.equal({});
  });

  it('when the week crosses a year, then the previous ISO week is the last week of the year before', () => {
    expect(previousWeek('2025-W01')).to.equal('2024-W52');
    expect(previousWeek('2021-W01')).to.equal('2020-W53');
    expect(mondayOfWeek('2025-W10')).to.equal('2025-03-03');
  });
});
