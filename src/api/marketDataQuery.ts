/**
 * request_data's market-data answers (QUOTE, OPTION_CHAIN, DAILY_BARS): from the market-data
 * store when it holds fresh data (src/marketdata/query.ts), otherwise through the broker's
 * market-data port; `source` says which. A broker failure or timeout is a 503
 * BROKER_UNAVAILABLE: STAR-LAB should retry later, nothing is wrong with its request.
 */
import type { MarketData } from '../contracts/broker';
import type { DataRequest } from '../contracts/api';
import { ApiError } from './errors';
import { withTimeout } from '../withTimeout';
import { ymdOfIso } from '../domain/instrument';
import type { MarketDataQuery, Source } from '../marketdata/query';
import type { Logger } from '../logger';

const TIMEOUT_MS = 10_000;
const unavailable = (what: string, why: string) => new ApiError(503, 'BROKER_UNAVAILABLE', `${what} data is unavailable: ${why}`, { data_type: what }, { 'Retry-After': '30' });
const ymd = ymdOfIso;

type MarketRequest = Exclude<DataRequest, { data_type: 'POSITIONS' | 'WEEK_TYPE_HISTORY' }>;

/** The store's answer when it is fresh, else the broker's; a store failure is logged and the broker asked. */
export async function marketDataAnswer(md: MarketData | undefined, q: MarketRequest, store?: MarketDataQuery, logger?: Logger): Promise<{ source: Source; data: unknown }> {
  const broker = () => brokerAnswer(md, q);
  if (!store) return { source: 'broker', data: await broker() };
  let stored: { source: Source; data: unknown } | null = null;
  try {
    const miss = async () => null;
    const r =
      q.data_type === 'QUOTE'
        ? await store.quote(q.symbol, miss)
        : q.data_type === 'OPTION_CHAIN'
          ? await store.chain(q.symbol, q.expiration_date, miss)
          : await store.dailyBars(md, q.symbol, q.start_date, q.end_date, miss);
    if (r.source === 'store') stored = r;
  } catch (err) {
    logger?.warn('market-data store read failed; asking the broker', { data_type: q.data_type, err: (err as Error).message });
  }
  return stored ?? { source: 'broker', data: await broker() };
}

export async function brokerAnswer(md: MarketData | undefined, q: MarketRequest): Promise<unknown> {
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
        const [calls, puts] = await withTimeout(Promise.all(['C', 'P'].map((r) => md.optionChain(q.symbol, ymd(q.expiration_date!), r as 'C' | 'P', px * 0.8, px * 1.2))), TIMEOUT_MS);
        return { symbol: q.symbol, expiration_date: q.expiration_date, underlying: px, calls, puts };
      }
      case 'DAILY_BARS': {
        const days = Math.ceil((Date.now() - Date.parse(`${q.start_date}T00:00:00Z`)) / 86_400_000) + 1;
        if (days > 3650) throw new ApiError(400, 'VALIDATION_FAILED', 'start_date is more than 10 years ago', { validation_errors: [{ field: 'start_date', message: 'at most 10 years back' }] });
        const bars = await withTimeout(md.bars(q.symbol, '1 day', `${Math.max(1, days)} D`), TIMEOUT_MS);
        return { symbol: q.symbol, bars: bars.filter((b) => b.date >= q.start_date && b.date <= q.end_date).map(({ date, open, high, low, close }) => ({ date, open, high, low, close })) };
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
