/**
 * The live weekly cycle's view of the decision core (./engine): the week's dates and entry days,
 * and the plan of an account from the broker's weekly history. The rules themselves (entries,
 * settlement, rolls) live in ./engine and are re-exported here for the activities.
 */
import { addDays, mondayOf, nextEntryDay, weeklyExpiry, weekOf, type IsoDate, type Weekday } from './calendar';
import type { AccountConfig, ProtocolConfig } from './config';
import { regimes, type Bar, type Regime } from './indicators';
import type { Cents } from './money';
import type { ChainQuote } from './signals';
import { planEntries, type AccountBooks, type EntryAction, type EntryOrder, type EntryPlan } from './engine';

export { quotesOf, settleOption, planRoll, planPositionRoll, type ExpiringOption, type Settlement } from './engine';

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

/** An account's books as planning sees them (the decision core's AccountBooks). */
export type AccountSnapshot = AccountBooks;

export type PlannedAction = EntryAction;
export type PlannedOrder = EntryOrder;

export type PlanResult = EntryPlan;

/** The regime at the latest weekly bar (NEUTRAL/NORMAL without history). */
export function latestRegime(weekly: readonly Bar[], cfg: ProtocolConfig['regime']): Regime {
  return regimes(weekly, cfg).at(-1) ?? { trend: 'NEUTRAL', vol: 'NORMAL', atr: undefined };
}

/**
 * Next week's orders of one account (the decision core's planEntries), with the regime of the
 * latest weekly bar of each symbol's history.
 */
export function planAccount(a: AccountSnapshot, cfg: AccountConfig, p: ProtocolConfig, markets: Readonly<Record<string, SymbolMarket>>): PlanResult {
  const observed = Object.fromEntries(
    Object.entries(markets).map(([k, m]) => [k, { symbol: m.symbol, closeCents: m.closeCents, regime: latestRegime(m.weekly, p.regime), expiry: m.expiry, chain: m.chain }]),
  );
  return planEntries(a, cfg, p, observed);
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

/** Account value: cash plus shares and options marked at the given prices (cents per share). */
export function accountValue(cashCents: Cents, holdings: readonly { quantity: number; markCents: Cents; multiplier: number }[]): Cents {
  return holdings.reduce((v, h) => v + h.quantity * h.markCents * h.multiplier, cashCents);
}
