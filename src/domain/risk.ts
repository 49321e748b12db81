/**
 * PROTOCOL §5: one pure check for every order, from ALL-USE's own strategies and from STAR-LAB
 * alike. Returns the first failure as a code with its context ('CODE: k=v, k=v', money in
 * dollars) so the rejection can be stored and returned; it never throws for a business reason.
 * The caller gathers the context (cash net of other reservations, positions, counters).
 */
import { isOptionAction, type TradeAction } from '../contracts/instruction';
import Decimal from 'decimal.js';
import { fractionOf, fromDecimal, priceCents, toDecimal, type Cents } from './money';
import type { AccountConfig, ProtocolConfig } from './config';
import { actionSpec } from './instrument';

export const RISK_CODES = [
  'KILL_SWITCH',
  'REDUCE_ONLY',
  'SYMBOL_NOT_ALLOWED',
  'CONTRACT_NOT_IN_CHAIN',
  'PUT_NOT_CASH_SECURED',
  'CALL_NOT_COVERED',
  'NO_POSITION_TO_CLOSE',
  'QUANTITY_LIMIT',
  'NOTIONAL_LIMIT',
  'LIMIT_PRICE_OUT_OF_BAND',
  'SEGMENT_CAPITAL_EXCEEDED',
  'OPEN_ORDER_LIMIT',
  'CONFLICTS_WITH_ALLUSE_POSITION',
  'CONCENTRATION_LIMIT',
  'PACING_LIMIT',
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
  message: `${code}: ${Object.entries(kv)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}`,
});
const $ = toDecimal;

function parse(a: TradeAction): { opening: boolean; sell: boolean; right?: 'C' | 'P' } {
  const spec = actionSpec(a);
  return { opening: spec.opens, sell: spec.side === 'SELL', ...(spec.right ? { right: spec.right } : {}) };
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
  if (shortPut && c.cashCents - c.bufferCents < notional) return fmt('PUT_NOT_CASH_SECURED', { required: $(notional), cash: $(c.cashCents), buffer: $(c.bufferCents) });
  if (o.action === 'SELL_TO_OPEN_CALL' && c.sharesHeld - c.callsCovering * c.multiplier < o.quantity * c.multiplier)
    return fmt('CALL_NOT_COVERED', { shares_needed: o.quantity * c.multiplier, shares_held: c.sharesHeld, already_covering: c.callsCovering * c.multiplier });
  // The order's own contract among positions: the option series, or the stock.
  const sameContract = (p: OpenPosition) => (option ? p.secType === 'OPT' && p.right === right && p.strikeCents === o.strikeCents && p.expiry === o.expiry : p.secType === 'STK');
  if (!opening) {
    const held = c.openPositions.filter(sameContract).reduce((s, p) => s + p.quantity, 0);
    // Closing a long (sell) needs a long position of that size; closing a short (buy) a short one.
    const closable = sell ? Math.max(0, held) : Math.max(0, -held);
    if (closable < o.quantity) return fmt('NO_POSITION_TO_CLOSE', { action: o.action, quantity: o.quantity, open: closable });
  }
  const maxQty = option ? limits.maxOrderContracts : limits.maxOrderShares;
  if (o.quantity > maxQty) return fmt('QUANTITY_LIMIT', { quantity: o.quantity, max: maxQty });
  if (notional > limits.maxOrderNotionalCents) return fmt('NOTIONAL_LIMIT', { notional: $(notional), max: $(limits.maxOrderNotionalCents) });
  if (o.limitPriceCents !== undefined && o.midCents !== undefined) {
    const band = Math.max(fractionOf(o.midCents, limits.limitBand, 'HALF_EVEN'), limits.limitBandMinCents);
    if (Math.abs(o.limitPriceCents - o.midCents) > band) return fmt('LIMIT_PRICE_OUT_OF_BAND', { limit: $(o.limitPriceCents), mid: $(o.midCents), band: limits.limitBand });
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
  if (against) return fmt('CONFLICTS_WITH_ALLUSE_POSITION', { action: o.action, alluse_position: against.quantity, strike: $(o.strikeCents ?? 0), expiry: o.expiry ?? '' });
  const adds = opening && (shortPut || !sell) ? notional : 0;
  if (adds > 0 && c.alluse.symbolExposureCents + adds > c.alluse.concentrationLimitCents)
    return fmt('CONCENTRATION_LIMIT', { symbol: o.symbol, exposure_after: $(c.alluse.symbolExposureCents + adds), limit: $(c.alluse.concentrationLimitCents) });
  if (c.pacingBacklogMs > limits.maxPacingWaitMs) return fmt('PACING_LIMIT', { backlog_ms: Math.round(c.pacingBacklogMs), max_ms: limits.maxPacingWaitMs, messages_per_s: limits.pacingPerSecond });
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// The decision for one instruction: from the inputs src/db/riskInputs.ts loads (under the
// segment lock) to the context of checkOrder, and the capital a passing order reserves.
// ---------------------------------------------------------------------------------------------

/** STAR-LAB's limits (from the worker's configuration, src/config.ts `riskSettingsOf`). */
export interface RiskSettings {
  segmentCapitalLimitCents: Cents;
  concentrationLimitCents: Cents;
  allowedSymbols: readonly string[];
}

/** The configuration's defaults (src/config.ts), for a worker built without a configuration (tests). */
export const DEFAULT_RISK_SETTINGS: RiskSettings = {
  segmentCapitalLimitCents: 100_000_000,
  concentrationLimitCents: 250_000_000,
  allowedSymbols: ['AAPL', 'AMZN', 'MSFT', 'GOOGL', 'META', 'NVDA', 'TSLA', 'SPY', 'QQQ', 'IWM'],
};

/** A position row of the symbol (any owner), prices as the database's decimal strings. */
export interface RiskPosition {
  ownerKind: string;
  ownerId: string;
  symbol: string;
  secType: 'STK' | 'OPT';
  right: string | null;
  /** YYYYMMDD for options, '' for stock */
  expiry: string;
  strike: string;
  quantity: number;
  avgPrice: string;
}

export interface RiskInputs {
  controls: readonly { scope: string; halted: boolean; reduceOnly: boolean }[];
  /** the segment_limits row, null = the configured default (STAR-LAB) */
  segmentLimit: { capitalLimitCents: Cents; maxOpenOrdersPerStrategy: number | null } | null;
  /** what the segment's other working orders still reserve (net of their fills) */
  workingCents: Cents;
  /** what the STAR-LAB segment's open positions hold (0 for an ALL-USE account) */
  heldCents: Cents;
  /** open positions in the order's symbol, every owner */
  symbolPositions: readonly RiskPosition[];
  /** STAR-LAB: the strategy's other open orders */
  openOrdersForStrategy?: number;
  /** working SELL_TO_OPEN_CALL contracts of the same owner and symbol that passed the check */
  workingCalls: number;
  /** ALL-USE's own account: its ledger cash and every open position of it (all symbols) */
  account?: { cashCents: Cents; positions: readonly RiskPosition[] };
}

/** Who decides the limits: STAR-LAB's configured ones, or the protocol's per-account rules. */
export type RiskPolicy =
  | { kind: 'STARLAB'; settings: RiskSettings }
  | {
      kind: 'INTERNAL';
      account: Pick<AccountConfig, 'underlyings' | 'concentrationLimit' | 'cashBuffer'> | undefined;
      /** a LEAPS sleeve: it exists to hold LEAPS, so its cash bounds it, not a per-symbol cap */
      sleeve?: boolean;
    };

export interface RiskDecisionInput {
  order: RiskOrder;
  owner: { ownerKind: 'ACCOUNT' | 'STRATEGY'; ownerId: string };
  inputs: RiskInputs;
  policy: RiskPolicy;
  /** today (YYYY-MM-DD) on the injected clock: an option expiring before it is not listed */
  today: string;
  pacingBacklogMs: number;
  multiplier: number;
  limits: ProtocolConfig['risk'];
}

export interface RiskDecision {
  verdict: RiskResult;
  /** capital the order reserves in its segment when it passes (0 otherwise) */
  capitalCents: Cents;
}

/** Capital an opening order ties up: the secured cash of a short put, the price of a buy; closes none. */
export function capitalOf(o: RiskOrder, multiplier: number): Cents {
  const spec = actionSpec(o.action);
  if (!spec.opens) return 0;
  const perUnit = spec.secType === 'OPT' ? multiplier : 1;
  if (o.action === 'SELL_TO_OPEN_PUT') return (o.strikeCents ?? 0) * multiplier * o.quantity;
  return spec.side === 'BUY' ? (o.limitPriceCents ?? o.midCents ?? 0) * perUnit * o.quantity : 0;
}

const asOpen = (ps: readonly RiskPosition[]): OpenPosition[] =>
  ps.map((p) => ({
    secType: p.secType,
    ...(p.right === 'C' || p.right === 'P' ? { right: p.right } : {}),
    ...(p.secType === 'OPT' ? { strikeCents: priceCents(p.strike), expiry: p.expiry } : {}),
    quantity: p.quantity,
  }));
const shortCalls = (ps: readonly RiskPosition[]) => ps.filter((p) => p.secType === 'OPT' && p.right === 'C' && p.quantity < 0).reduce((s, p) => s - p.quantity, 0);
/**
 * THE capital a position holds (the one definition: the risk check's exposure and a STAR-LAB
 * segment's held capital in src/db/reservations.ts both use it): the assignment value of a
 * short put (strike × multiplier × contracts), the cost of a long (average price × multiplier
 * × quantity); a short call holds none (the shares covering it are counted). The exact
 * product, rounded up to the cent.
 */
export function capitalHeld(p: Pick<RiskPosition, 'secType' | 'right' | 'strike' | 'quantity' | 'avgPrice'>, multiplier: number): Cents {
  const perUnit = p.secType === 'OPT' ? multiplier : 1;
  if (p.secType === 'OPT' && p.right === 'P' && p.quantity < 0) return fromDecimal(new Decimal(p.strike).times(perUnit * -p.quantity).toString(), 'UP');
  if (p.quantity > 0) return fromDecimal(new Decimal(p.avgPrice).times(perUnit * p.quantity).toString(), 'UP');
  return 0;
}
const atRisk = capitalHeld;
const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

/**
 * The verdict for one order. STAR-LAB: its allowlist, its segment's capital limit (working
 * orders plus held positions) and the cross-owner concentration limit. ALL-USE's own
 * (INTERNAL) orders: the protocol's underlyings of the account, the account's ledger cash minus
 * the cash buffer (a fraction of account value) net of what its working orders reserve and its
 * open short puts secure, and the per-symbol cap (concentration × account value) on what the
 * account has at risk in the symbol (PROTOCOL §5). Account value here is ledger cash plus open
 * longs at cost (fills of the current week are booked at the weekly close).
 */
export function decideRisk(d: RiskDecisionInput): RiskDecision {
  const { order, inputs, owner, multiplier } = d;
  const spec = actionSpec(order.action);
  const mine = inputs.symbolPositions.filter((p) => p.ownerKind === owner.ownerKind && p.ownerId === owner.ownerId);
  const halted = inputs.controls.some((c) => c.scope === 'global' && c.halted);
  const base = {
    killSwitch: { global: halted, account: inputs.controls.some((c) => c.scope !== 'global' && c.halted) },
    reduceOnly: inputs.controls.some((c) => c.reduceOnly),
    // Until the broker port lists chains: a contract that has not expired counts as listed.
    chainHasContract: spec.secType !== 'OPT' || (order.expiry ?? '') >= d.today.replaceAll('-', ''),
    sharesHeld: sum(mine.filter((p) => p.secType === 'STK').map((p) => p.quantity)),
    // Working calls count too: the same shares must not cover two calls (checked under the segment lock).
    callsCovering: shortCalls(mine) + inputs.workingCalls,
    openPositions: asOpen(mine),
    // The adapter queues messages to keep IB's pacing; an order behind too deep a queue is refused.
    pacingBacklogMs: d.pacingBacklogMs,
    multiplier,
  };
  let ctx: RiskContext;
  if (d.policy.kind === 'STARLAB') {
    const s = d.policy.settings;
    const capitalLimit = inputs.segmentLimit?.capitalLimitCents ?? s.segmentCapitalLimitCents;
    const used = inputs.workingCents + inputs.heldCents;
    ctx = {
      ...base,
      allowedSymbols: s.allowedSymbols,
      cashCents: capitalLimit - used,
      bufferCents: 0,
      segment: { capitalLimitCents: capitalLimit, capitalUsedCents: used },
      ...(inputs.openOrdersForStrategy !== undefined ? { openOrdersForStrategy: inputs.openOrdersForStrategy } : {}),
      alluse: {
        coveredCallContracts: 0,
        // Exposure across ALL-USE and STAR-LAB: assignment value of short puts, cost of longs.
        symbolExposureCents: sum(inputs.symbolPositions.map((p) => atRisk(p, multiplier))),
        concentrationLimitCents: s.concentrationLimitCents,
        // A STAR-LAB order must not trade against ALL-USE's own contracts (one broker account nets them).
        positions: asOpen(inputs.symbolPositions.filter((p) => p.ownerKind === 'ACCOUNT')),
      },
    };
  } else {
    const cfg = d.policy.account;
    const account = inputs.account ?? { cashCents: 0, positions: [] };
    const value = account.cashCents + sum(account.positions.filter((p) => p.quantity > 0).map((p) => atRisk(p, multiplier)));
    const secured = sum(account.positions.filter((p) => p.secType === 'OPT' && p.right === 'P' && p.quantity < 0).map((p) => atRisk(p, multiplier)));
    const buffer = cfg ? fractionOf(Math.max(0, value), cfg.cashBuffer, 'UP') : 0;
    const used = inputs.workingCents + secured;
    ctx = {
      ...base,
      // An account the protocol does not know trades nothing.
      allowedSymbols: cfg?.underlyings ?? [],
      cashCents: account.cashCents - used,
      bufferCents: buffer,
      segment: { capitalLimitCents: account.cashCents - buffer, capitalUsedCents: used },
      alluse: {
        // Selling shares must leave the account's own covered calls covered.
        coveredCallContracts: shortCalls(mine),
        symbolExposureCents: sum(account.positions.filter((p) => p.symbol === order.symbol).map((p) => atRisk(p, multiplier))),
        concentrationLimitCents: d.policy.sleeve ? Number.MAX_SAFE_INTEGER : cfg ? fractionOf(Math.max(0, value), cfg.concentrationLimit, 'DOWN') : 0,
      },
    };
  }
  const max = inputs.segmentLimit?.maxOpenOrdersPerStrategy;
  const limits = { ...d.limits, ...(d.policy.kind === 'STARLAB' && max ? { maxOpenOrdersPerStrategy: max } : {}) };
  const verdict = checkOrder(order, ctx, limits);
  if (!verdict.ok) {
    // Name the switch that stopped it, so an operator knows which one to look at.
    const scope = inputs.controls.find((c) => (verdict.code === 'KILL_SWITCH' ? c.halted : verdict.code === 'REDUCE_ONLY' && c.reduceOnly))?.scope;
    return { verdict: scope ? { ...verdict, message: `${verdict.message}, scope=${scope}` } : verdict, capitalCents: 0 };
  }
  return { verdict, capitalCents: capitalOf(order, multiplier) };
}
