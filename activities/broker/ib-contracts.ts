/**
 * The IB contracts ALL-USE asks about: a US stock and a US equity option, routed SMART in USD
 * (the shapes IB's contract details and market data requests take). Shared by the market-data
 * client and the simulator tests, so both send what the gateway sees in production.
 */
import { SecType, type Contract } from '@stoqey/ib';

export const stockContract = (symbol: string): Contract => ({ symbol, secType: SecType.STK, exchange: 'SMART', currency: 'USD' });

/** `expiry` as IB writes it (yyyyMMdd); 100 shares a contract. */
export const optionContract = (symbol: string, expiry: string, strike: number, right: 'C' | 'P'): Contract => ({
  symbol,
  secType: SecType.OPT,
  lastTradeDateOrContractMonth: expiry,
  strike,
  right: right as never, // @stoqey/ib's OptionType enum has the same wire values 'C' and 'P'
  multiplier: 100,
  exchange: 'SMART',
  currency: 'USD',
});
