/**
 * Server → client message layouts at server version 176 (docs/IB-PROTOCOL.md §2). Only the
 * field COUNT and order matter to the client; a wrong count drops the message (error 505), so
 * each builder is checked by a unit test against the documented token count.
 */
import { DateTime } from 'luxon';
import { Field, MAX_DOUBLE } from './codec';
import { Execution, OrderRecord, SimContract } from './types';

export const OUT = {
  TICK_PRICE: 1,
  TICK_SIZE: 2,
  ORDER_STATUS: 3,
  ERR_MSG: 4,
  OPEN_ORDER: 5,
  NEXT_VALID_ID: 9,
  CONTRACT_DATA: 10,
  EXECUTION_DATA: 11,
  MANAGED_ACCTS: 15,
  HISTORICAL_DATA: 17,
  TICK_OPTION_COMPUTATION: 21,
  CURRENT_TIME: 49,
  CONTRACT_DATA_END: 52,
  OPEN_ORDER_END: 53,
  EXECUTION_DATA_END: 55,
  TICK_SNAPSHOT_END: 57,
  MARKET_DATA_TYPE: 58,
  COMMISSION_REPORT: 59,
  POSITION: 61,
  POSITION_END: 62,
  ACCOUNT_SUMMARY: 63,
  ACCOUNT_SUMMARY_END: 64,
  SECDEF_OPT_PARAM: 75,
  SECDEF_OPT_PARAM_END: 76,
  COMPLETED_ORDER: 101,
  COMPLETED_ORDERS_END: 102,
} as const;

/** d fields: "" would decode as 0, so "no value" must be Double.MAX (§4.6). */
const dbl = (v: number | undefined): Field => (v === undefined ? MAX_DOUBLE : v);

/** The 11 contract fields shared by OPEN_ORDER and EXECUTION_DATA. */
function contractFields(c: SimContract): Field[] {
  return [c.conId, c.symbol, c.secType, c.expiry ?? '', c.strike ?? 0, c.right ?? '', c.multiplier === 1 ? '' : String(c.multiplier), c.exchange, c.currency, c.localSymbol, c.tradingClass];
}

/** TWS prints times in its own zone as "yyyyMMdd HH:mm:ss <TZ>"; the simulator is a US gateway. */
export function twsTime(d: Date): string {
  return DateTime.fromJSDate(d, { zone: 'America/New_York' }).toFormat('yyyyMMdd HH:mm:ss') + ' US/Eastern';
}

export function errMsg(id: number, code: number, text: string): Field[] {
  // advancedOrderRejectJson must be present even when empty, or the client drops the error (§4.4).
  return [OUT.ERR_MSG, 2, id, code, text, ''];
}

export function orderStatus(o: OrderRecord): Field[] {
  return [OUT.ORDER_STATUS, o.orderId, o.status, o.filled, o.quantity - o.filled, o.avgFillPrice ?? 0, o.permId, 0, o.lastFillPrice ?? 0, o.clientId, '', MAX_DOUBLE];
}

/** OPEN_ORDER, the 128-token variant (deltaNeutralOrderType ""), §2.2. */
export function openOrder(o: OrderRecord): Field[] {
  const c = o.contract;
  const f: Field[] = [OUT.OPEN_ORDER, o.orderId, ...contractFields(c)];
  f.push(o.action, o.quantity, o.orderType, o.orderType === 'LMT' ? o.limitPrice : MAX_DOUBLE, MAX_DOUBLE); // 13-17
  f.push(o.tif, '', o.account, 'O', 0); // 18-22 tif, ocaGroup, account, openClose, origin
  f.push(o.orderRef, o.clientId, o.permId); // 23-25
  f.push(0, 0, 0, '', ''); // 26-30 outsideRth, hidden, discretionaryAmt, goodAfterTime, sharesAllocation
  f.push('', '', '', ''); // 31-34 FA fields (faProfile exists below 177)
  f.push('', '', '0'); // 35-37 modelCode, goodTillDate, rule80A
  f.push(MAX_DOUBLE, '', 0, '', -1, 0); // 38-43 percentOffset, settlingFirm, shortSaleSlot, designatedLocation, exemptCode, auctionStrategy
  f.push(MAX_DOUBLE, MAX_DOUBLE, MAX_DOUBLE, MAX_DOUBLE, MAX_DOUBLE); // 44-48
  f.push(0, 0, 0, 0, '', 0); // 49-54 displaySize, blockOrder, sweepToFill, allOrNone, minQty, ocaType
  f.push(0, 0, MAX_DOUBLE, 0, 0); // 55-59 eTradeOnly, firmQuoteOnly, nbboPriceCap, parentId, triggerMethod
  f.push(MAX_DOUBLE, 0, '', MAX_DOUBLE); // 60-63 volatility, volatilityType, deltaNeutralOrderType (gate off), auxPrice
  f.push(0, 0, MAX_DOUBLE, MAX_DOUBLE, MAX_DOUBLE, ''); // 64-69
  f.push('', 0, 0, 0); // 70-73 comboLegsDescription, 3 counts
  f.push('', '', ''); // 74-76 scale sizes; scalePriceIncrement "" keeps its gate closed
  f.push(''); // 77 hedgeType (gate off)
  f.push(0, '', 'IB', 0, 0, ''); // 78-83 optOutSmartRouting, clearingAccount, clearingIntent, notHeld, dnContract, algoStrategy
  f.push(0, 0, o.status); // 84-86 solicited, whatIf, orderState.status
  for (let i = 87; i <= 95; i++) f.push(MAX_DOUBLE); // margin before/change/after
  const filled = o.status === 'Filled';
  f.push(filled ? o.commissionPaid : MAX_DOUBLE, MAX_DOUBLE, MAX_DOUBLE, filled ? 'USD' : '', ''); // 96-100
  f.push(0, 0, 0); // 101-103 randomizeSize, randomizePrice, conditionsCount
  f.push('None', MAX_DOUBLE, MAX_DOUBLE, MAX_DOUBLE); // 104-107
  f.push(MAX_DOUBLE, MAX_DOUBLE, MAX_DOUBLE, 0); // 108-111
  f.push('', '', '', MAX_DOUBLE); // 112-115 softDollarTier, cashQty
  f.push(0, 0, 0, 0); // 116-119
  f.push('', '', 0); // 120-122 duration, postToAts, autoCancelParent
  f.push('', '', MAX_DOUBLE, MAX_DOUBLE, MAX_DOUBLE); // 123-127
  return f;
}

/**
 * COMPLETED_ORDER (101), as @stoqey/ib 1.6.10 decodes it at 176: no orderId, no clientId, and
 * no faProfile (its decoder passes version MAX, which skips that field; IB's Java client gates it
 * on the server version instead). Verified by the integration tests against the real client.
 */
export function completedOrder(o: OrderRecord): Field[] {
  const f: Field[] = [OUT.COMPLETED_ORDER, ...contractFields(o.contract)];
  f.push(o.action, o.quantity, o.orderType, o.orderType === 'LMT' ? o.limitPrice : MAX_DOUBLE, MAX_DOUBLE);
  f.push(o.tif, '', o.account, 'O', 0, o.orderRef, o.permId, 0, 0, 0, ''); // ... origin, orderRef, permId, outsideRth, hidden, discretionaryAmt, goodAfterTime
  f.push('', '', ''); // faGroup, faMethod, faPercentage
  f.push('', '', '0', MAX_DOUBLE, ''); // modelCode, goodTillDate, rule80A, percentOffset, settlingFirm
  f.push(0, '', -1, MAX_DOUBLE, MAX_DOUBLE, MAX_DOUBLE, MAX_DOUBLE, MAX_DOUBLE); // short sale (3), box (3), peg-to-stock (2)
  f.push('', 0, 0, '', 0, 0); // displaySize, sweepToFill, allOrNone, minQty, ocaType, triggerMethod
  f.push(MAX_DOUBLE, 0, '', MAX_DOUBLE, 0, 0); // volatility ... referencePriceType (deltaNeutralOrderType "" gate)
  f.push(MAX_DOUBLE, MAX_DOUBLE, '', 0, 0, 0); // trail (2), comboLegsDescription, 3 counts
  f.push('', '', '', ''); // scale sizes, scalePriceIncrement (gate), hedgeType (gate)
  f.push('', 'IB', 0, 0, '', 0); // clearingAccount, clearingIntent, notHeld, deltaNeutral, algoStrategy, solicited
  f.push(o.status, 0, 0, 0); // orderState.status, randomizeSize, randomizePrice, conditionsCount
  f.push(MAX_DOUBLE, MAX_DOUBLE, MAX_DOUBLE, 0, 0); // trailStopPrice, lmtPriceOffset, cashQty, dontUseAutoPriceForHedge, isOmsContainer
  f.push('', o.filled, 0, 0, '', 0, 0, 0); // autoCancelDate, filledQuantity, refFuturesConId, autoCancelParent, shareholder, imbalanceOnly, routeMarketableToBbo, parentPermId
  f.push(o.completedAt ? twsTime(o.completedAt) : '', o.status === 'Inactive' ? 'Rejected' : o.status);
  f.push('', '', MAX_DOUBLE, MAX_DOUBLE, MAX_DOUBLE); // minTradeQty, minCompeteSize, competeAgainstBestOffset, midOffsetAtWhole/Half
  return f;
}

export function executionData(reqId: number, e: Execution): Field[] {
  return [
    OUT.EXECUTION_DATA,
    reqId,
    e.orderId,
    ...contractFields(e.contract),
    e.execId,
    twsTime(e.time),
    e.account,
    e.contract.secType === 'OPT' ? 'CBOE' : 'ISLAND',
    e.side,
    e.shares,
    e.price,
    e.permId,
    e.clientId,
    0,
    e.cumQty,
    e.avgPrice,
    e.orderRef,
    '',
    MAX_DOUBLE,
    '',
    2,
  ];
}

export function commissionReport(e: Execution): Field[] {
  return [OUT.COMMISSION_REPORT, 1, e.execId, e.commission, 'USD', dbl(e.realizedPnl), MAX_DOUBLE, ''];
}

export function position(account: string, c: SimContract, qty: number, avgCost: number): Field[] {
  return [
    OUT.POSITION,
    3,
    account,
    c.conId,
    c.symbol,
    c.secType,
    c.expiry ?? '',
    c.strike ?? 0,
    c.right ?? '',
    c.multiplier === 1 ? '' : c.multiplier,
    c.exchange,
    c.currency,
    c.localSymbol,
    c.tradingClass,
    qty,
    avgCost,
  ];
}

export interface ContractDetailsExtra {
  longName: string;
  underConId: number;
  minTick: number;
}

export function contractData(reqId: number, c: SimContract, x: ContractDetailsExtra): Field[] {
  const opt = c.secType === 'OPT';
  return [
    OUT.CONTRACT_DATA,
    reqId,
    c.symbol,
    c.secType,
    c.expiry ?? '',
    c.strike ?? 0,
    c.right ?? '',
    c.exchange,
    c.currency,
    c.localSymbol,
    c.tradingClass,
    c.tradingClass,
    c.conId,
    x.minTick,
    opt ? '100' : '',
    'ACTIVETIM,AD,ADJUST,ALERT,ALLOC,DAY,GTC,LMT,MKT,OCA,STP,STPLMT,TRAIL,WHATIF',
    'SMART,AMEX,CBOE,ISE,NYSE,NASDAQ',
    1,
    opt ? x.underConId : 0,
    x.longName,
    opt ? '' : 'NASDAQ',
    opt ? (c.expiry ?? '').slice(0, 6) : '',
    '',
    '',
    '',
    'US/Eastern',
    '',
    '',
    '',
    MAX_DOUBLE,
    0,
    1,
    opt ? c.symbol : '',
    opt ? 'STK' : '',
    '26',
    opt ? (c.expiry ?? '') : '',
    opt ? '' : 'COMMON',
    1,
    1,
    1,
  ];
}
