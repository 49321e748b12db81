/**
 * Instruction → broker order and fill → position delta, in ALL-USE's broker vocabulary
 * (not IB's: the adapter owns that translation). Pure; unit-tested row by row.
 */
import type { TradeInstruction } from '../contracts/instruction';
import type { BrokerOrderRequest } from '../contracts/broker';

const ACTIONS: Record<TradeInstruction['trade_action'], { side: 'BUY' | 'SELL'; secType: 'STK' | 'OPT'; right?: 'C' | 'P'; opens: boolean }> = {
  BUY_TO_OPEN_CALL: { side: 'BUY', secType: 'OPT', right: 'C', opens: true },
  SELL_TO_OPEN_CALL: { side: 'SELL', secType: 'OPT', right: 'C', opens: true },
  BUY_TO_CLOSE_CALL: { side: 'BUY', secType: 'OPT', right: 'C', opens: false },
  SELL_TO_CLOSE_CALL: { side: 'SELL', secType: 'OPT', right: 'C', opens: false },
  BUY_TO_OPEN_PUT: { side: 'BUY', secType: 'OPT', right: 'P', opens: true },
  SELL_TO_OPEN_PUT: { side: 'SELL', secType: 'OPT', right: 'P', opens: true },
  BUY_TO_CLOSE_PUT: { side: 'BUY', secType: 'OPT', right: 'P', opens: false },
  SELL_TO_CLOSE_PUT: { side: 'SELL', secType: 'OPT', right: 'P', opens: false },
  BUY_STOCK: { side: 'BUY', secType: 'STK', opens: true },
  SELL_STOCK: { side: 'SELL', secType: 'STK', opens: false },
};

export const actionSpec = (a: TradeInstruction['trade_action']) => ACTIONS[a];

export function toBrokerOrder(orderRef: string, i: TradeInstruction): BrokerOrderRequest {
  const spec = ACTIONS[i.trade_action];
  const req: BrokerOrderRequest = {
    orderRef,
    symbol: i.symbol,
    secType: spec.secType,
    action: spec.side,
    quantity: i.quantity,
    orderType: i.order_type === 'MARKET' ? 'MKT' : 'LMT',
    tif: i.time_in_force,
  };
  if (i.limit_price !== undefined) req.limitPrice = i.limit_price;
  if (spec.secType === 'OPT') {
    req.right = spec.right;
    req.strike = i.strike_price;
    req.expiry = i.expiration_date?.replaceAll('-', '');
  }
  return req;
}

/** Contract multiplier: 100 shares per US equity option. */
export const multiplierOf = (secType: 'STK' | 'OPT'): number => (secType === 'OPT' ? 100 : 1);
