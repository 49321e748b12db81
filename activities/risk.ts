/**
 * Gathers the context the risk rules need (control state, positions, limits, reservations)
 * and asks the pure rules in src/domain/risk.ts for a verdict (PROTOCOL §5). A failure is a
 * coded rejection, never an exception. A passing opening order reserves its capital in its
 * segment in the same transaction, under a per-segment lock; the reservation is released
 * when the order reaches a terminal state (activities/index.ts, recordOutcome).
 */
import { loadConfig } from '../src/config';
import type { PrismaClient } from '../src/db/client';
import { controlScopesOf } from '../src/db/control';
import { lastFillPrice, strategyOwnerId } from '../src/db/positions';
import * as db from '../src/db/reservations';
import { DEFAULT_PROTOCOL, fromDecimal, checkOrder, type OpenPosition, type RiskContext, type RiskOrder } from '../src/domain';
import type { TradeInstructionInput } from '../src/contracts/workflows/tradeInstruction';
import { actionSpec, multiplierOf } from '../src/domain/instrument';

/**
 * Prices may carry 4 decimals (limit prices, averaged fills): round to cents upward, which
 * overstates notional and reserved capital by under a cent rather than failing the check.
 */
const toCents = (v: string | number): number => fromDecimal(v, 'UP');

export type RiskVerdict = { ok: true } | { ok: false; code: string; message: string };

export interface RiskSettings {
  segmentCapitalLimitCents: number;
  concentrationLimitCents: number;
  allowedSymbols: readonly string[];
}

let envSettings: RiskSettings | undefined;
function settingsFromEnv(): RiskSettings {
  const c = loadConfig(process.env);
  return (envSettings ??= { segmentCapitalLimitCents: c.starlabSegmentCapitalLimitCents, concentrationLimitCents: c.starlabConcentrationLimitCents, allowedSymbols: c.starlabAllowedSymbols });
}

/**
 * Segment of an order, the key of segment_limits and capital_reservations: the STAR-LAB
 * account_tag (untagged orders share `UNTAGGED`), or `account:<id>` for ALL-USE's own.
 */
export const segmentOf = (input: TradeInstructionInput): string =>
  input.accountId ? `account:${input.accountId}` : (input.instruction.account_tag ?? 'UNTAGGED');

/** Capital an opening order ties up (mirrors domain/risk: secured cash of a short put, the price of a buy). */
export function capitalOf(o: RiskOrder, multiplier: number): number {
  const spec = actionSpec(o.action);
  if (!spec.opens) return 0;
  const perUnit = spec.secType === 'OPT' ? multiplier : 1;
  if (o.action === 'SELL_TO_OPEN_PUT') return (o.strikeCents ?? 0) * multiplier * o.quantity;
  return spec.side === 'BUY' ? (o.limitPriceCents ?? o.midCents ?? 0) * perUnit * o.quantity : 0;
}

/** The contract's current mid in cents for the limit-price band, or null when there is no usable quote. */
export type LimitMid = (input: TradeInstructionInput) => Promise<number | null>;

/**
 * Mid of a broker quote: (bid + ask) / 2 when both sides are quoted and not crossed, else the
 * last trade; null when the quote carries neither (market closed, no data) or is malformed.
 */
export function quoteMidCents(q: { bid: number; ask: number; last: number }): number | null {
  const ok = (v: number) => Number.isFinite(v) && v > 0;
  if (ok(q.bid) && ok(q.ask) && q.ask >= q.bid) return fromDecimal(((q.bid + q.ask) / 2).toFixed(4), 'HALF_EVEN');
  return ok(q.last) ? fromDecimal(q.last.toFixed(4), 'HALF_EVEN') : null;
}

/** What the risk check asks the broker: a LIMIT order's mid, and the pacing queue's depth. */
export interface RiskMarket {
  limitMid: LimitMid;
  pacingBacklogMs: () => number;
}
const NO_MARKET: RiskMarket = { limitMid: async () => null, pacingBacklogMs: () => 0 };

export async function checkInstructionRisk(
  prisma: PrismaClient,
  input: TradeInstructionInput,
  settings: RiskSettings = settingsFromEnv(),
  market: RiskMarket = NO_MARKET,
): Promise<RiskVerdict> {
  const i = input.instruction;
  const spec = actionSpec(i.trade_action);
  const segment = segmentOf(input);
  const ownerKind = input.accountId ? 'ACCOUNT' : 'STRATEGY';
  const ownerId = input.accountId ?? strategyOwnerId(input.clientName, i.starlab_strategy_id);
  const multiplier = DEFAULT_PROTOCOL.market.contractMultiplier;
  const order: RiskOrder = {
    symbol: i.symbol,
    action: i.trade_action,
    quantity: i.quantity,
    ...(i.strike_price !== undefined ? { strikeCents: toCents(i.strike_price) } : {}),
    ...(i.expiration_date ? { expiry: i.expiration_date.replaceAll('-', '') } : {}),
    ...(i.limit_price !== undefined ? { limitPriceCents: toCents(i.limit_price) } : {}),
  };
  // A LIMIT order's price is checked against the broker's current mid (the band); without a
  // quote the band cannot be checked and the order goes on. Fetched before the segment lock.
  if (i.order_type === 'LIMIT') {
    const mid = await market.limitMid(input);
    if (mid !== null) order.midCents = mid;
  }
  // A MARKET order is priced at the contract's last fill, when there is one, so its notional
  // and reserved capital are not zero.
  if (i.order_type === 'MARKET') {
    const last = await lastFillPrice(prisma, {
      symbol: i.symbol, secType: spec.secType, expiry: i.expiration_date?.replaceAll('-', '') ?? '', strike: String(i.strike_price ?? 0), right: spec.right ?? '',
    });
    if (last !== null) order.midCents = toCents(last);
  }

  return prisma.$transaction(async (tx) => {
    await db.lockSegment(tx, segment);
    // A retried activity after a passing check: the reservation is the verdict.
    if (await db.hasReservation(tx, input.allUseOrderId)) return { ok: true } as const;
    const [controls, limit, working, held, positions, openOrders, workingCalls] = await Promise.all([
      db.controlsFor(tx, controlScopesOf(input.accountId, i.account_tag)),
      db.segmentLimit(tx, segment),
      db.reservedCents(tx, segment, input.allUseOrderId),
      // A STAR-LAB segment's limit covers what its filled positions hold, not only working
      // orders; ALL-USE's accounts are sized by their own ledgers (weekly cycle).
      input.accountId ? Promise.resolve(0) : db.heldCents(tx, segment, multiplier),
      db.symbolPositions(tx, i.symbol),
      input.accountId ? Promise.resolve(undefined) : db.openOrdersOfStrategy(tx, input.clientName, i.starlab_strategy_id, input.allUseOrderId),
      i.trade_action === 'SELL_TO_OPEN_CALL'
        ? db.workingOpeningCalls(tx, { accountId: input.accountId, clientName: input.clientName, strategyId: i.starlab_strategy_id }, i.symbol, input.allUseOrderId)
        : Promise.resolve(0),
    ]);
    const mine = positions.filter((p) => p.ownerKind === ownerKind && p.ownerId === ownerId);
    const asOpen = (ps: typeof positions): OpenPosition[] =>
      ps.map((p) => ({
        secType: p.secType,
        ...(p.right ? { right: p.right as 'C' | 'P' } : {}),
        ...(p.secType === 'OPT' ? { strikeCents: toCents(p.strike), expiry: p.expiry } : {}),
        quantity: p.quantity,
      }));
    const openPositions = asOpen(mine);
    const shortCalls = (ps: typeof positions) => ps.filter((p) => p.secType === 'OPT' && p.right === 'C' && p.quantity < 0).reduce((s, p) => s - p.quantity, 0);
    // Exposure across ALL-USE and STAR-LAB: assignment value of short puts, cost of longs.
    const exposure = positions.reduce((s, p) => {
      if (p.secType === 'OPT' && p.right === 'P' && p.quantity < 0) return s + toCents(p.strike) * multiplier * -p.quantity;
      if (p.quantity > 0) return s + toCents(p.avgPrice) * multiplierOf(p.secType) * p.quantity;
      return s;
    }, 0);
    const capitalLimit = limit?.capitalLimitCents ?? settings.segmentCapitalLimitCents;
    const reserved = working + held;
    const ctx: RiskContext = {
      killSwitch: { global: controls.some((c) => c.scope === 'global' && c.halted), account: controls.some((c) => c.scope !== 'global' && c.halted) },
      reduceOnly: controls.some((c) => c.reduceOnly),
      allowedSymbols: settings.allowedSymbols,
      // Until the broker port lists chains: a contract that has not expired counts as listed.
      chainHasContract: spec.secType !== 'OPT' || (i.expiration_date ?? '') >= new Date().toISOString().slice(0, 10),
      cashCents: capitalLimit - reserved,
      bufferCents: 0,
      sharesHeld: mine.filter((p) => p.secType === 'STK').reduce((s, p) => s + p.quantity, 0),
      // Working calls count too: the same shares must not cover two calls (checked under the segment lock).
      callsCovering: shortCalls(mine) + workingCalls,
      openPositions,
      segment: { capitalLimitCents: capitalLimit, capitalUsedCents: reserved },
      ...(openOrders !== undefined ? { openOrdersForStrategy: openOrders } : {}),
      // ALL-USE's own covered calls only constrain its own accounts' share sales.
      alluse: {
        coveredCallContracts: input.accountId ? shortCalls(mine) : 0,
        symbolExposureCents: exposure,
        concentrationLimitCents: settings.concentrationLimitCents,
        // A STAR-LAB order must not trade against ALL-USE's own contracts (one broker account nets them).
        ...(input.accountId ? {} : { positions: asOpen(positions.filter((p) => p.ownerKind === 'ACCOUNT')) }),
      },
      // The adapter queues messages to keep IB's pacing; an order behind too deep a queue is refused.
      pacingBacklogMs: market.pacingBacklogMs(),
      multiplier,
    };
    const limits = { ...DEFAULT_PROTOCOL.risk, ...(limit?.maxOpenOrdersPerStrategy ? { maxOpenOrdersPerStrategy: limit.maxOpenOrdersPerStrategy } : {}) };
    const verdict = checkOrder(order, ctx, limits);
    if (!verdict.ok) {
      // Name the switch that stopped it, so an operator knows which one to look at.
      const scope = controls.find((c) => (verdict.code === 'KILL_SWITCH' ? c.halted : verdict.code === 'REDUCE_ONLY' && c.reduceOnly))?.scope;
      return scope ? { ...verdict, message: `${verdict.message}, scope=${scope}` } : verdict;
    }
    await db.reserve(tx, input.allUseOrderId, segment, capitalOf(order, multiplier));
    return { ok: true } as const;
  });
}
