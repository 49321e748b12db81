/**
 * The backtester's side of the parity check: runBacktest over the setup's bars, its decisions in
 * the parity vocabulary. Trades and settlements are tapped at the Book (the one place every rule's
 * trade passes) for the length of the run; week types and cash are read at each weekly close.
 * The backtester's own `onDecision` hook (src/backtest/book.ts) reports the same decisions under
 * other conventions (the whole ladder, not the ladder up to the fill; idle weeks under the symbol,
 * not '*'): one of the two goes once the conventions are one (issue 13).
 */
import { weekOf, type IsoDate } from '../domain/calendar';
import { settleOption } from '../domain/protocol-cycle';
import { isSell, isStock as stock } from '../domain/instrument';
import { limitPriceForAttempt } from '../domain/signals';
import { IB_FIXED_RATES, orderCommissionCents } from '../domain/commission';
import type { Decision } from '../contracts/parity';
import { Book, type Account, type Option } from '../backtest/book';
import { runBacktest } from '../backtest/engine';
import { buildMarket } from '../backtest/market';
import { AccountRoles } from './roles';
import type { ParitySetup } from './setup';

/** The backtester's volatility estimate per day (what the live side sets the simulator's to). */
export function volatilityByDay(s: ParitySetup): Map<IsoDate, number> {
  const m = buildMarket(s.bars, s.options, s.protocol);
  return new Map(m.days.map((d, i) => [d.date, m.vol[i] ?? s.options.minVol]));
}

type TradeArgs = Parameters<Book['trade']>[1];

export function backtestDecisions(s: ParitySetup): Decision[] {
  const out: Decision[] = [];
  const roles = new AccountRoles('F0');
  const symbol = s.symbol;
  const first = s.tradedWeeks[0] ?? '';
  const proto = Book.prototype;
  // The originals, called with the Book as `this` and restored after the run.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const { trade, settle } = proto;
  const mult = s.protocol.market.contractMultiplier;
  /**
   * The limit ladder up to the fill (stock: a market order, no ladder). Under the marketable fill
   * model the fill is at the touch, so the touch and the mid give every attempt (domain rule).
   */
  const ladderTo = (mid: number, fill: number, side: 'BUY' | 'SELL'): number[] => {
    if (s.options.fillModel !== 'marketable') return mid === fill ? [fill] : [mid, fill];
    const out: number[] = [];
    // A quote with this touch and this mid (the ladder depends on nothing else).
    const [bid, ask] = side === 'SELL' ? [fill, 2 * mid - fill] : [2 * mid - fill, fill];
    for (let n = 0; n <= s.protocol.signals.maxReprices; n++) {
      const px = limitPriceForAttempt(n, bid, ask, side, s.protocol.signals);
      if (px === 'SKIP') break;
      out.push(px);
      if (px === fill) break;
    }
    return out;
  };
  proto.trade = function (this: Book, a: Account, t: TradeArgs) {
    const code = trade.call(this, a, t);
    if (code) return code;
    const week = weekOf(t.day);
    const leg = { right: t.right ?? null, strikeCents: t.strike ?? null, expiry: t.expiry ?? null };
    const account = roles.of(a.id);
    const ladder = stock(t.action) ? [] : ladderTo(t.mid, t.price, isSell(t.action) ? 'SELL' : 'BUY');
    const fee = orderCommissionCents(stock(t.action) ? 'STK' : 'OPT', t.qty, t.price, { ...IB_FIXED_RATES, perContractCents: s.protocol.market.commissionPerContractCents }); // as the Book charges it
    out.push({ kind: 'ORDER', week, account, symbol, ...leg, action: t.action, quantity: t.qty, limitLadderCents: ladder });
    out.push({ kind: 'FILL', week, account, symbol, ...leg, action: t.action, quantity: t.qty, priceCents: t.price, commissionCents: fee });
    return code;
  };
  proto.settle = function (this: Book, a: Account, x: Option, close: number, day: IsoDate) {
    const r = settleOption({ right: x.right, strikeCents: x.strike, quantity: -x.qty }, close, mult);
    out.push({ kind: r.outcome === 'EXPIRED' ? 'EXPIRY' : 'ASSIGNMENT', week: weekOf(day), account: roles.of(a.id), symbol, right: x.right, strikeCents: x.strike, expiry: x.expiry, quantity: x.qty });
    settle.call(this, a, x, close, day);
  };
  try {
    runBacktest(buildMarket(s.bars, s.options, s.protocol), s.bars, s.protocol, s.options, undefined, (w) => {
      for (const f of w.book.families) roles.family(f.id);
      for (const a of w.book.accounts) {
        out.push({ kind: 'WEEK_TYPE', week: w.week, account: roles.of(a.id), symbol: a.lastType === 'W-IDL' ? '*' : symbol, type: a.lastType ?? 'W-IDL' });
        for (const id of w.book.cashIds(a)) out.push({ kind: 'CASH', week: w.week, account: roles.of(id), symbol: '*', cashCents: w.book.cash(id) });
      }
    });
  } finally {
    proto.trade = trade;
    proto.settle = settle;
  }
  return out.filter((d) => d.week >= first);
}
