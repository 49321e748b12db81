/**
 * The weekly loop: every day of every week, each account settles at expiry, is monitored for
 * its protocol level (rolling at level 2), and enters on its entry day; at the week's close each
 * account's week is classified, then fork, merge and quarterly reinvestment are applied.
 * Regimes and ATR come from the previous week's close (no look-ahead).
 */
import { addDays, quarterOf, toEpochDay, weekOf, type IsoDate, type Weekday } from '../domain/calendar';
import { limitLadder, midPrice } from '../domain/signals';
import { entryAtMarket, planPositionRoll, positionLevel, rollDue, rollLadder, weekInputOf, type AccountBooks } from '../domain/engine';
import { classifyWeek, emptyWeekTypeCounts, type WeekInput, type WeekType } from '../domain/weekTypes';
import { initialSplit, planFork, usableCash } from '../domain/ledger';
import { type Bar, type Regime } from '../domain/indicators';
import { ACCOUNT_KINDS, type AccountKind, type ProtocolConfig } from '../domain/config';
import { Book, type Account, type Option } from './book';
import { chain, chainBounds, entryDaysByWeek, expiryByWeek, listedQuote, type Market, yearsBetween } from './market';
import type { BacktestRunOptions } from './options';
import { applyMerges, applyReinvest } from './capital';
import { cashRateOn, listedExpiry, premiumShortfall } from './honest';
import { assumedFill } from './fills';

export interface WeekPoint {
  week: string;
  date: IsoDate;
  /** value per account id and the total, in cents */
  values: Record<string, number>;
  total: number;
  indexClose: number;
}
export interface RunResult {
  points: WeekPoint[];
  weekTypes: Record<WeekType, number>;
  /** net premium (cents) of the account-weeks of each type */
  premiumByType: Record<WeekType, number>;
  byAccount: Record<string, Record<WeekType, number>>;
  events: { week: string; kind: 'FORK' | 'MERGE' | 'REINVEST'; detail: string }[];
  book: Book;
  rolls: number;
  skips: Record<string, number>;
  /** entries measured against targetWeeklyPremium (see honest.premiumShortfall), per account kind */
  premiumTarget: Record<string, { entries: number; below: number }>;
}

/** The §3 input of an option position this week; close (and ATR) are set at the weekly close. */
const weekInput = (a: Account, x: Option): WeekInput => weekInputOf({ right: x.right, strikeCents: x.strike, rolled: a.rolled, closeCents: 0, atrCents: 0, costBasisCents: a.basis });

/** What an observer sees at each weekly close (after classification, forks, merges and reinvestment). */
export interface WeekObservation {
  week: string;
  date: IsoDate;
  regime: Regime;
  book: Book;
  /** account id → value at the close (cents) */
  values: Record<string, number>;
}

export function runBacktest(
  m: Market,
  indexBars: readonly Bar[],
  p: ProtocolConfig,
  o: BacktestRunOptions,
  onWeek?: (i: number, n: number) => void,
  observe?: (w: WeekObservation) => void,
): RunResult {
  const book = new Book(p, o);
  book.longVol = { at: m.at, series: m.longVol, floor: o.minVol };
  const res: RunResult = { points: [], weekTypes: emptyWeekTypeCounts(), premiumByType: emptyWeekTypeCounts(), byAccount: {}, events: [], book, rolls: 0, skips: {}, premiumTarget: {} };
  const skip = (why: string): void => void (res.skips[why] = (res.skips[why] ?? 0) + 1);
  const root = book.addFamily('F0', null, ['GEN', 'REV', 'COM']);
  const start = p.regime.atrPeriod; // the first week with a previous-week ATR
  const first = m.weekly[start];
  if (!first) throw new Error(`need more than ${start} weeks of data`);
  book.post(initialSplit(root.id, o.lumpSumCents, p.accounts, first.firstDate));
  root.base = book.cash('F0:GEN');
  // The starting point: the lump sum at the close before the first traded week (buy & hold buys there too).
  const before = m.weekly[start - 1];
  if (before) {
    const values = Object.fromEntries(root.accounts.map((a) => [a.id, book.cash(a.id)]));
    res.points.push({ week: before.week, date: before.lastDate, values, total: o.lumpSumCents, indexClose: indexBars[m.at.get(before.lastDate) ?? 0]?.close ?? 0 });
  }
  const mult = p.market.contractMultiplier;

  // The core only reads the books it is given: the records of one symbol that hold nothing, a week
  // type or a level are shared rather than built at every entry day of every account.
  const none: Readonly<Record<string, never>> = Object.freeze({});
  const records = new Map<WeekType | number, Readonly<Record<string, WeekType | number>>>();
  const bySymbol = <T extends WeekType | number>(v: T): Readonly<Record<string, T>> => {
    let r = records.get(v);
    if (!r) records.set(v, (r = Object.freeze({ [o.symbol]: v })));
    return r as Readonly<Record<string, T>>;
  };
  /** The books of one account as the decision core reads them (one symbol, at most one short option). */
  function booksOf(a: Account, valueCents: number): AccountBooks {
    const sym = o.symbol;
    return {
      accountId: a.id,
      kind: a.kind,
      cashCents: book.cash(a.id),
      valueCents,
      shares: a.shares > 0 ? { [sym]: { quantity: a.shares, costBasisCents: a.basis } } : none,
      callsWritten: a.opt?.right === 'C' ? { [sym]: a.opt.qty } : none,
      atRiskCents: a.opt?.right === 'P' ? { [sym]: a.opt.strike * a.opt.qty * mult } : none,
      previousWeekType: a.lastType ? bySymbol(a.lastType) : none,
      maxOpenLevel: a.level !== null ? bySymbol(a.level) : none,
    };
  }
  /** The core's skip reasons under the names the report has always counted. */
  const skipName = (reason: string, right: 'C' | 'P' | null): string =>
    reason.startsWith('LEVEL') || reason.startsWith('PREVIOUS_WEEK')
      ? `entry blocked: ${reason.slice(0, reason.indexOf(':'))}`
      : reason === 'NO_CASH'
        ? right
          ? 'size 0'
          : 'no cash for shares'
        : reason === 'NO_STRIKE'
          ? 'no strike'
          : reason.toLowerCase().replaceAll('_', ' ');

  /** An entry day: the core sizes the account's entry and chooses its strike at this close (entryAtMarket, as live); the book fills it there. */
  function enter(a: Account, bar: Bar, reg: Regime, expiry: IsoDate | null): void {
    const day = bar.date;
    if (!expiry || expiry <= day) return skip('no time left to expiry');
    const vol = m.vol[m.at.get(day) ?? 0] ?? o.minVol;
    const spot = bar.close;
    const years = yearsBetween(day, expiry);
    const value = book.value(a, spot, day, vol, false);
    const right = a.shares >= mult ? 'C' : a.cfg.instrument === 'CASH_SECURED_PUT' ? 'P' : null;
    // Not one put can be secured even at the chain's lowest strike: the core would size 0 at any
    // strike, so the chain is not quoted at all (a shortcut for small forked accounts, same result).
    if (right === 'P' && usableCash(book.cash(a.id), value, a.cfg.cashBuffer) < chainBounds(o, spot, years, vol).lo * mult) return skip('size 0');
    const quotes = right ? chain(o, right, spot, years, vol, right === 'C' ? a.basis : 0) : [];
    const decided = entryAtMarket(booksOf(a, value), a.cfg, p, { symbol: o.symbol, closeCents: spot, regime: reg, expiry, chain: quotes });
    if (!decided.ok)
      return skip(
        decided.reason.startsWith('NO_STRIKE:') || decided.reason.startsWith('DELTA_OUT_OF_BAND') ? `entry: ${decided.reason.slice(0, decided.reason.indexOf(':'))}` : skipName(decided.reason, right),
      );
    const order = decided.order;
    if (order.action === 'BUY_STOCK') {
      if (book.trade(a, { action: 'BUY_STOCK', qty: order.quantity, price: spot, mid: spot, spot, day, vol, tag: 'shares' })) return;
      a.basis = Math.round((a.basis * a.shares + spot * order.quantity) / (a.shares + order.quantity));
      a.shares += order.quantity;
      return;
    }
    const r = order.action === 'SELL_TO_OPEN_CALL' ? 'C' : 'P';
    const q = decided.quote!;
    const ladder = limitLadder(q.bid, q.ask, 'SELL', p.signals);
    const price = assumedFill(o, q.bid, q.ask, 'SELL', p.signals);
    if (price === 'SKIP') {
      skip('re-priced out');
      return;
    }
    const qty = order.quantity;
    if (book.trade(a, { action: order.action, qty, price, ladder, mid: midPrice(q.bid, q.ask, 'SELL'), strike: q.strike, expiry, right: r, spot, day, vol, tag: 'open' })) return;
    a.opt = { right: r, strike: q.strike, expiry, qty, entrySpot: spot };
    a.level = 0;
    const target = (res.premiumTarget[a.kind] ??= { entries: 0, below: 0 });
    target.entries++;
    if (premiumShortfall({ premiumCents: price * qty * mult, accountValueCents: value, days: toEpochDay(expiry) - toEpochDay(day), target: a.cfg.targetWeeklyPremium }).short) target.below++;
  }

  /** Level 2: the core's roll (next listed expiry, nearest the band's lower delta, a net credit at the far side of both quotes or none); filled there, as live places it. */
  function roll(a: Account, bar: Bar): void {
    const x = a.opt;
    if (!x) return;
    const day = bar.date;
    const vol = m.vol[m.at.get(day) ?? 0] ?? o.minVol;
    const spot = bar.close;
    const close = listedQuote(o, x.right, x.strike, spot, yearsBetween(day, x.expiry), vol, x.strike);
    const next = addDays(day, 7);
    const after = addDays(x.expiry, 1);
    const expiry = listedExpiry(next > after ? next : after, o.weekliesFrom); // next week's, or next month's before weeklies
    if (!close || !expiry) return;
    const basis = x.right === 'C' ? a.basis : undefined;
    const plan = planPositionRoll({
      right: x.right,
      closeAskCents: close.ask,
      next: chain(o, x.right, spot, yearsBetween(day, expiry), vol, basis ?? 0),
      band: a.cfg,
      ...(basis !== undefined ? { sharesBasisCents: basis } : {}),
    });
    if (!plan) return skip('roll: no net credit');
    const q = plan.open;
    const closeLadder = rollLadder(close.bid, close.ask, 'BUY', p.signals);
    const openLadder = rollLadder(q.bid, q.ask, 'SELL', p.signals);
    const common = { qty: x.qty, right: x.right, spot, day, vol };
    if (
      book.trade(a, {
        ...common,
        action: x.right === 'C' ? 'BUY_TO_CLOSE_CALL' : 'BUY_TO_CLOSE_PUT',
        price: closeLadder[0]!,
        ladder: closeLadder,
        mid: midPrice(close.bid, close.ask, 'BUY'),
        strike: x.strike,
        expiry: x.expiry,
        tag: 'roll-close',
      })
    )
      return;
    a.opt = null;
    a.level = null; // flat until the new leg is sold
    a.rolled = true; // closed at level 2 this week, even if the new leg is refused below
    a.weekInput = weekInput(a, x); // close and ATR are filled in at the week's close
    const sell = { ...common, action: x.right === 'C' ? 'SELL_TO_OPEN_CALL' : 'SELL_TO_OPEN_PUT', price: openLadder[0]!, ladder: openLadder } as const;
    if (book.trade(a, { ...sell, mid: midPrice(q.bid, q.ask, 'SELL'), strike: q.strike, expiry, tag: 'roll-open' })) return;
    a.opt = { right: x.right, strike: q.strike, expiry, qty: x.qty, entrySpot: spot };
    a.level = 0;
    res.rolls++;
  }

  const expiries = expiryByWeek(m, o.weekliesFrom);
  // Entry days of each week per account kind (from the market's calendar, not per account and day).
  const entryDays = Object.fromEntries(ACCOUNT_KINDS.map((k) => [k, entryDaysByWeek(m, p.accounts[k].entryWeekdays as Weekday[])])) as Record<AccountKind, ReadonlySet<IsoDate>[]>;
  for (let wi = start; wi < m.weekly.length; wi++) {
    const w = m.weekly[wi];
    const reg = m.regimes[wi - 1];
    if (!w || !reg || reg.atr === undefined) continue;
    const atr = Math.max(1, Math.round(reg.atr));
    const accounts = book.accounts;
    for (const a of accounts) {
      a.rolled = false;
      a.weekInput = null;
      a.weekPremium = 0;
    }
    const expiry = expiries[wi] ?? null;
    for (const bar of w.days) {
      for (const a of accounts) {
        const x = a.opt;
        if (x && bar.date >= x.expiry) {
          a.weekInput = weekInput(a, x); // before settling: a call's week is judged against the basis it had
          book.settle(a, x, bar.close, bar.date);
          a.opt = null;
          a.level = null;
        } else if (x) {
          // PROTOCOL §2: intraweek monitoring measures in daily ATR, as of the previous close.
          const dailyAtr = m.dailyAtr[(m.at.get(bar.date) ?? 1) - 1];
          a.level = positionLevel({ right: x.right, entryCents: x.entrySpot, priceCents: bar.close, atrCents: dailyAtr ?? atr, levels: p.levels });
          if (rollDue(a.level, a.rolled)) roll(a, bar);
        }
        if (!a.opt && entryDays[a.kind][wi]?.has(bar.date)) enter(a, bar, reg, expiry);
      }
    }
    for (const a of accounts) {
      // A monthly option held through the week (before weeklies) is judged where it stands at the close.
      const input = a.weekInput ?? (a.opt ? weekInput(a, a.opt) : { kind: 'IDLE' as const });
      if (input.kind !== 'IDLE') input.close = w.close;
      if (input.kind === 'PUT') input.atr = atr;
      const type = classifyWeek(input, p.weekTypes);
      a.types[type]++;
      res.weekTypes[type]++;
      res.premiumByType[type] += a.weekPremium;
      a.lastType = type;
      if (book.observed) book.decide({ kind: 'WEEK_TYPE', week: weekOf(w.lastDate), account: book.roleOf(a.id), symbol: o.symbol, type });
    }
    const vol = m.vol[m.at.get(w.lastDate) ?? 0] ?? o.minVol;
    for (const fam of book.families.filter((f) => !f.closed)) {
      const gen = fam.accounts.find((a) => a.kind === 'GEN');
      if (!gen) continue;
      const plan = planFork({ family: fam.id, genValue: book.value(gen, w.close, w.lastDate, vol), genCash: book.cash(gen.id), base: fam.base, week: w.week, fork: p.fork });
      if (!plan) continue;
      book.post(plan.entries);
      fam.base = plan.newBase;
      const child = book.addFamily(plan.child, fam.id, ['GEN', 'COM']);
      child.base = book.cash(`${child.id}:GEN`);
      res.events.push({ week: w.week, kind: 'FORK', detail: `${fam.id} → ${plan.child}: surplus ${plan.surplus / 100}, moved ${plan.moved / 100}` });
    }
    applyMerges(book, w, vol, res.events);
    // Reinvest at the quarter's last weekly close, as live (rebalance: the next close falls in another quarter).
    if (quarterOf(w.lastDate) !== quarterOf(addDays(w.lastDate, 7))) applyReinvest(book, w, vol, quarterOf(w.lastDate), res.events);
    // Interest on cash since the previous weekly close (actual/365, whole cents, at the rate in force then).
    const last = res.points[res.points.length - 1];
    if (last) book.accrueInterest(w.lastDate, toEpochDay(w.lastDate) - toEpochDay(last.date), cashRateOn(last.date, o));
    // Parity: every open account's cash at the close, and its LEAPS sleeve's once the sleeve is in use.
    if (book.observed)
      for (const a of book.accounts) for (const id of book.cashIds(a)) book.decide({ kind: 'CASH', week: weekOf(w.lastDate), account: book.roleOf(id), symbol: o.symbol, cashCents: book.cash(id) });
    const values: Record<string, number> = {};
    let total = 0;
    for (const a of book.accounts) {
      const v = book.value(a, w.close, w.lastDate, vol);
      values[a.id] = v;
      total += v;
    }
    res.points.push({ week: w.week, date: w.lastDate, values, total, indexClose: indexBars[m.at.get(w.lastDate) ?? 0]?.close ?? 0 });
    observe?.({ week: w.week, date: w.lastDate, regime: reg, book, values });
    onWeek?.(wi - start + 1, m.weekly.length - start);
  }
  for (const a of book.families.flatMap((f) => f.accounts)) res.byAccount[a.id] = a.types;
  return res;
}
