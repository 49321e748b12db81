/**
 * Black-Scholes-Merton for European options on an underlying with a continuous dividend yield.
 * Prices here are floats in the underlying's units (dollars per share): they are model values,
 * not money; callers round them to cents (`fromDecimal(x, 'HALF_UP')`) where they become orders.
 * Greeks: delta per 1 of underlying, gamma per 1², vega per 1.00 of volatility (divide by 100 for
 * "per vol point"), theta per year (divide by 365 for "per calendar day").
 */
export type OptionRight = 'C' | 'P';

export interface BsInput {
  right: OptionRight;
  spot: number;
  strike: number;
  /** time to expiry in years (ACT/365) */
  years: number;
  /** annualised volatility, 0.2 = 20 % */
  vol: number;
  /** continuously compounded risk-free rate */
  rate: number;
  dividendYield?: number;
}

export interface Greeks {
  price: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
}

const INV_SQRT_2PI = 0.3989422804014327;
export const normPdf = (x: number): number => INV_SQRT_2PI * Math.exp(-0.5 * x * x);

/** Standard normal CDF: Hart's double-precision algorithm 5666 as given by G. West (2005), ~1e-14. */
export function normCdf(x: number): number {
  const a = Math.abs(x);
  let c = 0;
  if (a <= 37) {
    const e = Math.exp((-a * a) / 2);
    if (a < 7.07106781186547) {
      const num = (((((0.0352624965998911 * a + 0.700383064443688) * a + 6.37396220353165) * a + 33.912866078383) * a + 112.079291497871) * a + 221.213596169931) * a + 220.206867912376;
      const den =
        ((((((0.0883883476483184 * a + 1.75566716318264) * a + 16.064177579207) * a + 86.7807322029461) * a + 296.564248779674) * a + 637.333633378831) * a + 793.826512519948) * a + 440.413735824752;
      c = (e * num) / den;
    } else {
      c = e / (a + 1 / (a + 2 / (a + 3 / (a + 4 / (a + 0.65))))) / 2.506628274631;
    }
  }
  return x > 0 ? 1 - c : c;
}

function check(spot: number, strike: number, vol: number, years: number): void {
  // Plain comparisons (no arrays): this runs for every quote of every chain in a backtest.
  if (!(spot > 0 && strike > 0 && vol >= 0 && years >= 0 && Number.isFinite(spot + strike + vol + years)))
    throw new RangeError(`bad Black-Scholes input: spot=${spot}, strike=${strike}, vol=${vol}, years=${years}`);
}

const d1Of = (S: number, K: number, T: number, v: number, r: number, q: number): number => (Math.log(S / K) + (r - q + 0.5 * v * v) * T) / (v * Math.sqrt(T));

export interface PriceDelta {
  price: number;
  delta: number;
}

/**
 * Price and delta only (bsGreeks takes them from here), written into `out`: positional arguments
 * and a caller's object, because the backtester prices every strike of every chain and an input
 * and a result object per quote were most of what its trials allocated.
 */
export function bsPriceDelta(out: PriceDelta, right: OptionRight, S: number, K: number, T: number, v: number, r: number, q = 0): PriceDelta {
  check(S, K, v, T);
  const dq = Math.exp(-q * T);
  const dr = Math.exp(-r * T);
  const sign = right === 'C' ? 1 : -1;
  if (T === 0 || v === 0) {
    const fwd = sign * (S * dq - K * dr);
    out.price = Math.max(0, fwd);
    out.delta = fwd > 0 ? sign * dq : 0;
    return out;
  }
  const d1 = d1Of(S, K, T, v, r, q);
  const d2 = d1 - v * Math.sqrt(T);
  const Nd1 = normCdf(sign * d1);
  out.price = sign * (S * dq * Nd1 - K * dr * normCdf(sign * d2));
  out.delta = sign * dq * Nd1;
  return out;
}

/** Price and greeks; at expiry (years = 0) or zero vol, the discounted intrinsic value. */
export function bsGreeks(i: BsInput): Greeks {
  const q = i.dividendYield ?? 0;
  const { spot: S, strike: K, years: T, vol: v, rate: r } = i;
  const { price, delta } = bsPriceDelta({ price: 0, delta: 0 }, i.right, S, K, T, v, r, q);
  if (T === 0 || v === 0) return { price, delta, gamma: 0, vega: 0, theta: 0 };
  const dq = Math.exp(-q * T);
  const dr = Math.exp(-r * T);
  const sign = i.right === 'C' ? 1 : -1;
  const sqrtT = Math.sqrt(T);
  const d1 = d1Of(S, K, T, v, r, q);
  const pdf = normPdf(d1);
  const gamma = (dq * pdf) / (S * v * sqrtT);
  const vega = S * dq * pdf * sqrtT;
  const theta = (-S * dq * pdf * v) / (2 * sqrtT) - sign * r * K * dr * normCdf(sign * (d1 - v * sqrtT)) + sign * q * S * dq * normCdf(sign * d1);
  return { price, delta, gamma, vega, theta };
}

export const bsPrice = (i: BsInput): number => bsGreeks(i).price;

/**
 * Implied volatility by bisection on [1e-4, 5] (price is monotone in vol, so it always converges);
 * null when the price is outside the no-arbitrage range for any vol in that interval.
 */
export function impliedVol(price: number, i: Omit<BsInput, 'vol'>, tolerance = 1e-8): number | null {
  let lo = 1e-4;
  let hi = 5;
  const f = (v: number): number => bsPrice({ ...i, vol: v }) - price;
  if (f(lo) > 0 || f(hi) < 0) return null;
  for (let n = 0; n < 200 && hi - lo > tolerance; n++) {
    const mid = (lo + hi) / 2;
    if (f(mid) > 0) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}
