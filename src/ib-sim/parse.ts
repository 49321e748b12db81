/**
 * Client → server request parsing (docs/IB-PROTOCOL.md §3). Contracts arrive however the
 * caller filled them in (right C/CALL, expiry YYYYMM or YYYYMMDD, conId "" when unknown), so
 * they are normalised here once.
 */
import { DateTime } from 'luxon';
import { fromYyyymmdd, isTradingDay, NY, yyyymmdd } from './clock';
import { FieldError, optNumber } from './codec';
import { Market } from './market';
import { PlaceRequest } from './orders';
import { Right, SimContract } from './types';

export class RequestError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const NO_SECDEF = 'No security definition has been found for the request';

/** YYYYMM means "that month's standard expiry": the third Friday (or the trading day before). */
function normaliseExpiry(raw: string): string | undefined {
  if (/^\d{8}$/.test(raw)) return fromYyyymmdd(raw).isValid ? raw : undefined;
  if (/^\d{6}$/.test(raw)) {
    const first = DateTime.fromFormat(raw + '01', 'yyyyMMdd', { zone: NY });
    if (!first.isValid) return undefined;
    let d = first.plus({ days: ((5 - first.weekday + 7) % 7) + 14 });
    while (!isTradingDay(d)) d = d.minus({ days: 1 });
    return yyyymmdd(d);
  }
  return undefined;
}

function normaliseRight(raw: string): Right | undefined {
  const r = raw.toUpperCase();
  return r === 'C' || r === 'CALL' ? 'C' : r === 'P' || r === 'PUT' ? 'P' : undefined;
}

/**
 * Reads the 12 contract fields that start at `i` (conId, symbol, secType, expiry, strike, right,
 * multiplier, exchange, primaryExch, currency, localSymbol, tradingClass). `partial` allows the
 * OPT fields to be missing (contract-details searches).
 */
export function parseContract(t: readonly string[], i: number, market: Market, partial = false): SimContract & { partial?: boolean } {
  const conId = Number(t[i] ?? '');
  let symbol = (t[i + 1] ?? '').trim().toUpperCase();
  let secType = (t[i + 2] ?? '').toUpperCase();
  if (!symbol && conId > 0) {
    const known = market.byConId(conId);
    if (known) return known;
  }
  if (!symbol) throw new RequestError(200, NO_SECDEF);
  if (secType === '') secType = 'STK';
  if (secType === 'STK' || secType === 'IND') return market.contract(symbol, secType);
  if (secType !== 'OPT') throw new RequestError(200, `${NO_SECDEF} (secType ${secType} is not simulated)`);
  const expiry = normaliseExpiry(t[i + 3] ?? '');
  const strike = optNumber(t[i + 4]);
  const right = normaliseRight(t[i + 5] ?? '');
  if (!partial && (!expiry || !(strike !== undefined && strike > 0) || !right)) throw new RequestError(200, NO_SECDEF);
  const c = market.contract(symbol, 'OPT', expiry, strike, right);
  symbol = c.symbol;
  return partial && (!expiry || !strike || !right) ? { ...c, partial: true } : c;
}

/** PLACE_ORDER at 176: fixed indices up to 34 (§3.1). */
export function parsePlaceOrder(t: readonly string[], market: Market, defaultAccount: string, now: Date): PlaceRequest {
  const orderId = Number(t[1]);
  if (!Number.isInteger(orderId) || orderId <= 0) throw new FieldError(`orderId "${t[1]}" is not a positive integer`);
  const reject = (code: number, msg: string): never => {
    throw Object.assign(new RequestError(code, msg), { orderId });
  };
  let contract: SimContract;
  try {
    contract = parseContract(t, 2, market);
  } catch (e) {
    return reject(e instanceof RequestError ? e.code : 200, (e as Error).message);
  }
  if (contract.secType === 'IND') reject(201, 'Order rejected - reason:An index cannot be traded');
  if (contract.expiry && market.expiryClose(contract.expiry) <= now.getTime()) reject(200, `${NO_SECDEF} (expired contract)`);
  const action = (t[16] ?? '').toUpperCase();
  if (action !== 'BUY' && action !== 'SELL') reject(201, `Order rejected - reason:Invalid action "${t[16]}"`);
  const quantity = Number(t[17]);
  if (!(quantity > 0) || !Number.isFinite(quantity)) reject(201, `Order rejected - reason:Invalid quantity "${t[17]}"`);
  if (contract.secType === 'OPT' && !Number.isInteger(quantity)) reject(201, `Order rejected - reason:Option quantities must be whole contracts ("${t[17]}")`);
  const orderType = (t[18] ?? '').toUpperCase();
  if (orderType !== 'MKT' && orderType !== 'LMT') reject(201, `Order rejected - reason:Order type "${t[18]}" is not supported by the simulator`);
  const limitPrice = optNumber(t[19]);
  if (orderType === 'LMT' && !(limitPrice !== undefined && limitPrice > 0)) reject(201, 'Order rejected - reason:A limit order needs a positive limit price');
  const tif = (t[21] || 'DAY').toUpperCase();
  if (tif !== 'DAY' && tif !== 'GTC') reject(201, `Order rejected - reason:Time in force "${t[21]}" is not supported by the simulator`);
  const account = t[23] || defaultAccount;
  if (account !== defaultAccount) reject(321, `Error validating request:-'bN' : cause - Account ${account} is not managed by this login`);
  return {
    orderId,
    contract,
    action: action as 'BUY' | 'SELL',
    quantity,
    orderType: orderType as 'MKT' | 'LMT',
    limitPrice: orderType === 'LMT' ? limitPrice : undefined,
    tif,
    account,
    orderRef: t[26] ?? '',
    // @stoqey/ib sends "" when the Order object left transmit unset; IB's default is true.
    transmit: t[27] !== '0',
  };
}

export interface ExecFilter {
  clientId?: number;
  account?: string;
  time?: number;
  symbol?: string;
  secType?: string;
  exchange?: string;
  side?: string;
}

/** REQ_EXECUTIONS filter: [7, v=3, reqId, clientId, acctCode, time, symbol, secType, exchange, side]. */
export function parseExecFilter(t: readonly string[]): ExecFilter {
  const clientId = Number(t[3] || '0');
  const time = (t[5] ?? '').trim();
  let since: number | undefined;
  if (time) {
    const d = DateTime.fromFormat(time.replace(/\s+(US\/Eastern|EST|EDT)$/, ''), time.includes('-') ? 'yyyyMMdd-HH:mm:ss' : 'yyyyMMdd HH:mm:ss', { zone: NY });
    since = d.isValid ? d.toMillis() : undefined;
  }
  return {
    // clientId 0 in IB's ExecutionFilter means "every client".
    clientId: clientId > 0 ? clientId : undefined,
    account: t[4] || undefined,
    time: since,
    symbol: t[6] ? t[6].toUpperCase() : undefined,
    secType: t[7] ? t[7].toUpperCase() : undefined,
    exchange: t[8] || undefined,
    side: t[9] ? t[9].toUpperCase() : undefined,
  };
}
