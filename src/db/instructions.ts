/**
 * Repository for instructions, broker orders, executions and positions. Every write is
 * idempotent (keyed by instruction id or broker execId) because Temporal retries activities.
 */
import Decimal from 'decimal.js';
import type { TradeInstruction } from '../contracts/instruction';
import type { OrderStatusBody } from '../contracts/api';
import { applyFill, type NetPosition } from '../domain/positionMath';
import type { PrismaClient } from './client';
import { Prisma } from './client';

export interface InstructionRecord {
  allUseOrderId: string;
  clientName: string;
  source: string;
  requestHash: string;
  workflowId: string;
  accountId?: string;
  instruction: TradeInstruction;
  /** A STAR-LAB submission: its INSTRUCTION_SUBMITTED audit row, written with the instruction row. */
  submittedFrom?: { ip?: string; requestId?: string };
}

export interface OutcomeRecord {
  status: string;
  filledQuantity: number;
  averageFillPrice: number | null;
  commission: number;
  brokerOrderId: string | null;
  rejectReason: string | null;
}

export interface FillRecord {
  execId: string;
  time: string;
  shares: number;
  price: number;
  commission?: number;
}

export interface PositionContract {
  symbol: string;
  secType: 'STK' | 'OPT';
  expiry: string;
  strike: number;
  right: string;
  multiplier: number;
  /** +1 buy, -1 sell. */
  sign: 1 | -1;
}

/**
 * Inserts the instruction once (retries change nothing). A STAR-LAB submission's audit row is
 * written in the same transaction, only by the insert that created the row: the instruction
 * and its INSTRUCTION_SUBMITTED entry exist together or not at all, and the API's
 * acknowledgement path stays one Temporal start (bench-api).
 */
export async function recordInstruction(prisma: PrismaClient, r: InstructionRecord, onRecorded?: (tx: Prisma.TransactionClient) => Promise<void>): Promise<void> {
  const i = r.instruction;
  const row = {
    id: r.allUseOrderId,
    clientName: r.clientName,
    clientOrderId: i.client_order_id,
    starlabStrategyId: i.starlab_strategy_id,
    schemeType: i.scheme_type,
    source: r.source,
    symbol: i.symbol,
    tradeAction: i.trade_action,
    quantity: i.quantity,
    orderType: i.order_type,
    limitPrice: i.limit_price !== undefined ? new Decimal(i.limit_price).toString() : null,
    expirationDate: i.expiration_date ?? null,
    strikePrice: i.strike_price !== undefined ? new Decimal(i.strike_price).toString() : null,
    timeInForce: i.time_in_force,
    accountTag: i.account_tag ?? null,
    accountId: r.accountId ?? null,
    requestHash: r.requestHash,
    workflowId: r.workflowId,
    status: 'PENDING_SUBMIT',
  };
  const from = r.submittedFrom;
  if (!from && !onRecorded) {
    await prisma.instruction.createMany({ data: [row], skipDuplicates: true });
    return;
  }
  await prisma.$transaction(async (tx) => {
    const created = await tx.instruction.createMany({ data: [row], skipDuplicates: true });
    // e.g. the RECEIVED webhook event (outbox): committed with the row, and idempotent itself, so
    // a retry after a commit still learns where the event goes.
    await onRecorded?.(tx);
    if (created.count === 0 || !from) return;
    await tx.auditLog.create({
      data: {
        actor: r.clientName,
        action: 'INSTRUCTION_SUBMITTED',
        target: r.allUseOrderId,
        outcome: 'OK',
        detail: { client_order_id: i.client_order_id, starlab_strategy_id: i.starlab_strategy_id, ip: from.ip ?? null, request_id: from.requestId ?? null },
      },
    });
  });
}

/**
 * Records the latest outcome, the broker order and any new fills in one transaction.
 * A fill is applied to its position only when its execId is first inserted, so a
 * retried activity never double-counts.
 */
export async function recordOutcome(
  prisma: PrismaClient,
  allUseOrderId: string,
  outcome: OutcomeRecord,
  order: { brokerOrderId: number; permId?: number; fills: FillRecord[] } | null,
  position: { ownerKind: string; ownerId: string; contract: PositionContract } | null,
  /** Runs in the same transaction after the status write (the webhook outbox). */
  onRecorded?: (tx: Prisma.TransactionClient) => Promise<void>,
): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await tx.instruction.update({
      where: { id: allUseOrderId },
      data: { status: outcome.status, rejectReason: outcome.rejectReason },
    });
    await onRecorded?.(tx);
    if (!order) return;
    const orderData = {
      brokerOrderId: order.brokerOrderId,
      permId: order.permId ?? null,
      status: outcome.status,
      filledQuantity: outcome.filledQuantity,
      avgFillPrice: outcome.averageFillPrice !== null ? new Decimal(outcome.averageFillPrice).toString() : null,
      commission: new Decimal(outcome.commission).toString(),
      reason: outcome.rejectReason,
    };
    await tx.order.upsert({
      where: { instructionId: allUseOrderId },
      update: orderData,
      create: { id: `ord_${allUseOrderId}`, instructionId: allUseOrderId, orderRef: allUseOrderId, ...orderData },
    });
    for (const f of order.fills) {
      const inserted = await tx.execution.createMany({
        data: [
          {
            execId: f.execId,
            instructionId: allUseOrderId,
            shares: f.shares,
            price: new Decimal(f.price).toString(),
            commission: f.commission !== undefined ? new Decimal(f.commission).toString() : null,
            executedAt: f.time,
          },
        ],
        skipDuplicates: true,
      });
      if (inserted.count === 0) {
        if (f.commission !== undefined) await tx.execution.update({ where: { execId: f.execId }, data: { commission: new Decimal(f.commission).toString() } });
        continue;
      }
      if (position) await applyFillToPosition(tx, position.ownerKind, position.ownerId, position.contract, allUseOrderId, f);
    }
  });
}

/** Applies one fill to the owner's position under the position's lock (also used by src/db/books.ts). */
export async function applyFillToPosition(tx: Prisma.TransactionClient, ownerKind: string, ownerId: string, c: PositionContract, instructionId: string, f: FillRecord): Promise<void> {
  const key = [ownerKind, ownerId, c.symbol, c.secType, c.expiry, c.strike, c.right].join('|');
  // Serialise fills on the same position across concurrent workflows.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
  const where = { ownerKind, ownerId, symbol: c.symbol, secType: c.secType, expiry: c.expiry, strike: new Decimal(c.strike).toString(), right: c.right };
  const row = await tx.position.findUnique({ where: { ownerKind_ownerId_symbol_secType_expiry_strike_right: where } });
  const prev: NetPosition = row ? { quantity: row.quantity, avgPrice: row.avgPrice.toString(), realizedPnlCents: Number(row.realizedPnlCents) } : { quantity: 0, avgPrice: '0', realizedPnlCents: 0 };
  const next = applyFill(prev, c.sign * f.shares, f.price, c.multiplier);
  const opensNew = prev.quantity === 0 || Math.sign(next.quantity) !== Math.sign(prev.quantity);
  const data = {
    quantity: next.quantity,
    avgPrice: next.avgPrice,
    realizedPnlCents: BigInt(next.realizedPnlCents),
    ...(opensNew && next.quantity !== 0 ? { openInstructionId: instructionId } : {}),
  };
  if (row) await tx.position.update({ where: { id: row.id }, data });
  else await tx.position.create({ data: { id: `pos_${key}`, ...where, ...data, openInstructionId: instructionId } });
}

/** GET /order_status body from the database (used once the workflow has closed). */
export async function orderStatusFromDb(prisma: PrismaClient, allUseOrderId: string): Promise<(OrderStatusBody & { clientName: string }) | null> {
  const row = await prisma.instruction.findUnique({ where: { id: allUseOrderId }, include: { order: true } });
  if (!row) return null;
  return {
    clientName: row.clientName,
    all_use_order_id: row.id,
    client_order_id: row.clientOrderId,
    starlab_strategy_id: row.starlabStrategyId,
    status: row.status as OrderStatusBody['status'],
    filled_quantity: row.order?.filledQuantity ?? 0,
    average_fill_price: row.order?.avgFillPrice ? Number(row.order.avgFillPrice) : null,
    commission: row.order ? Number(row.order.commission) : 0,
    timestamp: (row.order?.updatedAt ?? row.updatedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    broker_order_id: row.order?.brokerOrderId != null ? String(row.order.brokerOrderId) : null,
    reject_reason: row.rejectReason,
  };
}

export async function findInstructionByClientOrderId(prisma: PrismaClient, clientName: string, clientOrderId: string) {
  return prisma.instruction.findUnique({ where: { clientName_clientOrderId: { clientName, clientOrderId } } });
}
