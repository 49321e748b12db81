/**
 * GET /order_status's read of an instruction's recorded state: one statement (instruction and
 * its broker order joined) on the API's own read pool (client.ts, `hotRead`), so the answer never
 * queues behind the worker's transactions for a connection, and none of Prisma's per-query CPU.
 * Same fields as `orderStatusFromDb` (src/db/instructions.ts), which the activities keep using.
 */
import type { OrderStatusBody } from '../contracts/api';
import { hotRead, type PrismaClient } from './client';

interface Row {
  clientName: string;
  id: string;
  clientOrderId: string;
  strategy: string;
  status: string;
  rejectReason: string | null;
  filledQuantity: number | null;
  avgFillPrice: string | null;
  commission: string | null;
  brokerOrderId: number | null;
  timestamp: string;
}

export async function recordedOrderStatus(prisma: PrismaClient, allUseOrderId: string): Promise<(OrderStatusBody & { clientName: string }) | null> {
  // The timestamp is formatted by PostgreSQL: the columns are UTC without a zone, and pg would read them as local time.
  const [r] = await hotRead<Row>(
    prisma,
    `SELECT i.client_name AS "clientName", i.id, i.client_order_id AS "clientOrderId", i.starlab_strategy_id AS strategy, i.status,
            i.reject_reason AS "rejectReason", o.filled_quantity AS "filledQuantity", o.avg_fill_price::text AS "avgFillPrice",
            o.commission::text AS commission, o.broker_order_id AS "brokerOrderId",
            to_char(coalesce(o.updated_at, i.updated_at), 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS timestamp
       FROM instructions i LEFT JOIN orders o ON o.instruction_id = i.id
      WHERE i.id = $1`,
    [allUseOrderId],
  );
  if (!r) return null;
  return {
    clientName: r.clientName,
    all_use_order_id: r.id,
    client_order_id: r.clientOrderId,
    starlab_strategy_id: r.strategy,
    status: r.status as OrderStatusBody['status'],
    filled_quantity: r.filledQuantity ?? 0,
    average_fill_price: r.avgFillPrice !== null ? Number(r.avgFillPrice) : null,
    commission: r.commission !== null ? Number(r.commission) : 0,
    timestamp: r.timestamp,
    broker_order_id: r.brokerOrderId !== null ? String(r.brokerOrderId) : null,
    reject_reason: r.rejectReason,
  };
}
