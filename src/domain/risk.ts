/**
 * PROTOCOL §5: one pure check for every order, from ALL-USE's own strategies and from STAR-LAB
 * alike. Returns the first failure as a code with its context ('CODE: k=v, k=v', money in
 * dollars) so the rejection can be stored and returned; it never throws for a business reason.
 * The caller gathers the context (cash net of other reservations, positions, counters).
 */
import { isOptionAction, type TradeAction } from '../contracts/instruction';
import { fractionOf, toDecimal, type Cents } from './money';
import type { ProtocolConfig } from './config';

export const RISK_CODES = [
  'KILL_SWITCH', 'REDUCE_ONLY', 'SYMBOL_NOT_ALLOWED', 'CONTRACT_NOT_IN_CHAIN', 'PUT_NOT_CASH_SECURED', 'CALL_NOT_COVERED',
  'NO_POSITION_TO_CLOSE', 'QUANTITY_LIMIT', 'NOTIONAL_LIMIT', 'LIMIT_PRICE_OUT_OF_BAND', 'SEGMENT_CAPITAL_EXCEEDED',
  'OPEN_ORDER_LIMIT', 'CONFLICTS_WITH_ALLUSE_POSITION', 'CONCENTRATION_LIMIT', 'PACING_LIMIT',
] as const;
export type RiskCode = (typeof RISK_CODES)[number];
export type RiskResult = { ok: true } | { ok: false; code: RiskCode; message: string };

export interface RiskOrder {
  symbol: string;
  action: TradeAction;
  quantity: number;
  /** options only */
  strikeCents?: Cents;
  expiry?: string;
  /** absent for a market order */
  limitPriceCents?: Cents;
  midCents?: Cents;
}

export interface OpenPosition {
  secType: 'OPT' | 'STK';
  right?: 'C' | 'P';
  strikeCents?: Cents;
  expiry?: string;
  /** signed: positive long, negative short (contracts or shares) */
  quantity: number;
}

export interface RiskContext {
  killSwitch: { global: boolean; account: boolean };
  reduceOnly: boolean;
  allowedSymbols: readonly string[];
  /** the option contract is listed (ignored for stock) */
  chainHasContract: boolean;
  /** free cash of the account/segment, net of what other open orders reserve */
  cashCents: Cents;
  bufferCents: Cents;
  sharesHeld: number;
  /** short call contracts already written on the symbol (all sources) */
  callsCovering: number;
  /** positions in this symbol */
  openPositions: readonly OpenPosition[];
  /** STAR-LAB only: the account_tag segment's capital limit and what it already uses */
  segment?: { capitalLimitCents: Cents; capitalUsedCents: Cents };
  /** STAR-LAB only: open orders of the strategy */
  openOrdersForStrategy?: number;
  /**
   * ALL-USE's own short calls on the symbol and the symbol's exposure across ALL-USE and
   * STAR-LAB; for a STAR-LAB order also ALL-USE's positions in the symbol (`positions`).
   */
  alluse: { coveredCallContracts: number; symbolExposureCents: Cents; concentrationLimitCents: Cents; positions?: readonly OpenPosition[] };
  /**
   * How long a message sent now would wait in the broker adapter's pacing queue (it keeps IB's
   * 50 messages/second by queueing): an order behind a longer backlog is refused, not parked.
   */
  pacingBacklogMs: number;
  multiplier: number;
}

const fmt = (code: RiskCode, kv: Record<string, string | number | boolean>): RiskResult => ({
  ok: false,
  code,
  message: `${code}: ${Object.entries(kv).map(([k, v]) => `${k}=${v}`).join(', ')}`,
});
const $ = toDecimal;

function parse(a: TradeAction): { opening: boolean; sell: boolean; right?: 'C' | 'P' } {
  if (a === 'BUY_STOCK') return { opening: true, sell: false };
  if (a === 'SELL_STOCK') return { opening: false, sell: true };
  return { opening: a.includes('_TO_OPEN_'), sell: a.startsWith('SELL'), right: a.endsWith('_CALL') ? 'C' : 'P' };
}

export function checkOrder(o: RiskOrder, c: RiskContext, limits: ProtocolConfig['risk']): RiskResult {
  const option = isOptionAction(o.action);
  const { opening, sell, right } = parse(o.action);
  const perUnit = option ? c.multiplier : 1;
  const price = o.limitPriceCents ?? o.midCents ?? 0;
  // Exposure: strike × multiplier for options (what assignment can cost), price × shares for stock.
  const notional = option ? (o.strikeCents ?? 0) * c.multiplier * o.quantity : price * o.quantity;
  const shortPut = o.action === 'SELL_TO_OPEN_PUT';
  // Capital an opening order ties up: the secured cash of a short put, the premium or price paid on a buy.
  const capital = !opening ? 0 : shortPut ? notional : sell ? 0 : price * perUnit * o.quantity;

  if (c.killSwitch.global || c.killSwitch.account) return fmt('KILL_SWITCH', { global: c.killSwitch.global, account: c.killSwitch.account });
  if (c.reduceOnly && opening) return fmt('REDUCE_ONLY', { action: o.action, symbol: o.symbol });
  if (!c.allowedSymbols.includes(o.symbol)) return fmt('SYMBOL_NOT_ALLOWED', { symbol: o.symbol, allowed: c.allowedSymbols.join('|') });
  if (option && !c.chainHasContract) return fmt('CONTRACT_NOT_IN_CHAIN', { symbol: o.symbol, right: right ?? '', strike: $(o.strikeCents ?? 0), expiry: o.expiry ?? '' });
  if (shortPut && c.cashCents - c.bufferCents < notional)
    return fmt('PUT_NOT_CASH_SECURED', { required: $(notional), cash: $(c.cashCents), buffer: $(c.bufferCents) });
  if (o.action === 'SELL_TO_OPEN_CALL' && c.sharesHeld - c.callsCovering * c.multiplier < o.quantity * c.multiplier)
    return fmt('CALL_NOT_COVERED', { shares_needed: o.quantity * c.multiplier, shares_held: c.sharesHeld, already_covering: c.callsCovering * c.multiplier });
  // The order's own contract among positions: the option series, or the stock.
  const sameContract = (p: OpenPosition) => (option ? p.secType === 'OPT' && p.right === right && p.strikeCents === o.strikeCents && p.expiry === o.expiry : p.secType === 'STK');
  if (!opening) {
    const held = c.openPositions
      .filter(sameContract)
      .reduce((s, p) => s + p.quantity, 0);
    // Closing a long (sell) needs a long position of that size; closing a short (buy) a short one.
    const closable = sell ? Math.max(0, held) : Math.max(0, -held);
    if (closable < o.quantity) return fmt('NO_POSITION_TO_CLOSE', { action: o.action, quantity: o.quantity, open: closable });
  }
  const maxQty = option ? limits.maxOrderContracts : limits.maxOrderShares;
  if (o.quantity > maxQty) return fmt('QUANTITY_LIMIT', { quantity: o.quantity, max: maxQty });
  if (notional > limits.maxOrderNotionalCents) return fmt('NOTIONAL_LIMIT', { notional: $(notional), max: $(limits.maxOrderNotionalCents) });
  if (o.limitPriceCents !== undefined && o.midCents !== undefined) {
    const band = Math.max(fractionOf(o.midCents, limits.limitBand, 'HALF_EVEN'), limits.limitBandMinCents);
    if (Math.abs(o.limitPriceCents - o.midCents) > band)
      return fmt('LIMIT_PRICE_OUT_OF_BAND', { limit: $(o.limitPriceCents), mid: $(o.midCents), band: limits.limitBand });
  }
  // Only an order that adds capital can exceed the limit: closing stays possible over it.
  if (c.segment && capital > 0 && c.segment.capitalUsedCents + capital > c.segment.capitalLimitCents)
    return fmt('SEGMENT_CAPITAL_EXCEEDED', { required: $(capital), used: $(c.segment.capitalUsedCents), limit: $(c.segment.capitalLimitCents) });
  if (c.openOrdersForStrategy !== undefined && c.openOrdersForStrategy >= limits.maxOpenOrdersPerStrategy)
    return fmt('OPEN_ORDER_LIMIT', { open_orders: c.openOrdersForStrategy, max: limits.maxOpenOrdersPerStrategy });
  // Selling shares must leave ALL-USE's own covered calls covered.
  const sharesAfter = c.sharesHeld - o.quantity;
  if (o.action === 'SELL_STOCK' && sharesAfter < c.alluse.coveredCallContracts * c.multiplier)
    return fmt('CONFLICTS_WITH_ALLUSE_POSITION', { shares_after: sharesAfter, alluse_covered_shares: c.alluse.coveredCallContracts * c.multiplier });
  // One broker account nets every owner's positions per contract: a STAR-LAB order against
  // ALL-USE's own position in the same contract (buying what ALL-USE is short, selling what
  // it is long) would close ALL-USE's position at the broker.
  const against = option ? (c.alluse.positions ?? []).find((p) => sameContract(p) && (sell ? p.quantity > 0 : p.quantity < 0)) : undefined;
  if (against)
    return fmt('CONFLICTS_WITH_ALLUSE_POSITION', { action: o.action, alluse_position: against.quantity, strike: $(o.strikeCents ?? 0), expiry: o.expiry ?? '' });
  const adds = opening && (shortPut || !sell) ? notional : 0;
  if (adds > 0 && c.alluse.symbolExposureCents + adds > c.alluse.concentrationLimitCents)
    return fmt('CONCENTRATION_LIMIT', { symbol: o.symbol, exposure_after: $(c.alluse.symbolExposureCents + adds), limit: $(c.alluse.concentrationLimitCents) });
  if (c.pacingBacklogMs > limits.maxPacingWaitMs) return fmt('PACING_LIMIT', { backlog_ms: Math.round(c.pacingBacklogMs), max_ms: limits.maxPacingWaitMs, messages_per_s: limits.pacingPerSecond });
  return { ok: true };
}
