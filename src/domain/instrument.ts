/**
 * Instruction → broker order and fill → position delta, in ALL-USE's broker vocabulary
 * (not IB's: the adapter owns that translation). Pure; unit-tested row by row.
 */
import type { TradeInstruction } from '../contracts/instruction';
import type { BrokerOrderRequest } from '../contracts/broker';
import { fromDecimal, type Cents } from './money';

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
    req.expiry = i.expiration_date ? ymdOfIso(i.expiration_date) : undefined;
  }
  return req;
}

/** Contract multiplier: 100 shares per US equity option. */
export const multiplierOf = (secType: 'STK' | 'OPT'): number => (secType === 'OPT' ? 100 : 1);

// ---------------------------------------------------------------------------------------------
// The rest of the vocabulary every layer shares: action predicates, dates, the contract key and
// the one mid-price rule. (Prices → cents: `priceCents` in ./money.)
// ---------------------------------------------------------------------------------------------

type Action = TradeInstruction['trade_action'];
/** A stored action string (database rows) as the vocabulary's type; throws on one it does not know. */
export function asAction(s: string): Action {
  if (!(s in ACTIONS)) throw new RangeError(`unknown trade action ${s}`);
  return s as Action;
}
/** The action sells (opens a short or closes a long). */
export const isSell = (a: Action): boolean => ACTIONS[a].side === 'SELL';
export const isBuy = (a: Action): boolean => ACTIONS[a].side === 'BUY';
/** The action opens (or adds to) a position. */
export const isOpening = (a: Action): boolean => ACTIONS[a].opens;
export const isStock = (a: Action): boolean => ACTIONS[a].secType === 'STK';
export const isPut = (a: Action): boolean => ACTIONS[a].right === 'P';
export const isCall = (a: Action): boolean => ACTIONS[a].right === 'C';
/** 'C' | 'P' of an option action, '' of a stock action (the positions table's `right`). */
export const rightOf = (a: Action): 'C' | 'P' | '' => ACTIONS[a].right ?? '';
/** The action opening or closing the given option side: ('SELL', true, 'P') → SELL_TO_OPEN_PUT. */
export function optionAction(side: 'BUY' | 'SELL', opens: boolean, right: 'C' | 'P'): Action {
  return `${side}_TO_${opens ? 'OPEN' : 'CLOSE'}_${right === 'C' ? 'CALL' : 'PUT'}` as Action;
}

/** YYYY-MM-DD → YYYYMMDD (the broker's and the positions table's expiry form); '' stays ''. */
export const ymdOfIso = (iso: string): string => iso.replaceAll('-', '');
/** YYYYMMDD → YYYY-MM-DD; '' stays ''. */
export const isoOfYmd = (ymd: string): string => (ymd ? `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}` : '');

/** A contract as the positions table keys it: expiry YYYYMMDD ('' for stock), strike '0' for stock, right '' for stock. */
export interface ContractKey {
  symbol: string;
  secType: 'STK' | 'OPT';
  expiry: string;
  strike: string;
  right: string;
}

export function contractKeyOf(i: Pick<TradeInstruction, 'symbol' | 'trade_action' | 'expiration_date' | 'strike_price'>): ContractKey {
  const spec = ACTIONS[i.trade_action];
  return { symbol: i.symbol, secType: spec.secType, expiry: ymdOfIso(i.expiration_date ?? ''), strike: String(i.strike_price ?? 0), right: spec.right ?? '' };
}

/**
 * THE mid of a quote, in the broker's dollars to 4 decimals: (bid + ask) / 2 when both sides
 * are quoted (> 0, finite) and not crossed, else the last trade (> 0); null when the quote
 * carries neither (market closed, no data), or is crossed or zero without a last. Marks
 * (src/api/marks.ts) use it as is; the risk check's band in cents (`quoteMidCents`). The
 * protocol's limit prices start from `midPrice` (src/domain/signals.ts), a different thing: a
 * half cent rounded in the trader's favour on a quote already known to be two-sided.
 */
export function quoteMid(q: { bid: number; ask: number; last: number }): number | null {
  const ok = (v: number) => Number.isFinite(v) && v > 0;
  if (ok(q.bid) && ok(q.ask) && q.ask >= q.bid) return Math.round(((q.bid + q.ask) / 2) * 10_000) / 10_000;
  return ok(q.last) ? q.last : null;
}

/** The mid in cents (half-even), or null: see `quoteMid`. */
export function quoteMidCents(q: { bid: number; ask: number; last: number }): Cents | null {
  const mid = quoteMid(q);
  return mid === null ? null : fromDecimal(mid.toFixed(4), 'HALF_EVEN');
}
