/**
 * Entries (PROTOCOL §1 sizing, §4 signals): which opening orders an account places in each symbol,
 * and the strike sold when the order goes out. One rule for the live weekly cycle
 * (activities/protocol/plan.ts) and the backtester (src/backtest/engine.ts).
 */
import type { AccountConfig, ProtocolConfig } from '../config';
import { contractsFor, usableCash } from '../ledger';
import type { Cents } from '../money';
import { canEnter, chooseEntryStrike, selectStrike, sizedContracts, targetDelta, type ChainQuote, type EntryStrike } from '../signals';
import type { AccountBooks, EntryAction, EntryOrder, EntryPlan, SymbolObservation } from './types';

const isRight = (q: ChainQuote, right: 'C' | 'P'): boolean => (right === 'C' ? q.delta > 0 : q.delta < 0);
/**
 * A chain may hold both rights of a symbol (Gen sells its puts, Com its calls): keep one, by delta's
 * sign. A chain of that right only is returned as it is (the backtester's are, at every entry).
 */
export const quotesOf = (chain: readonly ChainQuote[], right: 'C' | 'P'): readonly ChainQuote[] => (chain.every((q) => isRight(q, right)) ? chain : chain.filter((q) => isRight(q, right)));

// Opening orders as single literals, not a spread of common fields: the spread copy cost a
// backtest more than the rest of an entry decision (about 2 KB per order).
const atrOf = (m: SymbolObservation): Cents | undefined => (m.regime.atr === undefined ? undefined : Math.round(m.regime.atr));
const optionOrder = (a: AccountBooks, symbol: string, m: SymbolObservation, action: EntryAction, quantity: number, strikeCents: Cents, targetDelta: number): EntryOrder => ({
  accountId: a.accountId,
  symbol,
  underlyingCents: m.closeCents,
  atrCents: atrOf(m),
  regime: { trend: m.regime.trend, vol: m.regime.vol },
  action,
  quantity,
  strikeCents,
  expiry: m.expiry,
  targetDelta,
});
const stockOrder = (a: AccountBooks, symbol: string, m: SymbolObservation, quantity: number): EntryOrder => ({
  accountId: a.accountId,
  symbol,
  underlyingCents: m.closeCents,
  atrCents: atrOf(m),
  regime: { trend: m.regime.trend, vol: m.regime.vol },
  action: 'BUY_STOCK',
  quantity,
});

/**
 * The account's opening orders, symbol by symbol in the configured order: covered calls on whole
 * lots held, in any account (strike at or above cost basis); short puts sized on the cash left
 * after the previous symbols; a Com-Acc without shares buys lots first (its calls follow at the
 * next entry), its usable cash split evenly. Sizing uses the strike nearest the target delta.
 */
export function planEntries(a: AccountBooks, cfg: AccountConfig, p: ProtocolConfig, markets: Readonly<Record<string, SymbolObservation>>): EntryPlan {
  const out: EntryPlan = { orders: [], skipped: [] };
  const mult = p.market.contractMultiplier;
  let cashLeft = a.cashCents;
  for (const symbol of cfg.underlyings) {
    const m = markets[symbol];
    if (!m) {
      out.skipped.push({ symbol, reason: 'NO_MARKET_DATA' });
      continue;
    }
    const gate = canEnter({ maxOpenLevel: a.maxOpenLevel[symbol] ?? null, previousWeekType: a.previousWeekType[symbol] ?? null });
    if (!gate.ok) {
      out.skipped.push({ symbol, reason: `${gate.reason}: ${gate.detail}` });
      continue;
    }
    const r = m.regime;
    const target = targetDelta(cfg, r.trend, r.vol, p.signals);
    // Whole lots held, whatever the account: covered calls at or above cost basis (assigned shares
    // in Gen/Rev-Acc are covered too), and no new put in that symbol.
    const held = a.shares[symbol];
    if (held && held.quantity >= mult) {
      const n = sizedContracts(Math.floor(held.quantity / mult) - (a.callsWritten[symbol] ?? 0), target);
      const q = selectStrike(quotesOf(m.chain, 'C'), target.delta, held.costBasisCents);
      if (n <= 0 || !q) {
        out.skipped.push({ symbol, reason: n <= 0 ? 'ALREADY_COVERED' : 'NO_STRIKE' });
        continue;
      }
      out.orders.push(optionOrder(a, symbol, m, 'SELL_TO_OPEN_CALL', n, q.strike, target.delta));
      continue;
    }
    if (cfg.instrument === 'CASH_SECURED_PUT') {
      const q = selectStrike(quotesOf(m.chain, 'P'), target.delta);
      if (!q) {
        out.skipped.push({ symbol, reason: 'NO_STRIKE' });
        continue;
      }
      const usable = usableCash(cashLeft, a.valueCents, cfg.cashBuffer);
      const n = sizedContracts(
        contractsFor({ usableCash: usable, strike: q.strike, accountValue: a.valueCents, concentrationLimit: cfg.concentrationLimit, atRiskInSymbol: a.atRiskCents[symbol] ?? 0, multiplier: mult }),
        target,
      );
      if (n <= 0) {
        out.skipped.push({ symbol, reason: 'NO_CASH' });
        continue;
      }
      cashLeft -= n * q.strike * mult;
      out.orders.push(optionOrder(a, symbol, m, 'SELL_TO_OPEN_PUT', n, q.strike, target.delta));
      continue;
    }
    const budget = Math.floor(usableCash(a.cashCents, a.valueCents, cfg.cashBuffer) / cfg.underlyings.length);
    const lots = m.closeCents > 0 ? Math.floor(Math.min(budget, cashLeft) / (m.closeCents * mult)) : 0;
    if (lots <= 0) {
      out.skipped.push({ symbol, reason: 'NO_CASH' });
      continue;
    }
    cashLeft -= lots * mult * m.closeCents;
    out.orders.push(stockOrder(a, symbol, m, lots * mult));
  }
  return out;
}

/**
 * The strike sold when an entry goes out (PROTOCOL §4), from the chain as it is then: nearest the
 * planned target delta, calls at or above the shares' cost basis, and only inside the account's
 * band widened by `signals.deltaTolerance`; otherwise the entry is skipped with the reason.
 */
export function entryStrike(p: {
  right: 'C' | 'P';
  chain: readonly ChainQuote[];
  targetDelta: number;
  band: Pick<AccountConfig, 'deltaMin' | 'deltaMax'>;
  signals: ProtocolConfig['signals'];
  costBasisCents?: Cents;
}): EntryStrike {
  return chooseEntryStrike({
    chain: quotesOf(p.chain, p.right),
    targetDelta: p.targetDelta,
    band: p.band,
    tolerance: p.signals.deltaTolerance,
    minStrike: p.right === 'C' ? p.costBasisCents : undefined,
  });
}

/** An entry as it goes out: the order with its final size and, for an option, the quote sold. */
export type EntryAtMarket = { ok: true; order: EntryOrder; quote: ChainQuote | null } | { ok: false; reason: string };

/**
 * One symbol's entry at the moment it goes out (PROTOCOL §6 step 5), from the books and the market
 * as they are then: planEntries sizes it (contracts from the strike actually sold, share lots from
 * the price actually paid, the cash buffer against the value then) and entryStrike picks the strike
 * inside the band. The Friday plan only says which entries are due; the live placement and the
 * backtester both decide size and strike here, on the entry day, so they cannot disagree on what
 * the same bars show (docs/PROTOCOL-ENGINE.md "Entry-day pricing").
 */
export function entryAtMarket(a: AccountBooks, cfg: AccountConfig, p: ProtocolConfig, m: SymbolObservation): EntryAtMarket {
  const plan = planEntries(a, cfg, p, { [m.symbol]: m });
  const order = plan.orders.find((o) => o.symbol === m.symbol);
  if (!order) return { ok: false, reason: plan.skipped.find((x) => x.symbol === m.symbol)?.reason ?? 'NO_ORDER' };
  if (order.action === 'BUY_STOCK') return { ok: true, order, quote: null };
  const right = order.action === 'SELL_TO_OPEN_CALL' ? 'C' : 'P';
  const basis = a.shares[m.symbol]?.costBasisCents;
  const chosen = entryStrike({ right, chain: m.chain, targetDelta: order.targetDelta ?? 0, band: cfg, signals: p.signals, costBasisCents: basis });
  if (!chosen.ok) return { ok: false, reason: `${chosen.reason}: ${chosen.detail}` };
  order.strikeCents = chosen.quote.strike; // the plan is this call's own: no copy of the order for its final strike
  return { ok: true, order, quote: chosen.quote };
}
