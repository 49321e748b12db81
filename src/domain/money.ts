/**
 * Money is an integer number of cents held in a JS number, checked to be a safe integer at every
 * boundary (|x| ≤ 2^53 − 1 cents ≈ $90 trillion). Anything that multiplies by a fraction goes
 * through decimal.js and an explicit rounding mode, so no binary-float error ever reaches a ledger.
 */
import Decimal from 'decimal.js';

export type Cents = number;

/**
 * Rounding modes for fractional cents:
 * - HALF_EVEN (banker's): ties to the even cent; the default for shares of money (no drift on sums);
 * - HALF_UP: ties away from zero, what most people compute by hand;
 * - UP / DOWN: away from / towards zero (DOWN for "how many whole units fit", UP for reserves).
 */
export type Rounding = 'HALF_EVEN' | 'HALF_UP' | 'UP' | 'DOWN';
const MODES: Record<Rounding, Decimal.Rounding> = {
  HALF_EVEN: Decimal.ROUND_HALF_EVEN,
  HALF_UP: Decimal.ROUND_HALF_UP,
  UP: Decimal.ROUND_UP,
  DOWN: Decimal.ROUND_DOWN,
};

/** Throws unless `n` is a safe integer: the one gate every cents value passes. */
export function cents(n: number): Cents {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a whole number of cents: ${n}`);
  return n === 0 ? 0 : n; // normalise -0
}

/**
 * "150.25" or 150.25 → 15025, exactly. A number is read through its shortest decimal string, so
 * 150.25 is 150.25 and not 150.2499999…. More than two decimals are refused unless a rounding
 * mode is given (e.g. a CSV price "1469.250000" or "1469.254" with HALF_UP).
 */
export function fromDecimal(value: string | number, rounding?: Rounding): Cents {
  let d: Decimal;
  try {
    d = new Decimal(typeof value === 'number' ? String(value) : value.trim());
  } catch {
    throw new RangeError(`not a decimal amount: ${String(value)}`);
  }
  if (!d.isFinite()) throw new RangeError(`not a finite amount: ${String(value)}`);
  const scaled = d.times(100);
  if (!scaled.isInteger() && rounding === undefined) throw new RangeError(`more than 2 decimals: ${String(value)}`);
  return cents(scaled.toDecimalPlaces(0, MODES[rounding ?? 'HALF_EVEN']).toNumber());
}

/**
 * THE conversion of a price to cents (a broker quote, a fill, a position's average price, a
 * strike): the one `toCents` of the code base. Broker quotes and strikes have at most 2
 * decimals, so it changes nothing for them; averaged fills carry 4, and rounding UP (away
 * from zero) makes what is at risk or reserved overstated by under a cent per unit, never
 * understated: the money-safe direction for limits and reservations.
 */
export const priceCents = (value: string | number): Cents => fromDecimal(value, 'UP');

/** 15025 → "150.25"; −5 → "-0.05". */
export function toDecimal(c: Cents): string {
  cents(c);
  const sign = c < 0 ? '-' : '';
  const abs = Math.abs(c);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Dollars as a float, for reports and charts only (never fed back into money arithmetic). */
export const toDollars = (c: Cents): number => cents(c) / 100;

export const add = (...xs: Cents[]): Cents => cents(xs.reduce((s, x) => s + cents(x), 0));
export const sub = (a: Cents, b: Cents): Cents => cents(cents(a) - cents(b));

/** Price × quantity (contracts × multiplier, shares): integer × integer stays exact. */
export function mulQty(c: Cents, qty: number): Cents {
  if (!Number.isSafeInteger(qty)) throw new RangeError(`quantity must be a whole number: ${qty}`);
  return cents(cents(c) * qty);
}

/** A decimal fraction as an exact integer ratio (0.05 → 5/100), or null when it does not fit safely. */
const ratios = new Map<number, { num: number; den: number } | null>();
let lastF = NaN;
let lastR: { num: number; den: number } | null = null;
function ratioOf(f: number): { num: number; den: number } | null {
  if (f === lastF) return lastR; // the same few fractions repeat (buffer, band): skip the map
  let r = ratios.get(f);
  if (r === undefined) {
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(f));
    const frac = m?.[3] ?? '';
    const num = m ? Number(`${m[1]}${m[2]}${frac}`) : NaN;
    r = m && frac.length <= 9 && Number.isSafeInteger(num) ? { num, den: 10 ** frac.length } : null;
    ratios.set(f, r);
  }
  lastF = f;
  lastR = r;
  return r;
}

/** p / den rounded by mode, for safe integers (den > 0): exact integer arithmetic, no float division error. */
function roundDiv(p: number, den: number, rounding: Rounding): number {
  const r = p % den;
  const q = (p - r) / den; // truncated towards zero, exact
  if (r === 0) return q;
  const away = q + Math.sign(p);
  const twice = 2 * Math.abs(r);
  switch (rounding) {
    case 'DOWN':
      return q;
    case 'UP':
      return away;
    case 'HALF_UP':
      return twice >= den ? away : q;
    case 'HALF_EVEN':
      return twice > den || (twice === den && q % 2 !== 0) ? away : q;
  }
}

/**
 * amount × fraction (0.05 = 5 %), rounded to a cent with the given mode. Exact either way: in
 * integers when the fraction has at most 9 decimals and the product stays safe (the hot path of
 * the backtester), else through decimal.js.
 */
export function fractionOf(c: Cents, fraction: number | string, rounding: Rounding = 'HALF_EVEN'): Cents {
  const r = typeof fraction === 'number' ? ratioOf(fraction) : null;
  if (r && Number.isSafeInteger(cents(c) * r.num)) return cents(roundDiv(c * r.num, r.den, rounding));
  const f = new Decimal(typeof fraction === 'number' ? String(fraction) : fraction);
  return cents(new Decimal(cents(c)).times(f).toDecimalPlaces(0, MODES[rounding]).toNumber());
}

/** Sign of (a − b × fraction), exactly: for thresholds such as S ≥ K × (1 − L) on cents. */
export function compareToFraction(a: Cents, b: Cents, fraction: number): -1 | 0 | 1 {
  const r = ratioOf(fraction);
  if (r && Number.isSafeInteger(cents(a) * r.den) && Number.isSafeInteger(cents(b) * r.num)) return Math.sign(a * r.den - b * r.num) as -1 | 0 | 1;
  return new Decimal(a).comparedTo(new Decimal(b).times(new Decimal(String(fraction)))) as -1 | 0 | 1;
}

/** amount × percent / 100 (5 = 5 %), rounded to a cent with the given mode. */
export function percentOf(c: Cents, percent: number | string, rounding: Rounding = 'HALF_EVEN'): Cents {
  const p = new Decimal(typeof percent === 'number' ? String(percent) : percent);
  return fractionOf(c, p.div(100).toString(), rounding);
}

/**
 * Splits `total` into shares proportional to `weights` that add back to `total` exactly
 * (largest-remainder method): each share is first rounded towards zero, then the leftover cents go
 * one by one to the largest fractional parts; equal fractions go to the earlier weight. So
 * 100 cents at 40/30/30 → [40, 30, 30], 101 → [41, 30, 30], 1 cent at 1/1/1 → [1, 0, 0].
 */
export function allocate(total: Cents, weights: readonly (number | string)[]): Cents[] {
  cents(total);
  const w = weights.map((x) => new Decimal(typeof x === 'number' ? String(x) : x));
  if (w.length === 0 || w.some((x) => x.isNegative() || !x.isFinite())) throw new RangeError('weights must be non-negative and non-empty');
  const sum = w.reduce((s, x) => s.plus(x), new Decimal(0));
  if (sum.isZero()) throw new RangeError('weights must not all be zero');
  const sign = total < 0 ? -1 : 1;
  const abs = Math.abs(total);
  const exact = w.map((x) => x.times(abs).div(sum));
  const base = exact.map((x) => x.floor().toNumber());
  let left = abs - base.reduce((s, x) => s + x, 0);
  const order = exact.map((x, i) => ({ i, frac: x.minus(x.floor()) })).sort((a, b) => b.frac.comparedTo(a.frac) || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    base[i] = (base[i] ?? 0) + 1;
    left--;
  }
  return base.map((x) => cents(sign * x));
}
