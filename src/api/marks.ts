/**
 * Current marks for positions, behind a small port. With the broker's market-data path
 * (AppDeps.marketData) the mark is the quote's mid (`BROKER`); without it, or when a quote
 * fails or times out, the last recorded fill price of the contract (`LAST_FILL`).
 */
import { lastFillPrice, type ContractKey } from '../db/positions';
import { quoteMid } from '../domain/instrument';
import type { PrismaClient } from '../db/client';
import { quoteOf } from '../quote';
import type { MarketData } from '../contracts/broker';

export interface Mark {
  /** Per share (options: per share of the contract, as quoted). */
  price: string;
  source: 'BROKER' | 'LAST_FILL';
}

export interface MarkProvider {
  mark(c: ContractKey): Promise<Mark | null>;
}

export function lastFillMarks(prisma: PrismaClient): MarkProvider {
  return {
    async mark(c) {
      const price = await lastFillPrice(prisma, c);
      return price === null ? null : { price, source: 'LAST_FILL' };
    },
  };
}

/** Marks from the broker's market-data path: the quote's mid (else last), bounded in time. */
export function marketDataMarks(md: Pick<MarketData, 'stockQuote' | 'optionQuote'>, fallback: MarkProvider, timeoutMs = 2000): MarkProvider {
  return brokerMarks(async (c) => {
    return quoteMid(await quoteOf(md, c, timeoutMs));
  }, fallback);
}

/** A broker-side price function (may return null/throw when it has none) in front of `fallback`. */
export function brokerMarks(price: (c: ContractKey) => Promise<number | null> | number | null, fallback: MarkProvider): MarkProvider {
  return {
    async mark(c) {
      try {
        const p = await price(c);
        if (p !== null && Number.isFinite(p) && p > 0) return { price: String(p), source: 'BROKER' };
      } catch {
        // no broker price for this contract: fall back
      }
      return fallback.mark(c);
    },
  };
}
