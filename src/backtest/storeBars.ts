/** Daily bars of one symbol from the market-data store, for `npm run backtest -- --symbol`. */
import pg from 'pg';
import { MarketDataQuery } from '../marketdata/query';
import type { Bar } from '../domain/indicators';

export async function storeBars(databaseUrl: string, symbol: string, from: string, to: string): Promise<{ bars: Bar[]; loadMs: number }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const t0 = performance.now();
    const bars = await new MarketDataQuery(pool, { freshQuoteMs: 0, freshChainMs: 0 }).storedBars(symbol, from, to);
    return { bars, loadMs: performance.now() - t0 };
  } finally {
    await pool.end();
  }
}
