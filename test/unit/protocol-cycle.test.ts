/**
 * The weekly cycle's pure planning rules (src/domain/protocol-cycle.ts): sizing, covered calls,
 * share purchases, expiry settlement, roll credit and the cycle's dates.
 */
import { expect } from 'chai';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import type { Bar } from '../../src/domain/indicators';
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
