/**
 * The weekly cycle's pure planning rules (src/domain/protocol-cycle.ts): sizing, covered calls,
 * share purchases, expiry settlement, roll credit and the cycle's dates.
 */
import { expect } from 'chai';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import type { Bar } from '../../src/domain/indicators';
import { entryAtMarket, type SymbolObservation } from '../../src/domain/engine';
import { chainWindowOf, type ChainQuote } from '../../src/domain/signals';
import { accountValue, cycleDates, entryDayOf, planAccount, planRoll, settleOption, weeksBetween, type AccountSnapshot, type SymbolMarket } from '../../src/domain/protocol-cycle';

const P = DEFAULT_PROTOCOL;
const flat = (close: number, n = 40): Bar[] =>
  Array.from({ length: n }, (_, i) => ({ date: `2025-01-${String((i % 28) + 1).padStart(2, '0')}`, open: close, high: close + 100, low: close - 100, close }));
const market = (symbol: string, close: number, chain: SymbolMarket['chain']): SymbolMarket => ({ symbol, closeCents: close, weekly: flat(close), expiry: '2025-05-16', chain });
const acct = (over: Partial<AccountSnapshot>): AccountSnapshot => ({
  accountId: 'F:GEN',
  kind: 'GEN',
  cashCents: 40_000_000,
  valueCents: 40_000_000,
  shares: {},
  callsWritten: {},
  atRiskCents: {},
  previousWeekType: {},
  maxOpenLevel: {},
  ...over,
});
const puts = [
  { strike: 24_000, delta: -0.3, bid: 150, ask: 160 },
  { strike: 24_500, delta: -0.45, bid: 300, ask: 320 },
  { strike: 25_000, delta: -0.55, bid: 500, ask: 520 },
];

describe('protocol-cycle: planning next week', () => {
  it('when Gen-Acc trades TSLA in a neutral market, then it sells the put nearest the band middle, capped at 10 % of value', () => {
    const cfg = { ...P.accounts.GEN, underlyings: ['TSLA'] };
    const r = planAccount(acct({}), cfg, P, { TSLA: market('TSLA', 25_000, puts) });
    expect(r.orders).to.have.length(1);
    // 10 % of $400,000 = $40,000 at risk; one contract at $245 strike is $24,500.
    expect(r.orders[0]).to.include({ action: 'SELL_TO_OPEN_PUT', strikeCents: 24_500, quantity: 1, expiry: '2025-05-16' });
  });

  it('when the previous week was P-AOL or a position is at level 1, then the symbol is skipped with the reason', () => {
    const cfg = { ...P.accounts.GEN, underlyings: ['TSLA', 'NVDA'] };
    const r = planAccount(acct({ previousWeekType: { TSLA: 'P-AOL' }, maxOpenLevel: { NVDA: 1 } }), cfg, P, { TSLA: market('TSLA', 25_000, puts), NVDA: market('NVDA', 25_000, puts) });
    expect(r.orders).to.deep.equal([]);
    expect(r.skipped.map((s) => s.reason.split(':')[0])).to.deep.equal(['PREVIOUS_WEEK', 'LEVEL']);
  });

  it('when Com-Acc holds no shares, then it buys whole lots with its usable cash; with shares, it writes calls at or above cost basis', () => {
    const cfg = { ...P.accounts.COM, underlyings: ['MSFT'] };
    const buy = planAccount(acct({ accountId: 'F:COM', kind: 'COM', cashCents: 30_000_000, valueCents: 30_000_000 }), cfg, P, { MSFT: market('MSFT', 40_000, []) });
    expect(buy.orders[0]).to.include({ action: 'BUY_STOCK', quantity: 700 }); // $285,000 usable / $40,000 per lot
    const calls = [
      { strike: 39_000, delta: 0.6, bid: 1500, ask: 1600 },
      { strike: 41_000, delta: 0.3, bid: 400, ask: 420 },
      { strike: 42_000, delta: 0.22, bid: 200, ask: 220 },
    ];
    const sell = planAccount(acct({ accountId: 'F:COM', kind: 'COM', shares: { MSFT: { quantity: 700, costBasisCents: 40_001 } }, callsWritten: { MSFT: 2 } }), cfg, P, {
      MSFT: market('MSFT', 40_000, calls),
    });
    // Neutral trend: band middle 0.25, nearest |delta| 0.22; the 39,000 strike is below cost basis.
    expect(sell.orders[0]).to.include({ action: 'SELL_TO_OPEN_CALL', quantity: 5, strikeCents: 42_000 });
  });
});

describe('protocol-cycle: settlement, rolls and dates', () => {
  it('when a short put closes below the strike, then 100 shares per contract arrive at the strike; at the strike it expires', () => {
    expect(settleOption({ right: 'P', strikeCents: 25_000, quantity: -2 }, 22_000, 100)).to.deep.equal({ outcome: 'ASSIGNED', shares: 200, cashCents: -5_000_000 });
    expect(settleOption({ right: 'P', strikeCents: 25_000, quantity: -2 }, 25_000, 100).outcome).to.equal('EXPIRED');
    expect(settleOption({ right: 'C', strikeCents: 41_000, quantity: -3 }, 42_000, 100)).to.deep.equal({ outcome: 'ASSIGNED', shares: -300, cashCents: 12_300_000 });
  });

  it('when the next expiry pays more than the buy-back, then the roll is planned; otherwise not at all', () => {
    const next = [
      { strike: 24_000, delta: -0.4, bid: 900, ask: 950 },
      { strike: 23_000, delta: -0.3, bid: 500, ask: 520 },
    ];
    expect(planRoll({ closeAskCents: 800, next, band: { deltaMin: 0.4 } })).to.deep.equal({ open: next[0], creditCents: 100 });
    expect(planRoll({ closeAskCents: 900, next, band: { deltaMin: 0.4 } })).to.equal(null);
  });

  it('when the week has Good Friday, then it closes Thursday; next week entries follow the account weekdays', () => {
    expect(cycleDates('2025-04-16')).to.deep.equal({ week: '2025-W16', close: '2025-04-17', nextMonday: '2025-04-21', nextExpiry: '2025-04-25' });
    expect(entryDayOf(P.accounts.COM, '2025-01-20')).to.equal('2025-01-21'); // MLK Monday: the next trading day
    expect(entryDayOf(P.accounts.GEN, '2025-04-21')).to.equal('2025-04-24');
    expect(weeksBetween('2025-04-14', '2025-05-01')).to.deep.equal(['2025-04-18', '2025-04-25', '2025-05-02']);
  });

  it('when an account holds shares and options, then its value marks each at its multiplier', () => {
    expect(
      accountValue(1_000, [
        { quantity: 100, markCents: 200, multiplier: 1 },
        { quantity: -1, markCents: 50, multiplier: 100 },
      ]),
    ).to.equal(16_000);
  });
});

// Issue 13's parity causes (a) and (b): an entry is sized and struck on its entry day, from the
// books and the market as they are then, by one pure function (entryAtMarket) that the live
// placement and the backtester both call; and the chain the live side quotes reaches the strike
// nearest the target even when that strike is a step in the money.
const observe = (closeCents: number, chain: ChainQuote[] = []): SymbolObservation => ({
  symbol: 'SPY',
  closeCents,
  regime: { trend: 'NEUTRAL', vol: 'NORMAL', atr: 300 },
  expiry: '2008-08-08',
  chain,
});

describe('entry at market: size and strike are decided on the entry day (issue 13 parity)', () => {
  it('when Com-Acc buys shares, then the lots follow the entry-day price, not the Friday close (2,300 at $124.90; the Friday close $126.03 would give 2,200)', () => {
    const cfg = { ...DEFAULT_PROTOCOL.accounts.COM, underlyings: ['SPY'] };
    const com = acct({ accountId: 'F:COM', kind: 'COM', cashCents: 30_383_240, valueCents: 30_383_240 });
    const monday = entryAtMarket(com, cfg, DEFAULT_PROTOCOL, observe(12_490));
    expect(monday.ok && [monday.order.action, monday.order.quantity]).to.deep.equal(['BUY_STOCK', 2_300]);
    const friday = entryAtMarket(com, cfg, DEFAULT_PROTOCOL, observe(12_603));
    expect(friday.ok && friday.order.quantity).to.equal(2_200);
  });

  it('when Gen-Acc sells a put, then its contracts are sized on the strike it sells at entry', () => {
    const cfg = { ...DEFAULT_PROTOCOL.accounts.GEN, underlyings: ['SPY'], concentrationLimit: 1 };
    // $100,000 usable after the 5 % buffer of $105,263.16: 8 puts at $120, 7 at $130.
    const gen = acct({ accountId: 'F:GEN', kind: 'GEN', cashCents: 10_526_316, valueCents: 10_526_316 });
    const low = entryAtMarket(gen, cfg, DEFAULT_PROTOCOL, observe(12_100, [{ strike: 12_000, delta: -0.45, bid: 100, ask: 110 }]));
    const high = entryAtMarket(gen, cfg, DEFAULT_PROTOCOL, observe(13_100, [{ strike: 13_000, delta: -0.45, bid: 100, ask: 110 }]));
    expect(low.ok && [low.order.strikeCents, low.order.quantity]).to.deep.equal([12_000, 8]);
    expect(high.ok && [high.order.strikeCents, high.order.quantity]).to.deep.equal([13_000, 7]);
  });

  it('when no strike at entry is inside the band, then the entry is skipped with the reason', () => {
    const cfg = { ...DEFAULT_PROTOCOL.accounts.GEN, underlyings: ['SPY'] };
    const gen = acct({ accountId: 'F:GEN', kind: 'GEN', cashCents: 40_000_000, valueCents: 40_000_000 });
    const r = entryAtMarket(gen, cfg, DEFAULT_PROTOCOL, observe(12_640, [{ strike: 12_500, delta: -0.29, bid: 30, ask: 40 }]));
    expect(r.ok).to.equal(false);
    expect(!r.ok && r.reason).to.match(/^DELTA_OUT_OF_BAND/);
  });
});

describe('chain window: the strike nearest the target may be in the money (issue 13 parity)', () => {
  // A day before expiry, Gen-Acc's assigned shares at $126.00, spot $126.40: the $126 call (delta
  // 0.47) is the one nearest 0.45; the first strike above spot has delta 0.29, outside 0.40–0.50 ± 0.05.
  const listed: ChainQuote[] = [
    { strike: 12_600, delta: 0.47, bid: 70, ask: 72 },
    { strike: 12_700, delta: 0.29, bid: 30, ask: 32 },
    { strike: 12_800, delta: 0.14, bid: 10, ask: 12 },
  ];
  const s = DEFAULT_PROTOCOL.signals;
  const quoted = (lo: number, hi: number) => listed.filter((q) => q.strike / 100 >= lo && q.strike / 100 <= hi);

  it('when the configured window is quoted, then it reaches in the money (calls below spot, puts above)', () => {
    const [clo, chi] = chainWindowOf('C', 100, s.chainWindow, s.chainWindowInTheMoney);
    const [plo, phi] = chainWindowOf('P', 100, s.chainWindow, s.chainWindowInTheMoney);
    expect(clo).to.be.below(100);
    expect(chi).to.be.closeTo(130, 1e-9);
    expect(plo).to.be.closeTo(70, 1e-9);
    expect(phi).to.be.above(100);
  });

  it('when Gen-Acc covers assigned shares, then the call a step in the money is sold, as the backtester sells it', () => {
    const cfg = { ...DEFAULT_PROTOCOL.accounts.GEN, underlyings: ['SPY'] };
    const gen = acct({ accountId: 'F:GEN', kind: 'GEN', cashCents: 2_000_000, valueCents: 5_792_000, shares: { SPY: { quantity: 300, costBasisCents: 12_600 } } });
    const chain = quoted(...chainWindowOf('C', 126.4, s.chainWindow, s.chainWindowInTheMoney));
    const r = entryAtMarket(gen, cfg, DEFAULT_PROTOCOL, observe(12_640, chain));
    expect(r.ok && [r.order.action, r.order.strikeCents, r.order.quantity]).to.deep.equal(['SELL_TO_OPEN_CALL', 12_600, 3]);
  });
});
