/**
 * The LEAPS purchase of the quarterly reinvestment (PROTOCOL §1): long calls 12–24 months out,
 * delta 0.70–0.80 (ProtocolConfig.reinvest), as many as the LEAPS sleeve's cash pays for.
 */
import type { Cents } from './money';

/** `iso` (YYYY-MM-DD) plus `months` calendar months, as YYYYMMDD (day clamped to the month's end). */
function plusMonths(iso: string, months: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return first.toISOString().slice(0, 10).replaceAll('-', '');
}

/** The nearest listed expiry (YYYYMMDD) between `minMonths` and `maxMonths` after `asOf`, or null. */
export function leapsExpiry(asOf: string, expirations: readonly string[], minMonths: number, maxMonths: number): string | null {
  const lo = plusMonths(asOf, minMonths);
  const hi = plusMonths(asOf, maxMonths);
  return [...expirations].sort().find((e) => e >= lo && e <= hi) ?? null;
}

export interface ChainCall {
  strikeCents: Cents;
  delta: number;
  askCents: Cents;
}

/** The call with a positive ask whose delta lies in [deltaMin, deltaMax], nearest the band's middle. */
export function leapsCall(chain: readonly ChainCall[], deltaMin: number, deltaMax: number): ChainCall | null {
  const mid = (deltaMin + deltaMax) / 2;
  const fit = chain.filter((q) => q.askCents > 0 && q.delta >= deltaMin && q.delta <= deltaMax);
  return fit.reduce<ChainCall | null>((best, q) => (best === null || Math.abs(q.delta - mid) < Math.abs(best.delta - mid) ? q : best), null);
}

/** Contracts the sleeve's cash pays for at the ask: floor(cash / (ask × multiplier)). */
export const leapsContracts = (cashCents: Cents, askCents: Cents, multiplier: number): number => (askCents > 0 && cashCents > 0 ? Math.floor(cashCents / (askCents * multiplier)) : 0);
