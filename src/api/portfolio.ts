/**
 * Positions and performance of a STAR-LAB strategy in the seed's shapes, from the recorded
 * fills and current marks. Money is computed in exact decimals/cents (domain/positionMath)
 * and turned into dollars only at the edge.
 */
import { positionsOf, strategyOwnerIds, type StoredPosition } from '../db/positions';
import { ownerEvents } from '../db/books';
import { contractKey, realizedNet } from '../domain/reconcile';
import type { PrismaClient } from '../db/client';
import { marketValueCents, positionType, unrealizedPnlCents } from '../domain/positionMath';
import { isoOfYmd, multiplierOf } from '../domain/instrument';
import type { MarkProvider } from './marks';
import type { PerformanceBody, PositionBody as ApiPosition } from '../contracts/api';

/** The response bodies, inferred from their zod schemas (src/contracts/api.ts); this module always sets mark_source. */
export type PositionBody = ApiPosition & Required<Pick<ApiPosition, 'mark_source'>>;
export type { PerformanceBody } from '../contracts/api';

const dollars = (cents: number): number => cents / 100;

async function valued(p: StoredPosition, marks: MarkProvider): Promise<PositionBody & { unrealizedCents: number }> {
  const c = p.contract;
  const mult = multiplierOf(c.secType);
  const mark = await marks.mark(c);
  // Without any mark the position is shown at its entry price: no invented P&L.
  const price = mark?.price ?? p.avgPrice;
  const unrealizedCents = unrealizedPnlCents({ quantity: p.quantity, avgPrice: p.avgPrice, realizedPnlCents: 0 }, price, mult);
  return {
    symbol: c.symbol,
    position_type: positionType(c.secType, c.right, p.quantity),
    quantity: Math.abs(p.quantity),
    average_entry_price: Number(p.avgPrice),
    market_value: dollars(marketValueCents(p.quantity, price, mult)),
    unrealized_pnl: dollars(unrealizedCents),
    all_use_order_id_open: p.openInstructionId,
    ...(c.secType === 'OPT' ? { expiration_date: isoOfYmd(c.expiry), strike_price: Number(c.strike) } : {}),
    mark_source: mark?.source ?? 'NONE',
    unrealizedCents,
  };
}

/** Every position row of the strategy's owners (one client's, or every client's when clientName is null). */
async function strategyRows(prisma: PrismaClient, clientName: string | null, strategyId: string): Promise<StoredPosition[]> {
  const owners = await strategyOwnerIds(prisma, clientName, strategyId);
  return (await Promise.all(owners.map((o) => positionsOf(prisma, o)))).flat();
}

/** clientName null: the strategy as a whole (a credential whose patterns match it reads every client's part). */
export async function strategyPositions(prisma: PrismaClient, marks: MarkProvider, clientName: string | null, strategyId: string): Promise<PositionBody[]> {
  const open = (await strategyRows(prisma, clientName, strategyId)).filter((p) => p.quantity !== 0);
  const out = await Promise.all(open.map((p) => valued(p, marks)));
  return out.map(({ unrealizedCents: _u, ...body }) => body);
}

/**
 * A trade is an order that closed (part of) a position, or the broker ending it: an option
 * expired, assigned or exercised. It wins or loses by its realised P&L. Realised P&L is IB's:
 * net of commissions (the opening commission is part of the position's cost, the closing one
 * reduces the proceeds), replayed from the strategy's fills and lifecycle bookings.
 */
export async function strategyPerformance(prisma: PrismaClient, marks: MarkProvider, clientName: string | null, strategyId: string): Promise<PerformanceBody> {
  const owners = await strategyOwnerIds(prisma, clientName, strategyId);
  const [rows, eventsByOwner] = await Promise.all([strategyRows(prisma, clientName, strategyId), Promise.all(owners.map((o) => ownerEvents(prisma, 'STRATEGY', o)))]);
  const bySource = new Map<string, { closed: boolean; pnl: number }>();
  let realizedCents = 0;
  let commissionTotal = 0;
  // Each client's part of the strategy is its own book (its own positions and fills).
  for (const events of eventsByOwner) {
    const net = realizedNet(events);
    realizedCents += net.realizedCents;
    const held = new Map<string, number>();
    events.forEach((e, i) => {
      const k = contractKey(e.contract);
      const before = held.get(k) ?? 0;
      held.set(k, before + e.signedQty);
      const reduces = before !== 0 && Math.sign(before) !== Math.sign(e.signedQty);
      const t = bySource.get(e.source) ?? { closed: false, pnl: 0 };
      bySource.set(e.source, { closed: t.closed || reduces, pnl: t.pnl + net.perEvent[i]! });
      commissionTotal += e.commissionCents;
    });
  }
  // An assignment books the option's end and the stock's arrival: one trade (the option's), not two.
  const trades = [...bySource.entries()].filter(([, t]) => t.closed).map(([, t]) => t);
  const open = await Promise.all(rows.filter((p) => p.quantity !== 0).map((p) => valued(p, marks)));
  return {
    starlab_strategy_id: strategyId,
    realized_pnl: dollars(realizedCents),
    unrealized_pnl: dollars(open.reduce((s, p) => s + p.unrealizedCents, 0)),
    total_trades: trades.length,
    winning_trades: trades.filter((t) => t.pnl > 0).length,
    losing_trades: trades.filter((t) => t.pnl < 0).length,
    commissions_paid: dollars(commissionTotal),
  };
}
