import { expect } from 'chai';
import { marketMarker } from '../../src/marks';
import { bsPrice } from '../../src/domain/pricing';
import type { OptionQuote } from '../../src/contracts/broker';

const opt = { symbol: 'XYZ', secType: 'OPT', expiry: '20270115', strike: '90', right: 'P' };
const quote = (bid: number, ask: number, last: number, iv?: number): OptionQuote => ({ symbol: 'XYZ', expiry: '20270115', strike: 90, right: 'P', bid, ask, last, ...(iv ? { iv } : {}) });
const now = () => new Date('2026-12-05T21:00:00Z');

describe('market marks (src/marks.ts)', () => {
  it('when the broker quotes the contract, then the mark is its mid (else last), source BROKER', async () => {
    const md = { stockQuote: async () => ({ bid: 99.99, ask: 100.01, last: 100 }), optionQuote: async () => quote(1.2, 1.3, 1.25) };
    expect(await marketMarker(md, { now })(opt)).to.deep.equal({ price: '1.25', source: 'BROKER' });
    expect(await marketMarker(md, { now })({ ...opt, secType: 'STK' })).to.deep.equal({ price: '100', source: 'BROKER' });
    const lastOnly = { ...md, optionQuote: async () => quote(0, 0, 1.1) };
    expect(await marketMarker(lastOnly, { now })(opt)).to.deep.equal({ price: '1.1', source: 'BROKER' });
  });

  it("when the broker has no quote for an option, then Black-Scholes on the underlying, flagged MODEL (the quote's IV when it has one)", async () => {
    const md = { stockQuote: async () => ({ bid: 99.99, ask: 100.01, last: 100 }), optionQuote: async () => quote(0, 0, 0, 0.45) };
    const m = await marketMarker(md, { now, rate: 0.04 })(opt);
    const years = (Date.UTC(2027, 0, 15, 21) - now().getTime()) / (365 * 86_400_000);
    const expected = Math.round(bsPrice({ right: 'P', spot: 100, strike: 90, years, vol: 0.45, rate: 0.04 }) * 10_000) / 10_000;
    expect(m).to.deep.equal({ price: String(expected), source: 'MODEL' });
    const failing = { ...md, optionQuote: async (): Promise<OptionQuote> => Promise.reject(new Error('no security definition')) };
    const m2 = await marketMarker(failing, { now, vol: 0.3, rate: 0.04 })(opt);
    expect(m2!.source).to.equal('MODEL');
    expect(Number(m2!.price)).to.be.closeTo(bsPrice({ right: 'P', spot: 100, strike: 90, years, vol: 0.3, rate: 0.04 }), 1e-4);
  });

  it('when an option is past its expiry with no quote, then its intrinsic value (MODEL); when nothing is quoted, then no mark', async () => {
    const md = { stockQuote: async () => ({ bid: 0, ask: 0, last: 80 }), optionQuote: async () => quote(0, 0, 0) };
    expect(await marketMarker(md, { now: () => new Date('2027-02-01T00:00:00Z') })(opt)).to.deep.equal({ price: '10', source: 'MODEL' });
    const dead = { stockQuote: async () => ({ bid: 0, ask: 0, last: 0 }), optionQuote: async () => quote(0, 0, 0) };
    expect(await marketMarker(dead, { now })(opt)).to.equal(null);
    expect(await marketMarker(dead, { now })({ ...opt, secType: 'STK' })).to.equal(null);
  });
});
