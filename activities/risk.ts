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
  // Read before the segment lock, all at once: nothing the lock guards depends on them.
  // A LIMIT order's price is checked against the broker's current mid (the band); without a
  // quote the band cannot be checked and the order goes on. A MARKET order is priced at the
  // contract's last fill, when there is one, so its notional and reserved capital are not zero.
  // The switches are looked at again right before sending (placeOrder), the limit is operator
  // configuration, and positions change as fills are recorded (under each position's own lock,
  // never this one).
  const [mid, last, controls, limit, positions] = await Promise.all([
    i.order_type === 'LIMIT' ? market.limitMid(input) : Promise.resolve(null),
    i.order_type === 'MARKET'
      ? lastFillPrice(prisma, { symbol: i.symbol, secType: spec.secType, expiry: i.expiration_date?.replaceAll('-', '') ?? '', strike: String(i.strike_price ?? 0), right: spec.right ?? '' })
      : Promise.resolve(null),
    db.controlsFor(prisma, controlScopesOf(input.accountId, i.account_tag)),
    db.segmentLimit(prisma, segment),
    db.symbolPositions(prisma, i.symbol),
  ]);
  if (i.order_type === 'LIMIT' && mid !== null) order.midCents = mid;
  if (i.order_type === 'MARKET' && last !== null) order.midCents = toCents(last);

  const decide = (u: db.SegmentUsage): { reserveCents?: number; result: RiskVerdict } => {
    // A retried activity after a passing check: the reservation is the verdict.
    if (u.hasReservation) return { result: { ok: true } };
    const working = u.workingCents;
    const held = u.heldCents;
    const openOrders = u.openOrders;
    const workingCalls = u.workingCalls;
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
      return { result: scope ? { ...verdict, message: `${verdict.message}, scope=${scope}` } : verdict };
    }
    return { reserveCents: capitalOf(order, multiplier), result: { ok: true } };
  };

  // Under the segment lock: only what decides whether this order's capital is free (the
  // segment's reservations and holdings, the strategy's working orders and calls) and the
  // reservation itself, checked in a batch with the segment's other waiting orders of this
  // process (src/db/reservations.ts lockedSegmentChecks: two round trips per batch).
  return checkInSegmentBatch(prisma, segment, {
    q: {
      segment,
      instructionId: input.allUseOrderId,
      multiplier,
      // A STAR-LAB segment's limit covers what its filled positions hold, not only working
      // orders; ALL-USE's accounts are sized by their own ledgers (weekly cycle).
      held: !input.accountId,
      ...(input.accountId ? {} : { strategy: { clientName: input.clientName, strategyId: i.starlab_strategy_id } }),
      ...(i.trade_action === 'SELL_TO_OPEN_CALL'
        ? { calls: { ...(input.accountId ? { accountId: input.accountId } : {}), clientName: input.clientName, strategyId: i.starlab_strategy_id, symbol: i.symbol } }
        : {}),
    },
    ...(i.trade_action === 'SELL_TO_OPEN_CALL' ? { callQuantity: i.quantity } : {}),
    decide,
  });
}

interface SegmentJob {
  check: db.SegmentCheck<RiskVerdict>;
  resolve: (v: RiskVerdict) => void;
  reject: (e: unknown) => void;
}
const queues = new WeakMap<PrismaClient, Map<string, SegmentJob[]>>();
const MAX_BATCH = 100;

/**
 * Group commit of the segment lock: the orders of one segment that wait while a batch holds the
 * lock form the next batch (up to 100), checked in order under one lock in two round trips. No
 * waiter parks a pooled connection on the advisory lock (50 waiters used to take all 10 and stall
 * every other query of the worker), and the lock is held per batch, not per order: the cause of
 * instructions being serialised (bench:e2e, docs/OPERATIONS-CLUSTER.md). The advisory lock still
 * orders the batches of different processes.
 */
function checkInSegmentBatch(prisma: PrismaClient, segment: string, check: db.SegmentCheck<RiskVerdict>): Promise<RiskVerdict> {
  let bySegment = queues.get(prisma);
  if (!bySegment) queues.set(prisma, (bySegment = new Map()));
  const segments = bySegment;
  return new Promise<RiskVerdict>((resolve, reject) => {
    const waiting = segments.get(segment);
    if (waiting) {
      waiting.push({ check, resolve, reject });
      return;
    }
    const jobs: SegmentJob[] = [{ check, resolve, reject }];
    segments.set(segment, jobs);
    void (async () => {
      while (jobs.length) {
        const batch = jobs.splice(0, MAX_BATCH);
        try {
          const results = await db.lockedSegmentChecks(prisma, segment, batch.map((j) => j.check));
          batch.forEach((j, k) => j.resolve(results[k]!));
        } catch (err) {
          batch.forEach((j) => j.reject(err));
        }
      }
      segments.delete(segment);
    })();
  });
}
