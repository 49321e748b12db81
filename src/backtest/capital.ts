/**
 * Weekly-close capital moves of the backtest: merges of forked families and the quarterly
 * reinvestment into LEAPS (long calls in the protocol's tenor and delta band, bought at the
 * configured tenor, sold once fewer than the minimum months remain).
 */
import { addDays, weeklyExpiry } from '../domain/calendar';
import { planMerge, planReinvest } from '../domain/ledger';
import { limitLadder, limitPriceForAttempt, midPrice, selectStrike, type ChainQuote } from '../domain/signals';
import { type WeeklyBar } from '../domain/indicators';
import type { Book } from './book';
import { chain, listedQuote, yearsBetween } from './market';

type Events = { week: string; kind: 'FORK' | 'MERGE' | 'REINVEST'; detail: string }[];
const DAYS_PER_MONTH = 365 / 12;
/** LEAPS are listed on a wider strike grid than weeklies (the options copied once per run, not per account and quarter). */
const leapsOptions = new WeakMap<Book['o'], Book['o']>();
function leapsMarket(book: Book): Book['o'] {
  let o = leapsOptions.get(book.o);
  if (!o) leapsOptions.set(book.o, (o = { ...book.o, strikeStepCents: book.o.leapsStrikeStepCents }));
  return o;
}

/** Sells every LEAPS lot of the account (all, or those under `minYears` to expiry) at the model ladder price. */
function sellLeaps(book: Book, a: Book['families'][number]['accounts'][number], w: WeeklyBar, vol: number, minYears: number): void {
  const keep = [];
  for (const [i, l] of a.leaps.entries()) {
    const years = yearsBetween(w.lastDate, l.expiry);
    if (years >= minYears) {
      keep.push(l);
      continue;
    }
    const q = listedQuote(leapsMarket(book), 'C', l.strike, w.close, years, book.leapsVol(w.lastDate, vol), l.strike);
    const price = q ? limitPriceForAttempt(book.o.fillAttempt, q.bid, q.ask, 'SELL', book.p.signals) : 'SKIP';
    if (!q || price === 'SKIP' || price <= 0) continue; // worthless: written off
    const code = book.trade(a, {
      action: 'SELL_TO_CLOSE_CALL',
      qty: l.qty,
      price,
      ladder: limitLadder(q.bid, q.ask, 'SELL', book.p.signals),
      mid: midPrice(q.bid, q.ask, 'SELL'),
      strike: l.strike,
      expiry: l.expiry,
      right: 'C',
      spot: w.close,
      day: w.lastDate,
      vol,
      tag: `leaps-sell-${i}`,
      from: a.sleeve,
    });
    if (code) keep.push(l);
  }
  a.leaps = keep;
}

/** A forked family worth the merge threshold hands its cash, shares and LEAPS proceeds to the parent's Com-Acc. */
export function applyMerges(book: Book, w: WeeklyBar, vol: number, events: Events): void {
  for (const fam of book.families.filter((f) => !f.closed && f.parent !== null)) {
    if (fam.accounts.some((a) => a.opt)) continue; // only when flat in options (rolled legs wait a week)
    const value = fam.accounts.reduce((s, a) => s + book.value(a, w.close, w.lastDate, vol), 0);
    if (value < book.p.merge.thresholdCents) continue;
    const parent = book.families.find((f) => f.id === fam.parent)?.accounts.find((a) => a.kind === 'COM');
    if (!parent) continue;
    for (const a of fam.accounts) sellLeaps(book, a, w, vol, Infinity);
    const cash = Object.fromEntries(
      fam.accounts.flatMap((a) => [
        [a.id, book.cash(a.id)],
        [a.sleeve, book.cash(a.sleeve)],
      ]),
    );
    const entries = planMerge({ family: fam.id, parent: fam.parent ?? '', familyValue: value, cash, week: w.week, merge: book.p.merge });
    if (!entries) continue;
    book.post(entries);
    for (const a of fam.accounts) {
      if (a.shares > 0) {
        parent.basis = Math.round((parent.basis * parent.shares + a.basis * a.shares) / (parent.shares + a.shares));
        parent.shares += a.shares;
        a.shares = 0;
      }
    }
    book.close(fam);
    events.push({ week: w.week, kind: 'MERGE', detail: `${fam.id} → ${fam.parent}:COM, value ${value / 100}` });
  }
}

/** Quarter end: Rev-Acc and Com-Acc move leapsShare of the quarter's net premium to LEAPS and buy calls with it. */
export function applyReinvest(book: Book, w: WeeklyBar, vol: number, quarter: string, events: Events): void {
  const r = book.p.reinvest;
  const expiry = weeklyExpiry(addDays(w.lastDate, Math.round(book.o.leapsMonths * DAYS_PER_MONTH)));
  let q: ChainQuote | null | undefined; // the quarter's LEAPS strike, chosen once: every account buys in the same market
  for (const a of book.accounts.filter((x) => x.kind === 'REV' || x.kind === 'COM')) {
    const applied = book.post(planReinvest({ account: a.id, premiumCents: a.premiumSinceReinvest, quarter, reinvest: r }));
    a.premiumSinceReinvest = 0;
    if (applied.length) events.push({ week: w.week, kind: 'REINVEST', detail: `${a.id}: ${applied[0]!.amountCents / 100} to LEAPS` });
    sellLeaps(book, a, w, vol, r.leapsMinMonths / 12);
    if (!expiry) continue;
    if (q === undefined) q = selectStrike(chain(leapsMarket(book), 'C', w.close, yearsBetween(w.lastDate, expiry), book.leapsVol(w.lastDate, vol)), (r.leapsDeltaMin + r.leapsDeltaMax) / 2);
    const price = q ? limitPriceForAttempt(book.o.fillAttempt, q.bid, q.ask, 'BUY', book.p.signals) : 'SKIP';
    if (!q || price === 'SKIP' || Math.abs(q.delta) < r.leapsDeltaMin || Math.abs(q.delta) > r.leapsDeltaMax) continue;
    const perContract = price * book.p.market.contractMultiplier + book.p.market.commissionPerContractCents;
    const qty = Math.floor(book.cash(a.sleeve) / perContract);
    if (qty <= 0) continue;
    const code = book.trade(a, {
      action: 'BUY_TO_OPEN_CALL',
      qty,
      price,
      ladder: limitLadder(q.bid, q.ask, 'BUY', book.p.signals),
      mid: midPrice(q.bid, q.ask, 'BUY'),
      strike: q.strike,
      expiry,
      right: 'C',
      spot: w.close,
      day: w.lastDate,
      vol,
      tag: 'leaps-buy',
      from: a.sleeve,
    });
    if (!code) a.leaps.push({ right: 'C', strike: q.strike, expiry, qty, entrySpot: w.close });
  }
}
