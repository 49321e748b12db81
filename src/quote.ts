/**
 * One contract's quote from the market-data port, bounded in time: the stock's for STK, else
 * the option's (expiry YYYYMMDD). Marks (src/api/marks.ts) and the risk check's band use it.
 */
import { withTimeout } from './withTimeout';
import type { MarketData, OptionQuote } from './contracts/broker';

export interface QuotedContract {
  symbol: string;
  secType: string;
  expiry: string;
  strike: number | string;
  right: string;
}

export function quoteOf(md: Pick<MarketData, 'stockQuote' | 'optionQuote'>, c: QuotedContract, ms: number): Promise<Pick<OptionQuote, 'bid' | 'ask' | 'last'>> {
  return withTimeout(c.secType === 'STK' ? md.stockQuote(c.symbol) : md.optionQuote(c.symbol, c.expiry, Number(c.strike), c.right as 'C' | 'P'), ms);
}
