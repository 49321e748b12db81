/**
 * Risk context and capital reservations for one order, read and written inside the
 * caller's transaction (activities/risk.ts holds a per-segment advisory lock around it,
 * so two orders cannot both pass the check against the same free capital).
 */
import type { Prisma, PrismaClient } from './client';
import { TERMINAL_STATUSES } from '../contracts/orderStatus';
import { capitalHeld } from '../domain/risk';

type Tx = Prisma.TransactionClient;

export async function lockSegment(tx: Tx, segment: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`segment:${segment}`}, 0))`;
}

export async function segmentLimit(tx: Tx, segment: string): Promise<{ capitalLimitCents: number; maxOpenOrdersPerStrategy: number | null } | null> {
  const row = await tx.segmentLimit.findUnique({ where: { segment } });
  return row ? { capitalLimitCents: Number(row.capitalLimitCents), maxOpenOrdersPerStrategy: row.maxOpenOrdersPerStrategy } : null;
}

/**
 * Capital the segment's other working orders still tie up: each reservation net of the part
 * of its order already filled (a filled part is counted as a position by heldCents instead,
 * so a partly filled order is never counted twice).
 */
export async function reservedCents(tx: Tx, segment: string, exceptInstructionId: string): Promise<number> {
  const [r] = await tx.$queryRaw<{ cents: string | null }[]>`
    SELECT sum(ceil(cr.amount_cents * (i.quantity - least(i.quantity, coalesce(o.filled_quantity, 0)))::numeric / i.quantity))::text AS cents
      FROM capital_reservations cr
      JOIN instructions i ON i.id = cr.instruction_id
      LEFT JOIN orders o ON o.instruction_id = cr.instruction_id
     WHERE cr.segment = ${segment} AND cr.released_at IS NULL AND cr.instruction_id <> ${exceptInstructionId}`;
  return Number(r?.cents ?? 0);
}

/**
 * Capital the segment's open STAR-LAB positions hold (a position belongs to the segment of the
 * instruction that opened it), summed in JS with the one definition, `capitalHeld`
 * (src/domain/risk.ts): cost of long options and shares, strike × multiplier of short puts.
 */
export async function heldCents(tx: Tx, segment: string, multiplier: number): Promise<number> {
  const rows = await tx.$queryRaw<{ sec_type: string; right: string; strike: string; quantity: number; avg_price: string }[]>`
    SELECT p.sec_type, p."right", p.strike::text AS strike, p.quantity, p.avg_price::text AS avg_price
      FROM positions p
      JOIN instructions i ON i.id = p.open_instruction_id
     WHERE p.owner_kind = 'STRATEGY' AND p.quantity <> 0 AND i.account_id IS NULL AND coalesce(i.account_tag, 'UNTAGGED') = ${segment}`;
  return rows.reduce((s, r) => s + capitalHeld({ secType: r.sec_type === 'OPT' ? 'OPT' : 'STK', right: r.right, strike: r.strike, quantity: Number(r.quantity), avgPrice: r.avg_price }, multiplier), 0);
}

export async function hasReservation(tx: Tx, instructionId: string): Promise<boolean> {
  return (await tx.capitalReservation.count({ where: { instructionId } })) > 0;
}

export async function reserve(tx: Tx, instructionId: string, segment: string, amountCents: number): Promise<void> {
  await tx.capitalReservation.createMany({ data: [{ instructionId, segment, amountCents: BigInt(amountCents) }], skipDuplicates: true });
}

/** Releases the order's reservation (idempotent): called when the order reaches a terminal state. */
export async function releaseReservation(prisma: PrismaClient, instructionId: string): Promise<void> {
  await prisma.capitalReservation.updateMany({ where: { instructionId, releasedAt: null }, data: { releasedAt: new Date() } });
}

/**
 * Operators set a segment's limits (`npm run ops -- segments set`), audited in the same
 * transaction; a STAR-LAB order's risk check reads them under the segment lock.
 */
export async function setSegmentLimit(prisma: PrismaClient, segment: string, capitalLimitCents: number, maxOpenOrdersPerStrategy: number | null = null, updatedBy = 'operator'): Promise<void> {
  const data = { capitalLimitCents: BigInt(capitalLimitCents), maxOpenOrdersPerStrategy, updatedBy };
  await prisma.$transaction([
    prisma.segmentLimit.upsert({ where: { segment }, update: data, create: { segment, ...data } }),
    prisma.auditLog.create({ data: { actor: updatedBy, action: 'SEGMENT_LIMIT_SET', target: segment, outcome: 'OK', detail: { capital_limit_cents: capitalLimitCents, max_open_orders_per_strategy: maxOpenOrdersPerStrategy } } }),
  ]);
}

export interface SegmentView {
  segment: string;
  /** null: the configured default applies (STARLAB_SEGMENT_CAPITAL_LIMIT_CENTS) */
  capitalLimitCents: number | null;
  maxOpenOrdersPerStrategy: number | null;
  /** what working orders still reserve and what open positions hold (as the risk check counts them) */
  workingCents: number;
  heldCents: number;
}

/** Every STAR-LAB segment with a limit row or an instruction, with the capital it uses now. */
export async function listSegments(prisma: PrismaClient, multiplier: number): Promise<SegmentView[]> {
  const [limits, tags] = await Promise.all([
    prisma.segmentLimit.findMany({ orderBy: { segment: 'asc' } }),
    prisma.instruction.findMany({ where: { accountId: null }, distinct: ['accountTag'], select: { accountTag: true } }),
  ]);
  const names = [...new Set([...limits.map((l) => l.segment), ...tags.map((t) => t.accountTag ?? 'UNTAGGED')])].filter((n) => !n.startsWith('account:')).sort();
  return prisma.$transaction(async (tx) =>
    Promise.all(
      names.map(async (segment) => {
        const l = limits.find((x) => x.segment === segment);
        return {
          segment,
          capitalLimitCents: l ? Number(l.capitalLimitCents) : null,
          maxOpenOrdersPerStrategy: l?.maxOpenOrdersPerStrategy ?? null,
          workingCents: await reservedCents(tx, segment, ''),
          heldCents: await heldCents(tx, segment, multiplier),
        };
      }),
    ),
  );
}

export async function controlsFor(tx: Tx, scopes: string[]) {
  return tx.controlState.findMany({ where: { scope: { in: scopes } } });
}

export async function symbolPositions(tx: Tx, symbol: string) {
  const rows = await tx.position.findMany({ where: { symbol, NOT: { quantity: 0 } } });
  return rows.map((r) => ({ ownerKind: r.ownerKind, ownerId: r.ownerId, secType: r.secType as 'STK' | 'OPT', right: r.right, expiry: r.expiry, strike: r.strike.toString(), quantity: r.quantity, avgPrice: r.avgPrice.toString() }));
}

export async function openOrdersOfStrategy(tx: Tx, clientName: string, strategyId: string, exceptInstructionId: string): Promise<number> {
  return tx.instruction.count({ where: { clientName, starlabStrategyId: strategyId, status: { notIn: [...TERMINAL_STATUSES] }, NOT: { id: exceptInstructionId } } });
}

/**
 * Contracts of SELL_TO_OPEN_CALL orders of one owner that passed the risk check and are still
 * working (unfilled part only: filled contracts are already in the positions). Counted as
 * covering, so two working calls cannot both be "covered" by the same shares.
 */
export async function workingOpeningCalls(
  tx: Tx,
  owner: { accountId?: string; clientName: string; strategyId: string },
  symbol: string,
  exceptInstructionId: string,
): Promise<number> {
  const rows = await tx.instruction.findMany({
    where: {
      symbol,
      tradeAction: 'SELL_TO_OPEN_CALL',
      status: { notIn: [...TERMINAL_STATUSES] },
      NOT: { id: exceptInstructionId },
      ...(owner.accountId ? { accountId: owner.accountId } : { clientName: owner.clientName, starlabStrategyId: owner.strategyId, accountId: null }),
    },
    select: { id: true, quantity: true, order: { select: { filledQuantity: true } } },
  });
  if (!rows.length) return 0;
  const passed = await tx.capitalReservation.findMany({ where: { instructionId: { in: rows.map((r) => r.id) }, releasedAt: null }, select: { instructionId: true } });
  const ids = new Set(passed.map((p) => p.instructionId));
  return rows.filter((r) => ids.has(r.id)).reduce((s, r) => s + r.quantity - (r.order?.filledQuantity ?? 0), 0);
}
