/**
 * The backtest's "honest by default" rules, pure and separately tested: which expiries were
 * listed (monthly only before `weekliesFrom`), interest on cash in whole cents, the fee on a
 * share delivery at assignment, and the weekly premium measured against targetWeeklyPremium.
 */
import { addDays, isTradingDay, weekdayOf, weeklyExpiry, type IsoDate } from '../domain/calendar';
import { type Cents } from '../domain/money';
import type { BacktestOptions } from './options';

const pad = (n: number): string => String(n).padStart(2, '0');

/** The standard monthly expiry of a month: its third Friday, or the trading day before it when that Friday is closed. */
export function monthlyExpiry(year: number, month: number): IsoDate {
  const first = `${year}-${pad(month)}-01`;
  let d = addDays(first, ((5 - weekdayOf(first) + 7) % 7) + 14);
  while (!isTradingDay(d)) d = addDays(d, -1);
  return d;
}

/**
 * The first listed expiry on or after `d`: the week's expiry (Friday, or the trading day before)
 * from `weekliesFrom` on, and before it only the month's standard expiry.
 */
export function listedExpiry(d: IsoDate, weekliesFrom: IsoDate): IsoDate | null {
  if (d >= weekliesFrom) {
    const w = weeklyExpiry(d);
    return w !== null && w >= d ? w : weeklyExpiry(addDays(d, 7));
  }
  let y = Number(d.slice(0, 4));
  let m = Number(d.slice(5, 7));
  for (;;) {
    const e = monthlyExpiry(y, m);
    if (e >= d) return e;
    m = m === 12 ? 1 : m + 1;
    if (m === 1) y++;
  }
}

/** The annual cash rate on `day`: the last series entry dated on or before it, else the constant. */
export function cashRateOn(day: IsoDate, o: Pick<BacktestOptions, 'cashRate' | 'cashRateSeries'>): number {
  let r = o.cashRate;
  for (const x of o.cashRateSeries) if (x.from <= day) r = x.rate;
  return r;
}

/** Simple interest on a cash balance over `days` calendar days (actual/365), rounded down to the cent, exact (no float on money). */
export function interestCents(cash: Cents, annualRate: number, days: number): Cents {
  if (cash <= 0 || annualRate <= 0 || days <= 0) return 0;
  const ratePpm = Math.round(annualRate * 1_000_000);
  const num = cash * ratePpm * days;
  const den = 1_000_000 * 365;
  if (Number.isInteger(cash) && Number.isInteger(days) && num <= Number.MAX_SAFE_INTEGER / 2) {
    // Whole numbers below 2^52: the product is exact in a double, and the quotient is corrected to
    // the exact floor (no BigInt per account and week in the backtest's loop).
    const q = Math.floor(num / den);
    return q * den > num ? q - 1 : (q + 1) * den <= num ? q + 1 : q;
  }
  return Number((BigInt(cash) * BigInt(ratePpm) * BigInt(days)) / BigInt(den));
}

/** The fee on a delivery of `shares` at assignment or call-away: per share in mills, at least the minimum; whole cents, rounded up. */
export function assignmentFeeCents(shares: number, o: Pick<BacktestOptions, 'assignmentFeePerShareMills' | 'assignmentFeeMinCents'>): Cents {
  if (shares <= 0 || (o.assignmentFeePerShareMills === 0 && o.assignmentFeeMinCents === 0)) return 0;
  return Math.max(o.assignmentFeeMinCents, Math.ceil((Math.abs(shares) * o.assignmentFeePerShareMills) / 10));
}

/**
 * targetWeeklyPremium (PROTOCOL §1) as the backtest reads it: a yardstick, not a sizing rule.
 * An entry's net premium per week of its life (calendar days / 7, at least one week) as a fraction
 * of the account's value is compared with the target; below it the entry counts as a shortfall.
 */
export function premiumShortfall(p: { premiumCents: Cents; accountValueCents: Cents; days: number; target: number }): { weeklyRate: number; short: boolean } {
  const weeks = Math.max(1, p.days / 7);
  const weeklyRate = p.accountValueCents > 0 ? p.premiumCents / p.accountValueCents / weeks : 0;
  return { weeklyRate, short: weeklyRate < p.target };
}

/** A rate series file: `date,rate` lines (rate as a fraction, e.g. 0.0153, or a percent with `%`), header optional, dates ascending. */
export function parseRateSeries(text: string): { from: IsoDate; rate: number }[] {
  const out: { from: IsoDate; rate: number }[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || (i === 0 && /[a-z]/i.test(line.split(',')[0] ?? ''))) continue;
    const [d, r] = line.split(',').map((s) => s.trim());
    const pct = r?.endsWith('%');
    const rate = Number(pct ? r?.slice(0, -1) : r) / (pct ? 100 : 1);
    if (!d || !/^\d{4}-\d{2}-\d{2}$/.test(d) || !Number.isFinite(rate) || rate < 0 || rate > 1) throw new Error(`rate series line ${i + 1}: expected date,rate (got "${line}")`);
    if (out.length && d <= out[out.length - 1]!.from) throw new Error(`rate series line ${i + 1}: dates must ascend`);
    out.push({ from: d, rate });
  }
  return out;
}
