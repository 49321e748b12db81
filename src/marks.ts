/**
 * Market marks for the books (reports, equity): the broker's quote (mid, else last) through
 * the market-data port; only when the broker has no quote for the contract, a model price
 * (Black-Scholes, src/domain/pricing.ts) from the underlying's quote, flagged MODEL. A contract
 * with neither has no mark: callers value it at cost and say so.
 */
import type { MarketData } from './contracts/broker';
import { bsPrice } from './domain/pricing';
import { quoteOf, type QuotedContract } from './quote';

export type MarkSource = 'BROKER' | 'MODEL';
export interface ContractMark {
  /** Per share (options: per share of the contract, as quoted), 4 decimals at most. */
  price: string;
  source: MarkSource;
}
export type Marker = (c: QuotedContract) => Promise<ContractMark | null>;

export interface MarkerOptions {
  /** The clock time to expiry is measured from (the broker's in tests). */
  now?: () => Date;
  /** Volatility of the model when the option's quote carries no implied volatility (default 0.30). */
  vol?: number;
  /** Risk-free rate of the model (default 0.04). */
  rate?: number;
  timeoutMs?: number;
}

const YEAR_MS = 365 * 86_400_000;
const r4 = (x: number): string => String(Math.round(x * 10_000) / 10_000);
const midOf = (q: { bid: number; ask: number; last: number }): number | null => (q.bid > 0 && q.ask > 0 ? (q.bid + q.ask) / 2 : q.last > 0 ? q.last : null);

export function marketMarker(md: Pick<MarketData, 'stockQuote' | 'optionQuote'>, o: MarkerOptions = {}): Marker {
  const timeoutMs = o.timeoutMs ?? 2000;
  const now = o.now ?? (() => new Date());
  return async (c) => {
    let iv: number | undefined;
    try {
      const q = await quoteOf(md, c, timeoutMs);
      const mid = midOf(q);
      if (mid !== null) return { price: r4(mid), source: 'BROKER' };
      iv = (q as { iv?: number }).iv;
    } catch {
      // no quote for this contract: the model below, if it can
    }
    if (c.secType !== 'OPT' || !/^\d{8}$/.test(c.expiry) || (c.right !== 'C' && c.right !== 'P')) return null;
    let spot: number | null;
    try {
      spot = midOf(await quoteOf(md, { ...c, secType: 'STK' }, timeoutMs));
    } catch {
      return null;
    }
    if (spot === null) return null;
    const strike = Number(c.strike);
    // Expiry at 16:00 New York (≈ 21:00 UTC); past it, the option is worth its intrinsic value.
    const expiry = Date.UTC(Number(c.expiry.slice(0, 4)), Number(c.expiry.slice(4, 6)) - 1, Number(c.expiry.slice(6, 8)), 21);
    const years = (expiry - now().getTime()) / YEAR_MS;
    const intrinsic = Math.max(0, c.right === 'C' ? spot - strike : strike - spot);
    const price = years <= 0 ? intrinsic : bsPrice({ right: c.right, spot, strike, years, vol: iv && iv > 0 ? iv : (o.vol ?? 0.3), rate: o.rate ?? 0.04 });
    return Number.isFinite(price) ? { price: r4(Math.max(0, price)), source: 'MODEL' } : null;
  };
}

/** `marker` with each contract's answer kept `ttlMs` (scrapes every few seconds must not re-quote every position). */
export function cachedMarker(marker: Marker, ttlMs = 60_000, now: () => number = Date.now): Marker {
  const cache = new Map<string, { at: number; mark: Promise<ContractMark | null> }>();
  return (c) => {
    const key = [c.symbol, c.secType, c.expiry, c.strike, c.right].join('|');
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttlMs) return hit.mark;
    const mark = marker(c).catch(() => null);
    cache.set(key, { at: now(), mark });
    if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
    return mark;
  };
}
