import { expect } from 'chai';
import { analyzePremium, rankUnderlyings, strikeForDelta, type ChainSnapshot } from '../../src/feedback/premium';
import { bsGreeks, bsPrice } from '../../src/domain/pricing';
import { normalDraw, seededRandom } from '../../src/feedback/random';
import { addDays, isTradingDay } from '../../src/domain/calendar';
import type { Bar } from '../../src/domain/indicators';

/** Daily bars of a GBM with annual vol `vol` starting 2021-01-04. */
function gbm(days: number, vol: number, seed: number): Bar[] {
  const rand = seededRandom(seed);
  const out: Bar[] = [];
  let d = '2021-01-04';
  let p = 100;
  while (out.length < days) {
    if (isTradingDay(d)) {
      p *= Math.exp((vol / Math.sqrt(252)) * normalDraw(rand) - (vol * vol) / 504);
      const c = Math.round(p * 100);
      out.push({ date: d, open: c, high: c, low: c, close: c });
    }
    d = addDays(d, 1);
  }
  return out;
}

describe('feedback/premium', () => {
  it('when a strike is solved for a delta, then Black-Scholes gives that delta back', () => {
    const k = strikeForDelta('P', 0.35, 100, 7 / 365, 0.2, 0.02);
    expect(Math.abs(bsGreeks({ right: 'P', spot: 100, strike: k, years: 7 / 365, vol: 0.2, rate: 0.02 }).delta)).to.be.closeTo(0.35, 1e-6);
    const c = strikeForDelta('C', 0.25, 100, 7 / 365, 0.2, 0.02);
    expect(bsGreeks({ right: 'C', spot: 100, strike: c, years: 7 / 365, vol: 0.2, rate: 0.02 }).delta).to.be.closeTo(0.25, 1e-6);
  });

  it('when the model prices options at 1.2 × realised vol, then the variance risk premium is positive and the source says model', () => {
    const a = analyzePremium('X', gbm(600, 0.2, 1));
    expect(a.source).to.equal('model');
    expect(a.variance_risk_premium).to.be.above(0);
    expect(a.implied_vol).to.be.closeTo(0.24, 0.04);
    expect(a.realized_vol).to.be.closeTo(0.2, 0.03);
    expect(a.by_delta.map((d) => d.label)).to.deep.equal(['GEN put', 'REV put', 'COM call']);
    for (const d of a.by_delta) expect(d.premium_per_risk).to.be.above(1);
  });

  it('when every week has a chain snapshot priced at a lower implied vol, then the source is chain and the implied vol follows the chain', () => {
    const bars = gbm(400, 0.2, 2);
    const snaps: ChainSnapshot[] = bars.map((b) => {
      const spot = b.close / 100;
      const k = Math.round(spot * 0.98);
      const price = bsPrice({ right: 'P', spot, strike: k, years: 7 / 365, vol: 0.1, rate: 0.02 });
      return {
        date: b.date,
        expiry: addDays(b.date, 7),
        spotCents: b.close,
        quotes: [{ right: 'P', strikeCents: k * 100, bidCents: Math.round(price * 100) - 1, askCents: Math.round(price * 100) + 1 }],
      };
    });
    const a = analyzePremium('X', bars, snaps);
    expect(a.source).to.equal('chain');
    expect(a.implied_vol).to.be.closeTo(0.1, 0.02);
    expect(a.vol_risk_premium).to.be.below(0);
  });

  it('when one underlying is priced rich and another poor, then the ranking puts the rich one first', () => {
    const rich = analyzePremium('RICH', gbm(500, 0.2, 3), [], { volFactor: 1.5 });
    const poor = analyzePremium('POOR', gbm(500, 0.2, 3), [], { volFactor: 0.8 });
    expect(rankUnderlyings([poor, rich]).map((r) => r.underlying)).to.deep.equal(['RICH', 'POOR']);
  });
});
