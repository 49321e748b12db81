/**
 * The weekly cycle's order plans (protocol_orders), keyed by client_order_id: the first plan
 * of a week is kept, so a re-run places the same orders, and the monitor reads entry prices.
 */
import type { PrismaClient } from './client';

export interface ProtocolOrderRow {
  clientOrderId: string;
  familyId: string;
  accountId: string;
  week: string;
  symbol: string;
  purpose: string;
  tradeAction: string;
  quantity: number;
  strikeCents: number | null;
  expiry: string | null;
  underlyingCents: number;
  atrCents: number | null;
  entryDay: string;
  detail?: Record<string, unknown>;
}

const big = (n: number | null) => (n === null ? null : BigInt(n));
const num = (n: bigint | null) => (n === null ? null : Number(n));

export async function savePlans(prisma: PrismaClient, rows: readonly ProtocolOrderRow[]): Promise<void> {
  if (rows.length === 0) return;
  await prisma.protocolOrder.createMany({
    data: rows.map((r) => ({ ...r, strikeCents: big(r.strikeCents), underlyingCents: BigInt(r.underlyingCents), atrCents: big(r.atrCents), detail: (r.detail ?? undefined) as never })),
    skipDuplicates: true,
  });
}

export async function plansOf(prisma: PrismaClient, where: { clientOrderId?: string; familyId?: string; week?: string; accountId?: string; purpose?: string }): Promise<ProtocolOrderRow[]> {
  const rows = await prisma.protocolOrder.findMany({ where, orderBy: { clientOrderId: 'asc' } });
  return rows.map((r) => ({
    ...r,
    strikeCents: num(r.strikeCents),
    underlyingCents: Number(r.underlyingCents),
    atrCents: num(r.atrCents),
    detail: (r.detail ?? undefined) as Record<string, unknown> | undefined,
  }));
}

/**
 * What the entry found when it priced the order (strike chosen from the chain then, the
 * underlying's price, the quote's delta): the plan row is updated so the monitor measures
 * a level's move from the entry and matches the position by the strike actually sold.
 */
/**
 * What an entry was when it went out (decided on the entry day, not the Friday before): its size,
 * strike (null for shares), the underlying's price and the strike's delta. The Friday plan's
 * strike and size stay in `detail` (plannedStrikeCents, plannedQuantity) for the record.
 */
export async function recordEntry(prisma: PrismaClient, clientOrderId: string, entry: { strikeCents: number | null; underlyingCents: number; delta: number | null; quantity: number }): Promise<void> {
  const row = await prisma.protocolOrder.findUnique({ where: { clientOrderId } });
  if (!row) return;
  const before = (row.detail ?? {}) as Record<string, unknown>;
  const detail = {
    ...before,
    entryUnderlyingCents: entry.underlyingCents,
    ...(entry.delta !== null ? { entryDelta: entry.delta } : {}),
    // The first decision's plan is the plan: a retry round must not overwrite it with an earlier entry's numbers.
    plannedStrikeCents: before.plannedStrikeCents ?? (row.strikeCents === null ? null : Number(row.strikeCents)),
    plannedQuantity: before.plannedQuantity ?? row.quantity,
  };
  await prisma.protocolOrder.update({
    where: { clientOrderId },
    data: { quantity: entry.quantity, ...(entry.strikeCents !== null ? { strikeCents: BigInt(entry.strikeCents) } : {}), detail: detail as never },
  });
}
