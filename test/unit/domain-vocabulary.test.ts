/**
 * The shared vocabulary (src/domain/instrument.ts, money.ts priceCents, ledger accountKindOf,
 * risk capitalHeld) and the injected clock: one definition each, used by every layer.
 */
import { expect } from 'chai';
import { manualClock, systemClock } from '../../src/contracts/clock';
import { TRADE_ACTIONS } from '../../src/contracts/instruction';
import { actionSpec, asAction, contractKeyOf, isoOfYmd, isPut, isSell, isStock, optionAction, quoteMid, quoteMidCents, rightOf, ymdOfIso } from '../../src/domain/instrument';
import { accountKindOf } from '../../src/domain/ledger';
import { priceCents } from '../../src/domain/money';
import { capitalHeld } from '../../src/domain/risk';

describe('domain vocabulary', () => {
  it('when every action is decoded, then the predicates agree with the ACTIONS table (no string tests)', () => {
    for (const a of TRADE_ACTIONS) {
      const spec = actionSpec(a);
      expect(isSell(a), a).to.equal(spec.side === 'SELL');
      expect(isStock(a), a).to.equal(spec.secType === 'STK');
      expect(isPut(a), a).to.equal(spec.right === 'P');
      expect(rightOf(a), a).to.equal(spec.right ?? '');
      if (spec.right) expect(optionAction(spec.side, spec.opens, spec.right)).to.equal(a);
    }
    expect(asAction('SELL_TO_OPEN_PUT')).to.equal('SELL_TO_OPEN_PUT');
    expect(() => asAction('SELL_PUT')).to.throw(RangeError, /unknown trade action SELL_PUT/);
  });

  it('when dates convert, then YYYYMMDD and YYYY-MM-DD round-trip and an empty expiry stays empty', () => {
    expect(ymdOfIso('2030-01-18')).to.equal('20300118');
    expect(isoOfYmd('20300118')).to.equal('2030-01-18');
    expect([ymdOfIso(''), isoOfYmd('')]).to.deep.equal(['', '']);
    expect(contractKeyOf({ symbol: 'AAPL', trade_action: 'BUY_TO_CLOSE_CALL', expiration_date: '2030-01-18', strike_price: 150.5 })).to.deep.equal({
      symbol: 'AAPL',
      secType: 'OPT',
      expiry: '20300118',
      strike: '150.5',
      right: 'C',
    });
    expect(contractKeyOf({ symbol: 'AAPL', trade_action: 'BUY_STOCK' })).to.deep.equal({ symbol: 'AAPL', secType: 'STK', expiry: '', strike: '0', right: '' });
  });

  it('when a quote is two-sided, then the mid is (bid + ask) / 2; crossed or zero sides fall back to last, else no mid', () => {
    expect(quoteMid({ bid: 1.01, ask: 1.02, last: 0 })).to.equal(1.015);
    expect(quoteMidCents({ bid: 1.01, ask: 1.02, last: 0 })).to.equal(102); // half-even of 101.5
    expect(quoteMidCents({ bid: 1.03, ask: 1.04, last: 0 })).to.equal(104); // 103.5 → 104
    expect(quoteMid({ bid: 1.2, ask: 1.1, last: 1.15 })).to.equal(1.15); // crossed
    expect(quoteMid({ bid: 0, ask: 1.1, last: 0 })).to.equal(null);
    expect(quoteMid({ bid: 1.2, ask: 1.1, last: 0 })).to.equal(null);
    expect(quoteMid({ bid: Number.NaN, ask: 1, last: Number.NaN })).to.equal(null);
  });

  it('when a price has more than 2 decimals, then priceCents rounds it up (never understating what is at risk)', () => {
    expect([priceCents('150'), priceCents(150.25), priceCents('100.0010'), priceCents('0.0001')]).to.deep.equal([15000, 15025, 10001, 1]);
  });

  it('when capital held is computed, then it is the exact product rounded up: short puts at the strike, longs at cost, short calls none', () => {
    const p = { secType: 'STK' as const, right: '', strike: '0', quantity: 80, avgPrice: '100.0010' };
    expect(capitalHeld(p, 100)).to.equal(800_008); // 80 × 100.0010 = 8000.08
    expect(capitalHeld({ ...p, secType: 'OPT', right: 'P', strike: '150', quantity: -2 }, 100)).to.equal(3_000_000);
    expect(capitalHeld({ ...p, secType: 'OPT', right: 'C', strike: '150', quantity: -2 }, 100)).to.equal(0);
    expect(capitalHeld({ ...p, secType: 'OPT', right: 'C', quantity: 1, avgPrice: '2.125' }, 100)).to.equal(21_250);
  });

  it('when an ALL-USE account id is read, then its kind comes out (root, fork, LEAPS sleeve), and none for anything else', () => {
    expect(['F0:GEN', 'F0/2027-W10:COM', 'F0:REV:LEAPS', 'F0', 'F0:XYZ'].map(accountKindOf)).to.deep.equal(['GEN', 'COM', 'REV', undefined, undefined]);
  });

  it('when a manual clock is set or advanced, then now() follows it and nothing else moves it', () => {
    const c = manualClock('2030-01-02T15:00:00Z');
    expect(c.now().toISOString()).to.equal('2030-01-02T15:00:00.000Z');
    c.advance(86_400_000);
    expect(c.now().toISOString()).to.equal('2030-01-03T15:00:00.000Z');
    c.set('2025-03-03T15:00:00Z');
    expect(c.now().toISOString()).to.equal('2025-03-03T15:00:00.000Z');
    expect(() => manualClock('not a date')).to.throw(RangeError);
    expect(Math.abs(systemClock.now().getTime() - Date.now())).to.be.below(1000);
  });
});
