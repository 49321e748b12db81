/**
 * Positions and performance of a STAR-LAB strategy in the seed's shapes, from the recorded
 * fills and current marks. Money is computed in exact decimals/cents (domain/positionMath)
 * and turned into dollars only at the edge.
 */
import Decimal from 'decimal.js';
import { positionsOf, strategyFills, strategyOwnerId, type StoredPosition } from '../db/positions';
import type { PrismaClient } from '../db/client';
import { applyFill, EMPTY_POSITION, marketValueCents, positionType, unrealizedPnlCents, type NetPosition } from '../domain/positionMath';
import { actionSpec, isoOfYmd, multiplierOf } from '../domain/instrument';
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

export async function strategyPositions(prisma: PrismaClient, marks: MarkProvider, clientName: string, strategyId: string): Promise<PositionBody[]> {
  const open = (await positionsOf(prisma, strategyOwnerId(clientName, strategyId))).filter((p) => p.quantity !== 0);
  const out = await Promise.all(open.map((p) => valued(p, marks)));
  return out.map(({ unrealizedCents: _u, ...body }) => body);
}

/**
 * A trade is an order that closed (part of) a position; it wins or loses by the realized
 * P&L of its fills (before commissions). Replays the strategy's fills to attribute it.
 */
export async function strategyPerformance(prisma: PrismaClient, marks: MarkProvider, clientName: string, strategyId: string): Promise<PerformanceBody> {
  const [rows, fills] = await Promise.all([positionsOf(prisma, strategyOwnerId(clientName, strategyId)), strategyFills(prisma, clientName, strategyId)]);
  const book = new Map<string, NetPosition>();
  const byOrder = new Map<string, { closed: boolean; pnl: number }>();
  let commissionTotal = new Decimal(0); // summed exactly, rounded once to the cent
  for (const f of fills) {
    const spec = actionSpec(f.tradeAction as Parameters<typeof actionSpec>[0]);
    const key = [f.symbol, spec.secType, f.expirationDate ?? '', f.strikePrice ?? '', spec.right ?? ''].join('|');
    const before = book.get(key) ?? EMPTY_POSITION;
    const after = applyFill(before, (spec.side === 'BUY' ? 1 : -1) * f.shares, f.price, multiplierOf(spec.secType));
    book.set(key, after);
    const t = byOrder.get(f.instructionId) ?? { closed: false, pnl: 0 };
    const reduces = before.quantity !== 0 && Math.sign(before.quantity) !== Math.sign(after.quantity - before.quantity);
    byOrder.set(f.instructionId, { closed: t.closed || reduces, pnl: t.pnl + after.realizedPnlCents - before.realizedPnlCents });
    if (f.commission !== null) commissionTotal = commissionTotal.plus(f.commission.toString());
  }
  const trades = [...byOrder.values()].filter((t) => t.closed);
  const open = await Promise.all(rows.filter((p) => p.quantity !== 0).map((p) => valued(p, marks)));
  return {
    starlab_strategy_id: strategyId,
    realized_pnl: dollars(rows.reduce((s, p) => s + p.realizedPnlCents, 0)),
    unrealized_pnl: dollars(open.reduce((s, p) => s + p.unrealizedCents, 0)),
    total_trades: trades.length,
    winning_trades: trades.filter((t) => t.pnl > 0).length,
    losing_trades: trades.filter((t) => t.pnl < 0).length,
    commissions_paid: dollars(commissionTotal.toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).mul(100).toNumber()),
  };
}
