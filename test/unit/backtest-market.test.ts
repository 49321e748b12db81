import { expect } from 'chai';
import { chain, listedQuote } from '../../src/backtest/market';
import { parseBacktestOptions } from '../../src/backtest/options';

describe('backtest market: one listed strike', () => {
  const o = parseBacktestOptions({});
  it('when a strike is looked up, then listedQuote gives what the chain lists at it (or nothing where the chain stops)', () => {
    let listed = 0;
    for (const right of ['C', 'P'] as const)
      for (const [spot, years, vol, min] of [
        [14_000, 7 / 365, 0.2, 0],
        [14_000, 30 / 365, 0.9, 0],
        [9_000, 2 / 365, 0.08, 12_000],
        [20_000, 0, 0.3, 0],
      ] as const)
        for (let strike = 5_000; strike <= 26_000; strike += 100) {
          const want = chain(o, right, spot, years, vol, min).find((q) => q.strike === strike);
          expect(listedQuote(o, right, strike, spot, years, vol, min), `${right} ${spot} ${years} ${vol} ${min} ${strike}`).to.deep.equal(want);
          if (want) listed++;
        }
    expect(listed).to.be.greaterThan(100);
  });
});
