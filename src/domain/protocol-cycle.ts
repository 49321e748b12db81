/**
 * The weekly cycle's planning rules that the other domain modules leave open: which orders an
 * account places next week (PROTOCOL §1 sizing + §4 signals), how an expiring option settles,
 * and when a level-2 roll is worth it. Pure: callers pass prices in cents and the config.
 */
import { addDays, mondayOf, nextEntryDay, weeklyExpiry, weekOf, type IsoDate, type Weekday } from './calendar';
import type { AccountConfig, AccountKind, ProtocolConfig } from './config';
import { regimes, type Bar, type Regime } from './indicators';
import { contractsFor, usableCash } from './ledger';
import type { Level } from './levels';
import type { Cents } from './money';
import { canEnter, selectStrike, sizedContracts, targetDelta, type ChainQuote } from './signals';
import type { WeekType } from './weekTypes';

/** What the broker showed for one underlying at the weekly close. */
export interface SymbolMarket {
  symbol: string;
  closeCents: Cents;
  /** weekly bars, oldest first (cents) */
  weekly: Bar[];
  /** next week's expiry (YYYY-MM-DD) and its chain for the right the account trades */
  expiry: IsoDate;
  chain: ChainQuote[];
}

export interface AccountSnapshot {
  accountId: string;
  kind: AccountKind;
  cashCents: Cents;
  valueCents: Cents;
  /** shares held and their cost basis per symbol */
  shares: Readonly<Record<string, { quantity: number; costBasisCents: Cents }>>;
  /** short call contracts already written per symbol */
  callsWritten: Readonly<Record<string, number>>;
  /** strike × multiplier × contracts of open short puts per symbol */
  atRiskCents: Readonly<Record<string, Cents>>;
  previousWeekType: Readonly<Record<string, WeekType>>;
  maxOpenLevel: Readonly<Record<string, Level>>;
}

export type PlannedAction = 'SELL_TO_OPEN_PUT' | 'SELL_TO_OPEN_CALL' | 'BUY_STOCK';

export interface PlannedOrder {
  accountId: string;
  symbol: string;
  action: PlannedAction;
  quantity: number;
  strikeCents?: Cents;
  expiry?: IsoDate;
  underlyingCents: Cents;
  atrCents?: Cents;
  regime: Pick<Regime, 'trend' | 'vol'>;
  targetDelta?: number;
}

export interface PlanResult {
  orders: PlannedOrder[];
  skipped: { symbol: string; reason: string }[];
}

/** The regime at the latest weekly bar (NEUTRAL/NORMAL without history). */
export function latestRegime(weekly: readonly Bar[], cfg: ProtocolConfig['regime']): Regime {
  return regimes(weekly, cfg).at(-1) ?? { trend: 'NEUTRAL', vol: 'NORMAL', atr: undefined };
}

/** A chain may hold both rights of a symbol (Gen sells its puts, Com its calls): keep one, by delta's sign. */
export const quotesOf = (chain: readonly ChainQuote[], right: 'C' | 'P'): ChainQuote[] => chain.filter((q) => (right === 'C' ? q.delta > 0 : q.delta < 0));

/**
 * Next week's orders of one account, symbol by symbol in the configured order: covered calls on
 * whole lots held, in any account (strike at or above cost basis); short puts sized on the cash
 * left after the previous symbols; a Com-Acc without shares buys lots first, its usable cash split evenly.
 */
export function planAccount(a: AccountSnapshot, cfg: AccountConfig, p: ProtocolConfig, markets: Readonly<Record<string, SymbolMarket>>): PlanResult {
  const out: PlanResult = { orders: [], skipped: [] };
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
    const r = latestRegime(m.weekly, p.regime);
    const target = targetDelta(cfg, r.trend, r.vol, p.signals);
    const base = { accountId: a.accountId, symbol, underlyingCents: m.closeCents, atrCents: r.atr === undefined ? undefined : Math.round(r.atr), regime: { trend: r.trend, vol: r.vol } };
    // Whole lots held, whatever the account: covered calls at or above cost basis (assigned shares
    // in Gen/Rev-Acc are covered too, as the backtest does), and no new put in that symbol.
    const held = a.shares[symbol];
    if (held && held.quantity >= mult) {
      const n = sizedContracts(Math.floor(held.quantity / mult) - (a.callsWritten[symbol] ?? 0), target);
      const q = selectStrike(quotesOf(m.chain, 'C'), target.delta, held.costBasisCents);
      if (n <= 0 || !q) {
        out.skipped.push({ symbol, reason: n <= 0 ? 'ALREADY_COVERED' : 'NO_STRIKE' });
        continue;
      }
      out.orders.push({ ...base, action: 'SELL_TO_OPEN_CALL', quantity: n, strikeCents: q.strike, expiry: m.expiry, targetDelta: target.delta });
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
      out.orders.push({ ...base, action: 'SELL_TO_OPEN_PUT', quantity: n, strikeCents: q.strike, expiry: m.expiry, targetDelta: target.delta });
      continue;
    }
    const budget = Math.floor(usableCash(a.cashCents, a.valueCents, cfg.cashBuffer) / cfg.underlyings.length);
    const lots = m.closeCents > 0 ? Math.floor(Math.min(budget, cashLeft) / (m.closeCents * mult)) : 0;
    if (lots <= 0) {
      out.skipped.push({ symbol, reason: 'NO_CASH' });
      continue;
    }
    cashLeft -= lots * mult * m.closeCents;
    out.orders.push({ ...base, action: 'BUY_STOCK', quantity: lots * mult });
  }
  return out;
}

export interface ExpiringOption {
  right: 'C' | 'P';
  strikeCents: Cents;
  /** signed contracts: negative = short */
  quantity: number;
}

export interface Settlement {
  outcome: 'EXPIRED' | 'ASSIGNED' | 'EXERCISED';
  /** signed change in shares */
  shares: number;
  /** signed cash change (strike × shares delivered) */
  cashCents: Cents;
}

/** Expiry at the closing price, as the exchange settles it: in the money strictly (put S < K, call S > K). */
export function settleOption(o: ExpiringOption, closeCents: Cents, multiplier: number): Settlement {
  const itm = o.right === 'C' ? closeCents > o.strikeCents : closeCents < o.strikeCents;
  if (!itm || o.quantity === 0) return { outcome: 'EXPIRED', shares: 0, cashCents: 0 };
  const shares = (o.right === 'C' ? 1 : -1) * o.quantity * multiplier;
  return { outcome: o.quantity < 0 ? 'ASSIGNED' : 'EXERCISED', shares, cashCents: -shares * o.strikeCents };
}

/** The cycle's dates for the week of `asOf`: its id, Friday-or-earlier close, and next week's entry/expiry. */
export function cycleDates(asOf: IsoDate): { week: string; close: IsoDate | null; nextMonday: IsoDate; nextExpiry: IsoDate | null } {
  const nextMonday = addDays(mondayOf(asOf), 7);
  return { week: weekOf(asOf), close: weeklyExpiry(asOf), nextMonday, nextExpiry: weeklyExpiry(nextMonday) };
}

/** The account's entry day in the week starting `nextMonday` (holidays shift it, calendar rules). */
export const entryDayOf = (cfg: Pick<AccountConfig, 'entryWeekdays'>, nextMonday: IsoDate): IsoDate | null => nextEntryDay(nextMonday, cfg.entryWeekdays as Weekday[]);

/** Weeks (their Fridays) from `from` to `to` inclusive, for backfill. */
export function weeksBetween(from: IsoDate, to: IsoDate, max = 260): IsoDate[] {
  const out: IsoDate[] = [];
  for (let d = addDays(mondayOf(from), 4); d <= addDays(mondayOf(to), 4) && out.length < max; d = addDays(d, 7)) out.push(d);
  return out;
}

/**
 * A level-2 roll (PROTOCOL §2): buy back at the ask, sell the next expiry at its bid, only when
 * that is a net credit; the new strike is the listed one nearest the band's lower delta (more room).
 */
export function planRoll(p: { closeAskCents: Cents; next: readonly ChainQuote[]; band: Pick<AccountConfig, 'deltaMin'>; minStrike?: Cents }): { open: ChainQuote; creditCents: Cents } | null {
  const open = selectStrike(p.next, p.band.deltaMin, p.minStrike);
  if (!open || open.bid <= p.closeAskCents) return null;
  return { open, creditCents: open.bid - p.closeAskCents };
}

/**
 * The level-2 roll of one short position: a covered call is never rolled below the shares' cost
 * basis (PROTOCOL §2, as the backtest does); a put has no such floor.
 */
export function planPositionRoll(p: {
  right: 'C' | 'P';
  closeAskCents: Cents;
  next: readonly ChainQuote[];
  band: Pick<AccountConfig, 'deltaMin'>;
  sharesBasisCents?: Cents;
}): { open: ChainQuote; creditCents: Cents } | null {
  const minStrike = p.right === 'C' ? p.sharesBasisCents : undefined;
  return planRoll({ closeAskCents: p.closeAskCents, next: quotesOf(p.next, p.right), band: p.band, ...(minStrike !== undefined ? { minStrike } : {}) });
}

/** Account value: cash plus shares and options marked at the given prices (cents per share). */
export function accountValue(cashCents: Cents, holdings: readonly { quantity: number; markCents: Cents; multiplier: number }[]): Cents {
  return holdings.reduce((v, h) => v + h.quantity * h.markCents * h.multiplier, cashCents);
}
