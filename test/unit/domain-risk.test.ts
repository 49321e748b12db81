import { expect } from 'chai';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import { checkOrder, RISK_CODES, type RiskContext, type RiskOrder } from '../../src/domain/risk';

const limits = DEFAULT_PROTOCOL.risk;
const put: RiskOrder = { symbol: 'AAPL', action: 'SELL_TO_OPEN_PUT', quantity: 2, strikeCents: 15_000, expiry: '2025-05-09', limitPriceCents: 200, midCents: 200 };
const ctx: RiskContext = {
  killSwitch: { global: false, account: false },
  reduceOnly: false,
  allowedSymbols: ['AAPL', 'MSFT'],
  chainHasContract: true,
  cashCents: 5_000_000,
  bufferCents: 1_000_000,
  sharesHeld: 300,
  callsCovering: 1,
  openPositions: [
    { secType: 'OPT', right: 'P', strikeCents: 15_000, expiry: '2025-05-09', quantity: -2 },
    { secType: 'STK', quantity: 300 },
  ],
  segment: { capitalLimitCents: 10_000_000, capitalUsedCents: 0 },
  openOrdersForStrategy: 0,
  alluse: { coveredCallContracts: 1, symbolExposureCents: 0, concentrationLimitCents: 10_000_000 },
  pacingBacklogMs: 0,
  multiplier: 100,
};

describe('domain/risk', () => {
  it('when everything is in order, then the order passes', () => expect(checkOrder(put, ctx, limits)).to.deep.equal({ ok: true }));

  const cases: [string, Partial<RiskOrder>, Partial<RiskContext>, string, string][] = [
    ['the global kill switch is on', {}, { killSwitch: { global: true, account: false } }, 'KILL_SWITCH', 'KILL_SWITCH: global=true, account=false'],
    ['the account kill switch is on', {}, { killSwitch: { global: false, account: true } }, 'KILL_SWITCH', 'account=true'],
    ['the account is reduce-only and the order opens', {}, { reduceOnly: true }, 'REDUCE_ONLY', 'action=SELL_TO_OPEN_PUT'],
    ['the symbol is not allowed', { symbol: 'TSLA' }, {}, 'SYMBOL_NOT_ALLOWED', 'symbol=TSLA, allowed=AAPL|MSFT'],
    ['the contract is not listed', {}, { chainHasContract: false }, 'CONTRACT_NOT_IN_CHAIN', 'strike=150.00, expiry=2025-05-09'],
    ['the put needs $30,000 but cash − buffer is $29,999.99', {}, { cashCents: 3_999_999 }, 'PUT_NOT_CASH_SECURED', 'required=30000.00, cash=39999.99, buffer=10000.00'],
    ['a call would need 300 shares but 100 are already covered', { action: 'SELL_TO_OPEN_CALL', quantity: 3 }, {}, 'CALL_NOT_COVERED', 'shares_needed=300, shares_held=300, already_covering=100'],
    ['a put buy-back exceeds the open short', { action: 'BUY_TO_CLOSE_PUT', quantity: 3 }, {}, 'NO_POSITION_TO_CLOSE', 'quantity=3, open=2'],
    ['a put is closed at another strike', { action: 'BUY_TO_CLOSE_PUT', strikeCents: 14_000 }, {}, 'NO_POSITION_TO_CLOSE', 'open=0'],
    ['a long call that does not exist is sold', { action: 'SELL_TO_CLOSE_CALL', quantity: 1 }, {}, 'NO_POSITION_TO_CLOSE', 'open=0'],
    ['the option quantity is over the limit', { action: 'BUY_TO_OPEN_CALL', quantity: 501, limitPriceCents: 1, midCents: 1 }, {}, 'QUANTITY_LIMIT', 'quantity=501, max=500'],
    [
      'the share quantity is over the limit',
      { action: 'BUY_STOCK', quantity: 10_001, strikeCents: undefined, expiry: undefined, limitPriceCents: 100, midCents: 100 },
      {},
      'QUANTITY_LIMIT',
      'quantity=10001, max=10000',
    ],
    // 2 puts at K = $25,000.01: notional $5,000,002.00 > $5,000,000 (cash, segment and concentration made roomy)
    [
      'the notional is over the limit',
      { strikeCents: 2_500_001 },
      { cashCents: 1e12, segment: undefined, alluse: { coveredCallContracts: 0, symbolExposureCents: 0, concentrationLimitCents: 1e12 } },
      'NOTIONAL_LIMIT',
      'notional=5000002.00, max=5000000.00',
    ],
    ['the limit is 20.5 % above mid', { limitPriceCents: 241 }, {}, 'LIMIT_PRICE_OUT_OF_BAND', 'limit=2.41, mid=2.00, band=0.2'],
    ['the segment capital would be exceeded', {}, { segment: { capitalLimitCents: 3_000_000, capitalUsedCents: 1 } }, 'SEGMENT_CAPITAL_EXCEEDED', 'required=30000.00, used=0.01, limit=30000.00'],
    ['the strategy has its maximum of open orders', {}, { openOrdersForStrategy: 50 }, 'OPEN_ORDER_LIMIT', 'open_orders=50, max=50'],
    [
      'selling shares would uncover ALL-USE covered calls',
      { action: 'SELL_STOCK', quantity: 250, strikeCents: undefined, expiry: undefined },
      {},
      'CONFLICTS_WITH_ALLUSE_POSITION',
      'shares_after=50, alluse_covered_shares=100',
    ],
    [
      "a STAR-LAB call buy would close ALL-USE's short call at the broker",
      { action: 'BUY_TO_OPEN_CALL', quantity: 1 },
      { alluse: { ...ctx.alluse, positions: [{ secType: 'OPT', right: 'C', strikeCents: 15_000, expiry: '2025-05-09', quantity: -1 }] } },
      'CONFLICTS_WITH_ALLUSE_POSITION',
      'action=BUY_TO_OPEN_CALL, alluse_position=-1',
    ],
    [
      'the symbol exposure across both would exceed the limit',
      {},
      { alluse: { coveredCallContracts: 0, symbolExposureCents: 7_000_001, concentrationLimitCents: 10_000_000 } },
      'CONCENTRATION_LIMIT',
      'exposure_after=100000.01, limit=100000.00',
    ],
    ['the pacing queue is 10.001 s deep', {}, { pacingBacklogMs: 10_001 }, 'PACING_LIMIT', 'backlog_ms=10001, max_ms=10000'],
  ];
  for (const [what, o, c, code, fragment] of cases)
    it(`when ${what}, then it is rejected with ${code}`, () => {
      const r = checkOrder({ ...put, ...o }, { ...ctx, ...c }, limits);
      expect(r.ok).to.equal(false);
      if (r.ok) return;
      expect(r.code).to.equal(code);
      expect(r.message.startsWith(`${code}: `)).to.equal(true);
      expect(r.message).to.contain(fragment);
    });

  it('when every code is listed, then each has a case above', () => {
    const tested = new Set(cases.map((c) => c[3]));
    expect(RISK_CODES.filter((c) => !tested.has(c))).to.deep.equal([]);
  });
  it('when the limit is exactly 20 % off mid, then it passes (band inclusive)', () => expect(checkOrder({ ...put, limitPriceCents: 240 }, ctx, limits).ok).to.equal(true));
  it('when ALL-USE is short the same call at another strike, then a STAR-LAB call buy passes', () =>
    expect(
      checkOrder(
        { ...put, action: 'BUY_TO_OPEN_CALL', quantity: 1 },
        { ...ctx, alluse: { ...ctx.alluse, positions: [{ secType: 'OPT', right: 'C', strikeCents: 16_000, expiry: '2025-05-09', quantity: -1 }] } },
        limits,
      ).ok,
    ).to.equal(true));
  it('when ALL-USE is long the call a STAR-LAB order also buys, then it passes (same direction)', () =>
    expect(
      checkOrder(
        { ...put, action: 'BUY_TO_OPEN_CALL', quantity: 1 },
        { ...ctx, alluse: { ...ctx.alluse, positions: [{ secType: 'OPT', right: 'C', strikeCents: 15_000, expiry: '2025-05-09', quantity: 2 }] } },
        limits,
      ).ok,
    ).to.equal(true));
  it('when the segment is already over its capital limit, then a closing order still passes', () =>
    expect(checkOrder({ ...put, action: 'BUY_TO_CLOSE_PUT' }, { ...ctx, segment: { capitalLimitCents: 100, capitalUsedCents: 5_000_000 } }, limits).ok).to.equal(true));
  it('when a penny option is 40 % off its mid but within the $0.05 floor, then it passes; 6 cents off is out of band', () => {
    const penny = { ...put, limitPriceCents: 7, midCents: 5 };
    expect(checkOrder(penny, ctx, limits).ok).to.equal(true);
    const r = checkOrder({ ...penny, limitPriceCents: 11 }, ctx, limits);
    expect(r.ok ? 'ok' : r.code).to.equal('LIMIT_PRICE_OUT_OF_BAND');
  });
  it('when the pacing queue is exactly 10 s deep, then the order still passes', () => expect(checkOrder(put, { ...ctx, pacingBacklogMs: 10_000 }, limits).ok).to.equal(true));
  it('when reduce-only and the order closes, then it passes', () => expect(checkOrder({ ...put, action: 'BUY_TO_CLOSE_PUT' }, { ...ctx, reduceOnly: true }, limits).ok).to.equal(true));
  it('when a covered call uses the 200 uncovered shares, then it passes', () => expect(checkOrder({ ...put, action: 'SELL_TO_OPEN_CALL' }, ctx, limits).ok).to.equal(true));
});
