/**
 * request_data's market-data answers (QUOTE, OPTION_CHAIN, DAILY_BARS) through the broker's
 * market-data port. Any failure or timeout is a 503 BROKER_UNAVAILABLE: STAR-LAB should
 * retry later, nothing is wrong with its request.
 */
import type { MarketData } from '../contracts/broker';
import type { DataRequest } from '../contracts/api';
import { ApiError } from './errors';
import { withTimeout } from '../withTimeout';
import { ymdOfIso } from '../domain/instrument';

const TIMEOUT_MS = 10_000;
const unavailable = (what: string, why: string) =>
  new ApiError(503, 'BROKER_UNAVAILABLE', `${what} data is unavailable: ${why}`, { data_type: what }, { 'Retry-After': '30' });
const ymd = ymdOfIso;

export async function marketDataAnswer(md: MarketData | undefined, q: Exclude<DataRequest, { data_type: 'POSITIONS' | 'WEEK_TYPE_HISTORY' }>): Promise<unknown> {
  if (!md) throw unavailable(q.data_type, "the broker's market-data path is not connected to this API process");
  try {
    switch (q.data_type) {
      case 'QUOTE': {
        const s = await withTimeout(md.stockQuote(q.symbol), TIMEOUT_MS);
        return { symbol: q.symbol, bid: s.bid, ask: s.ask, last: s.last };
      }
      case 'OPTION_CHAIN': {
        const listed = await withTimeout(md.expirations(q.symbol), TIMEOUT_MS);
        if (!q.expiration_date) return { symbol: q.symbol, expirations: listed.expirations, strikes: listed.strikes };
        // Quotes for one expiry, strikes within ±20 % of the underlying (a full chain is too big).
        const s = await withTimeout(md.stockQuote(q.symbol), TIMEOUT_MS);
        const px = s.last > 0 ? s.last : (s.bid + s.ask) / 2;
        const [calls, puts] = await withTimeout(
          Promise.all(['C', 'P'].map((r) => md.optionChain(q.symbol, ymd(q.expiration_date!), r as 'C' | 'P', px * 0.8, px * 1.2))),
          TIMEOUT_MS,
        );
        return { symbol: q.symbol, expiration_date: q.expiration_date, underlying: px, calls, puts };
      }
      case 'DAILY_BARS': {
        const days = Math.ceil((Date.now() - Date.parse(`${q.start_date}T00:00:00Z`)) / 86_400_000) + 1;
        if (days > 3650) throw new ApiError(400, 'VALIDATION_FAILED', 'start_date is more than 10 years ago', { validation_errors: [{ field: 'start_date', message: 'at most 10 years back' }] });
        const bars = await withTimeout(md.bars(q.symbol, '1 day', `${Math.max(1, days)} D`), TIMEOUT_MS);
        return { symbol: q.symbol, bars: bars.filter((b) => b.date >= q.start_date && b.date <= q.end_date) };
      }
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // The broker's own text can name internal hosts and ports: keep it in the log, not the body.
    const e = unavailable(q.data_type, 'the broker did not answer or refused the request');
    e.cause = err;
    throw e;
  }
}
