/**
 * Black-Scholes (European, continuous dividend yield 0) price and greeks. A local copy so the
 * simulator does not wait on src/domain; good enough for a gateway simulator's quotes.
 */

/** Abramowitz-Stegun 7.1.26 erf, |error| < 1.5e-7. */
function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

export const normCdf = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));
export const normPdf = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

export interface Greeks {
  price: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
}

/**
 * @param t years to expiry; at or below 0 the option is worth its intrinsic value.
 * vega per 1 vol point (0.01), theta per calendar day, as TWS reports them.
 */
export function blackScholes(right: 'C' | 'P', s: number, k: number, t: number, vol: number, r = 0.04): Greeks {
  if (t <= 0 || vol <= 0) {
    const intrinsic = right === 'C' ? Math.max(0, s - k) : Math.max(0, k - s);
    const itm = intrinsic > 0;
    return { price: intrinsic, delta: itm ? (right === 'C' ? 1 : -1) : 0, gamma: 0, vega: 0, theta: 0 };
  }
  const sq = Math.sqrt(t);
  const d1 = (Math.log(s / k) + (r + 0.5 * vol * vol) * t) / (vol * sq);
  const d2 = d1 - vol * sq;
  const disc = Math.exp(-r * t);
  const gamma = normPdf(d1) / (s * vol * sq);
  const vega = (s * normPdf(d1) * sq) / 100;
  if (right === 'C') {
    const price = s * normCdf(d1) - k * disc * normCdf(d2);
    const theta = (-(s * normPdf(d1) * vol) / (2 * sq) - r * k * disc * normCdf(d2)) / 365;
    return { price, delta: normCdf(d1), gamma, vega, theta };
  }
  const price = k * disc * normCdf(-d2) - s * normCdf(-d1);
  const theta = (-(s * normPdf(d1) * vol) / (2 * sq) + r * k * disc * normCdf(-d2)) / 365;
  return { price, delta: normCdf(d1) - 1, gamma, vega, theta };
}
