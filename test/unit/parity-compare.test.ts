import { expect } from 'chai';
import type { Decision } from '../../src/contracts/parity';
import { compareDecisions, decisionKey } from '../../src/parity/compare';

const order = (over: Partial<Extract<Decision, { kind: 'ORDER' }>> = {}): Decision => ({
  kind: 'ORDER',
  week: '2008-W40',
  account: 'GEN',
  symbol: 'SPY',
  action: 'SELL_TO_OPEN',
  right: 'P',
  strikeCents: 11_000,
  expiry: '2008-10-03',
  quantity: 3,
  limitLadderCents: [215, 210, 205],
  ...over,
});
const cash = (week: string, cashCents: number): Decision => ({ kind: 'CASH', week, account: 'GEN', symbol: '*', cashCents });

describe('parity: comparing the backtester with the live engine', () => {
  it('when both sides decided the same, then there are no mismatches and every decision is counted', () => {
    const xs = [order(), cash('2008-W40', 100_000), cash('2008-W41', 101_000)];
    expect(compareDecisions(xs, [...xs].reverse())).to.deep.equal({ weeks: 2, decisions: 3, mismatches: 0, first_mismatch: null });
  });

  it('when the live ladder differs by one cent, then the field is named', () => {
    const r = compareDecisions([order()], [order({ limitLadderCents: [215, 210, 204] })]);
    expect(r.mismatches).to.equal(1);
    expect(r.first_mismatch!.fields).to.deep.equal(['limitLadderCents']);
  });

  it('when a strike differs, then the two orders are different decisions: one missing on each side', () => {
    const r = compareDecisions([order()], [order({ strikeCents: 10_500 })]);
    expect(r.mismatches).to.equal(2);
    expect(r.first_mismatch!.fields[0]).to.match(/^missing in /);
  });

  it('when several weeks differ, then the first mismatch is the earliest week', () => {
    const r = compareDecisions([cash('2008-W45', 1), cash('2008-W41', 1)], [cash('2008-W45', 2), cash('2008-W41', 3)]);
    expect(r.mismatches).to.equal(2);
    expect(r.first_mismatch!.week).to.equal('2008-W41');
    expect(r.first_mismatch!.fields).to.deep.equal(['cashCents']);
  });

  it('when a side has a second fill of one order, then the extra fill is a mismatch', () => {
    const fill: Decision = {
      kind: 'FILL',
      week: '2008-W40',
      account: 'GEN',
      symbol: 'SPY',
      action: 'SELL_TO_OPEN',
      right: 'P',
      strikeCents: 11_000,
      expiry: '2008-10-03',
      quantity: 3,
      priceCents: 215,
      commissionCents: 300,
    };
    const r = compareDecisions([fill], [fill, fill]);
    expect(r.mismatches).to.equal(1);
    expect(r.first_mismatch!.fields).to.deep.equal(['missing in backtest']);
    expect(decisionKey(fill)).to.equal('2008-W40|FILL|GEN|SPY|P:11000:2008-10-03|SELL_TO_OPEN');
  });
});
