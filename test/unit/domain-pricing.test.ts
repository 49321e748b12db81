import { expect } from 'chai';
import { bsGreeks, bsPrice, impliedVol, normCdf, type BsInput } from '../../src/domain/pricing';

describe('domain/pricing', () => {
  const base: BsInput = { right: 'C', spot: 100, strike: 100, years: 1, vol: 0.2, rate: 0.05 };
  // Reference values: Hull, Options Futures and Other Derivatives, and the closed form evaluated independently.
  const prices: [string, Partial<BsInput>, number][] = [
    ['ATM call 1y 20 % r 5 %', {}, 10.4506],
    ['ATM put 1y 20 % r 5 %', { right: 'P' }, 5.5735],
    ['Hull 15.6 call S42 K40 r10 % σ20 % 6m', { spot: 42, strike: 40, rate: 0.1, vol: 0.2, years: 0.5 }, 4.7594],
    ['Hull 15.6 put', { right: 'P', spot: 42, strike: 40, rate: 0.1, vol: 0.2, years: 0.5 }, 0.8086],
    ['expired ITM put', { right: 'P', strike: 110, years: 0 }, 10],
    ['expired OTM call', { strike: 110, years: 0 }, 0],
  ];
  for (const [what, over, want] of prices) it(`when pricing the ${what}, then the price is ${want}`, () => expect(bsPrice({ ...base, ...over })).to.be.closeTo(want, 5e-4));

  it('when a call and put share inputs, then put-call parity holds', () => {
    for (const strike of [80, 100, 125]) {
      const c = bsPrice({ ...base, strike });
      const p = bsPrice({ ...base, strike, right: 'P' });
      expect(c - p).to.be.closeTo(100 - strike * Math.exp(-0.05), 1e-5);
    }
  });

  it('when greeks are compared with finite differences, then they agree', () => {
    for (const right of ['C', 'P'] as const) {
      const i = { ...base, right, strike: 95, years: 0.25 };
      const g = bsGreeks(i);
      const h = 1e-3;
      expect(g.delta).to.be.closeTo((bsPrice({ ...i, spot: 100 + h }) - bsPrice({ ...i, spot: 100 - h })) / (2 * h), 1e-5);
      expect(g.gamma).to.be.closeTo((bsPrice({ ...i, spot: 100 + h }) - 2 * g.price + bsPrice({ ...i, spot: 100 - h })) / (h * h), 1e-3);
      expect(g.vega).to.be.closeTo((bsPrice({ ...i, vol: 0.2 + h }) - bsPrice({ ...i, vol: 0.2 - h })) / (2 * h), 1e-4);
      expect(g.theta).to.be.closeTo(-(bsPrice({ ...i, years: 0.25 + h }) - bsPrice({ ...i, years: 0.25 - h })) / (2 * h), 1e-3);
    }
  });
  it('when the delta of a put and call are compared, then call − put = 1 (no dividends)', () => expect(bsGreeks(base).delta - bsGreeks({ ...base, right: 'P' }).delta).to.be.closeTo(1, 1e-7));
  it('when the normal CDF is evaluated, then known values come back', () => {
    expect(normCdf(0)).to.be.closeTo(0.5, 1e-9);
    expect(normCdf(1.96)).to.be.closeTo(0.975002, 1e-6);
    expect(normCdf(-1)).to.be.closeTo(0.158655, 1e-6);
  });
  it('when a price is inverted, then the implied vol is the one that made it', () => {
    const { vol, ...rest } = { ...base, right: 'P' as const, strike: 90, vol: 0.37 };
    expect(impliedVol(bsPrice({ ...rest, vol }), rest)).to.be.closeTo(0.37, 1e-6);
    expect(impliedVol(0.0, { ...rest, strike: 200 })).to.equal(null);
  });
  it('when an input is impossible, then pricing refuses', () => expect(() => bsPrice({ ...base, spot: -1 })).to.throw(RangeError));
});
