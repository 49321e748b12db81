/**
 * BrokerOrderRequest -> IB Contract + Order, through the tables of ib-mapping.ts.
 * Validation happens here, before an order id is spent, so a bad request never reaches IB.
 */
import type { Contract, Order } from '@stoqey/ib';
import { InvalidBrokerRequestError } from './errors';
import { actionToIb, orderTypeToIb, tifToIb } from './ib-mapping';
import type { BrokerOrderRequest } from '../../src/contracts/broker';

/** US equity options: 100 shares per contract. */
const OPTION_MULTIPLIER = 100;

export function validateRequest(req: BrokerOrderRequest): void {
  const bad = (m: string) => {
    throw new InvalidBrokerRequestError(`${req.orderRef || '(no orderRef)'}: ${m}`);
  };
  if (!req.orderRef) bad('orderRef is required (it is the idempotency key)');
  if (!req.symbol) bad('symbol is required');
  if (!(Number.isFinite(req.quantity) && req.quantity > 0)) bad('quantity must be > 0');
  if (req.orderType === 'LMT' && !(typeof req.limitPrice === 'number' && req.limitPrice > 0)) bad('LMT needs limitPrice > 0');
  if (req.orderType === 'MKT' && req.limitPrice !== undefined) bad('MKT must not have a limitPrice');
  if (req.secType === 'OPT') {
    if (!/^\d{8}$/.test(req.expiry ?? '')) bad('OPT needs expiry YYYYMMDD');
    if (!(typeof req.strike === 'number' && req.strike > 0)) bad('OPT needs strike > 0');
    if (req.right !== 'C' && req.right !== 'P') bad('OPT needs right C or P');
  }
}

export function toIbContract(req: BrokerOrderRequest): Contract {
  const base = { symbol: req.symbol, exchange: 'SMART', currency: 'USD' };
  if (req.secType === 'STK') return { ...base, secType: 'STK' } as Contract;
  return {
    ...base,
    secType: 'OPT',
    lastTradeDateOrContractMonth: req.expiry,
    strike: req.strike,
    right: req.right,
    multiplier: OPTION_MULTIPLIER,
  } as Contract;
}

export function toIbOrder(req: BrokerOrderRequest, account: string): Order {
  const order = {
    action: actionToIb(req.action),
    totalQuantity: req.quantity,
    orderType: orderTypeToIb(req.orderType),
    tif: tifToIb(req.tif),
    account,
    orderRef: req.orderRef,
    // Explicit: left undefined, @stoqey/ib sends "" and the gateway's reading of it is unspecified.
    transmit: true,
  } as Order;
  if (req.orderType === 'LMT') order.lmtPrice = req.limitPrice;
  return order;
}
