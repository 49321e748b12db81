/**
 * Repository for instructions, broker orders, executions and positions. Every write is
 * idempotent (keyed by instruction id or broker execId) because Temporal retries activities.
 */
import Decimal from 'decimal.js';
import type { TradeInstruction } from '../contracts/instruction';
import type { OrderStatusBody } from '../contracts/api';
import { applyFill, type NetPosition } from '../domain/positionMath';
import { poolOf, withPoolClient, type PrismaClient } from './client';
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

/** The broker's order of an outcome and its fills so far. */
export interface BrokerOrderRecord {
  brokerOrderId: number;
  permId?: number;
  fills: FillRecord[];
}

/** The position an instruction's fills go to: its owner and contract. */
export interface PositionTarget {
  ownerKind: string;
  ownerId: string;
  contract: PositionContract;
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
 * The instruction's row and its submission audit row in ONE statement (one round trip instead
 * of the transaction's five: BEGIN, insert, webhook look-up, audit, COMMIT), for the common case
 * of a client without webhook endpoints: the statement inserts nothing when the client has one,
 * and answers `false` so the caller takes `recordInstruction`'s transaction, which also writes
 * the webhook event with the row. Idempotent like it: a second run inserts nothing (the row's
 * id or (client, client_order_id) already exists) and writes no second audit row.
 * Null when `prisma` has no pool of src/db/client.ts (then the caller takes the transaction).
 * Why: the instruction path's cost is its database round trips (bench:e2e, docs/OPERATIONS.md).
 */
export async function recordInstructionWithoutWebhooks(prisma: PrismaClient, r: InstructionRecord): Promise<boolean | null> {
  const pool = poolOf(prisma);
  if (!pool) return null;
  const values = fastRecordValues(r);
  const { rows } = await pool.query<{ recorded: boolean }>(fastRecordSql(values.map((_v, k) => `$${k + 1}`)), values);
  return rows[0]?.recorded ?? false;
}

/**
 * The same statement with its values as SQL literals, for a multi-statement simple query (the risk
 * check's locked batch, src/db/reservations.ts, which records the instruction in its own
 * transaction: one commit for both). `L` is the connection's `escapeLiteral`.
 * One row, `recorded`: false = the client has a webhook endpoint and nothing was inserted.
 */
export function fastRecordLiteralSql(L: (v: string) => string, r: InstructionRecord): string {
  return fastRecordSql(fastRecordValues(r).map((v) => (v === null ? 'NULL' : typeof v === 'number' ? String(Math.trunc(v)) : L(v))));
}

/** The fast record's 19 values, in the order of fastRecordSql's placeholders. */
function fastRecordValues(r: InstructionRecord): (string | number | null)[] {
  const i = r.instruction;
  const from = r.submittedFrom;
  const detail = from ? { client_order_id: i.client_order_id, starlab_strategy_id: i.starlab_strategy_id, ip: from.ip ?? null, request_id: from.requestId ?? null } : null;
  return [
    r.allUseOrderId,
    r.clientName,
    i.client_order_id,
    i.starlab_strategy_id,
    i.scheme_type,
    r.source,
    i.symbol,
    i.trade_action,
    i.quantity,
    i.order_type,
    i.limit_price !== undefined ? new Decimal(i.limit_price).toString() : null,
    i.expiration_date ?? null,
    i.strike_price !== undefined ? new Decimal(i.strike_price).toString() : null,
    i.time_in_force,
    i.account_tag ?? null,
    r.accountId ?? null,
    r.requestHash,
    r.workflowId,
    detail === null ? null : JSON.stringify(detail),
  ];
}

/** The fast record as one statement over 19 value expressions (placeholders or literals). */
function fastRecordSql(v: string[]): string {
  return `WITH ep AS (SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE client_name = ${v[1]}::text AND removed_at IS NULL) AS has),
     ins AS (
       INSERT INTO instructions (id, client_name, client_order_id, starlab_strategy_id, scheme_type, source, symbol, trade_action, quantity,
                                 order_type, limit_price, expiration_date, strike_price, time_in_force, account_tag, account_id,
                                 request_hash, workflow_id, status, updated_at)
       SELECT ${v[0]}::text, ${v[1]}::text, ${v[2]}::text, ${v[3]}::text, ${v[4]}::text, ${v[5]}::text, ${v[6]}::text, ${v[7]}::text, ${v[8]}::int,
              ${v[9]}::text, ${v[10]}::numeric, ${v[11]}::text, ${v[12]}::numeric, ${v[13]}::text, ${v[14]}::text, ${v[15]}::text,
              ${v[16]}::text, ${v[17]}::text, 'PENDING_SUBMIT', CURRENT_TIMESTAMP
       WHERE NOT (SELECT has FROM ep)
       ON CONFLICT DO NOTHING
       RETURNING id),
     audit AS (
       INSERT INTO audit_log (actor, action, target, outcome, detail)
       SELECT ${v[1]}::text, 'INSTRUCTION_SUBMITTED', id, 'OK', ${v[18]}::jsonb FROM ins WHERE ${v[18]}::jsonb IS NOT NULL)
     SELECT NOT has AS recorded FROM ep`;
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
  order: BrokerOrderRecord | null,
  position: PositionTarget | null,
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

/** The key of a position's row and advisory lock: owner and contract. */
const positionKeyOf = (ownerKind: string, ownerId: string, c: PositionContract) => [ownerKind, ownerId, c.symbol, c.secType, c.expiry, c.strike, c.right].join('|');

/**
 * A position after one new fill (pure): its next quantity, price and realised P&L, and whether the
 * fill opened it (from flat, or across zero), which makes this instruction its opening one.
 */
function positionAfterFill(prev: NetPosition, c: PositionContract, f: FillRecord): { next: NetPosition; opens: boolean } {
  const next = applyFill(prev, c.sign * f.shares, f.price, c.multiplier);
  const opensNew = prev.quantity === 0 || Math.sign(next.quantity) !== Math.sign(prev.quantity);
  return { next, opens: opensNew && next.quantity !== 0 };
}

/** Applies one fill to the owner's position under the position's lock (also used by src/db/books.ts). */
export async function applyFillToPosition(tx: Prisma.TransactionClient, ownerKind: string, ownerId: string, c: PositionContract, instructionId: string, f: FillRecord): Promise<void> {
  const key = positionKeyOf(ownerKind, ownerId, c);
  // Serialise fills on the same position across concurrent workflows.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
  const where = { ownerKind, ownerId, symbol: c.symbol, secType: c.secType, expiry: c.expiry, strike: new Decimal(c.strike).toString(), right: c.right };
  const row = await tx.position.findUnique({ where: { ownerKind_ownerId_symbol_secType_expiry_strike_right: where } });
  const prev: NetPosition = row ? { quantity: row.quantity, avgPrice: row.avgPrice.toString(), realizedPnlCents: Number(row.realizedPnlCents) } : { quantity: 0, avgPrice: '0', realizedPnlCents: 0 };
  const { next, opens } = positionAfterFill(prev, c, f);
  const data = {
    quantity: next.quantity,
    avgPrice: next.avgPrice,
    realizedPnlCents: BigInt(next.realizedPnlCents),
    ...(opens ? { openInstructionId: instructionId } : {}),
  };
  if (row) await tx.position.update({ where: { id: row.id }, data });
  else await tx.position.create({ data: { id: `pos_${key}`, ...where, ...data, openInstructionId: instructionId } });
}

/**
 * `recordOutcome` (and the reservation's release of a terminal order) in TWO round trips on one
 * pooled connection instead of about ten through Prisma (release; BEGIN, status update, webhook
 * look-up, order upsert, execution insert, position lock, position read, position write, COMMIT),
 * for the common case of a client without webhook endpoints:
 *   (1) BEGIN, the release, the status update (which also says whether the instruction's client
 *       has an active endpoint), the order upsert, the executions' insert (answering the exec ids
 *       it inserted: a retried step inserts none and so books no fill twice; a known execution
 *       only has its commission brought up to date), and, when the outcome carries fills, the
 *       position's advisory lock and its row (each statement of a simple query sees what
 *       committed before it ran, so the read follows the lock);
 *   (2) the position write of the newly inserted fills (applied in order by the same pure
 *       `applyFill` as the transaction) and COMMIT.
 * When the client has an endpoint the transaction is rolled back and `false` answered: the caller
 * takes `recordOutcome`, which also writes the webhook event (outbox) with the status. Throws like
 * it when the instruction has no row. Null when `prisma` has no pool of src/db/client.ts.
 * Why: the instruction path's cost is its database round trips and Prisma's client CPU
 * (bench:e2e, docs/OPERATIONS-CLUSTER.md "What serialised instructions").
 */
export async function recordOutcomeWithoutWebhooks(p: {
  prisma: PrismaClient;
  allUseOrderId: string;
  outcome: OutcomeRecord;
  order: BrokerOrderRecord | null;
  position: PositionTarget | null;
  releaseReservation: boolean;
}): Promise<boolean | null> {
  const { prisma, allUseOrderId, outcome, order, position } = p;
  return withPoolClient(prisma, async (pc) => {
    const L = (v: string | null) => (v === null ? 'NULL' : pc.escapeLiteral(v));
    const dec = (v: number | string | null | undefined) => (v === null || v === undefined ? 'NULL::numeric' : `${new Decimal(v).toFixed()}::numeric`);
    const int = (v: number | null | undefined) => (v === null || v === undefined ? 'NULL' : String(Math.trunc(v)));
    const id = L(allUseOrderId);
    // One row per exec id, the last commission the broker reported winning (as the transaction's
    // insert-then-update would leave it).
    const fills = [...new Map((order?.fills ?? []).map((f) => [f.execId, f])).values()];
    const pos = position && fills.length ? position : null;
    const c = pos?.contract;
    const key = pos && c ? positionKeyOf(pos.ownerKind, pos.ownerId, c) : '';
    const posWhere =
      pos && c
        ? `owner_kind = ${L(pos.ownerKind)} AND owner_id = ${L(pos.ownerId)} AND symbol = ${L(c.symbol)} AND sec_type = ${L(c.secType)} AND expiry = ${L(c.expiry)} AND strike = ${dec(c.strike)} AND "right" = ${L(c.right)}`
        : '';
    const statements = [
      'BEGIN',
      p.releaseReservation ? `UPDATE capital_reservations SET released_at = CURRENT_TIMESTAMP WHERE instruction_id = ${id} AND released_at IS NULL` : 'SELECT 1',
      `UPDATE instructions i SET status = ${L(outcome.status)}, reject_reason = ${L(outcome.rejectReason)}, updated_at = CURRENT_TIMESTAMP WHERE i.id = ${id}
       RETURNING EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.client_name = i.client_name AND e.removed_at IS NULL) AS hooked`,
      ...(order
        ? [
            `INSERT INTO orders (id, instruction_id, order_ref, broker_order_id, perm_id, status, filled_quantity, avg_fill_price, commission, reason, updated_at)
             VALUES (${L(`ord_${allUseOrderId}`)}, ${id}, ${id}, ${int(order.brokerOrderId)}, ${int(order.permId)}, ${L(outcome.status)}, ${int(outcome.filledQuantity)},
                     ${dec(outcome.averageFillPrice)}, ${dec(outcome.commission)}, ${L(outcome.rejectReason)}, CURRENT_TIMESTAMP)
             ON CONFLICT (instruction_id) DO UPDATE SET broker_order_id = EXCLUDED.broker_order_id, perm_id = EXCLUDED.perm_id, status = EXCLUDED.status,
               filled_quantity = EXCLUDED.filled_quantity, avg_fill_price = EXCLUDED.avg_fill_price, commission = EXCLUDED.commission, reason = EXCLUDED.reason,
               updated_at = EXCLUDED.updated_at`,
          ]
        : []),
      ...(fills.length
        ? [
            // The UPDATE sees only rows committed before this statement, never the ones its INSERT
            // adds: it touches known executions only.
            `WITH v (exec_id, shares, price, commission, executed_at) AS (VALUES ${fills
              .map((f) => `(${L(f.execId)}, ${int(f.shares)}, ${dec(f.price)}, ${dec(f.commission)}, ${L(f.time)})`)
              .join(', ')}),
             ins AS (INSERT INTO executions (exec_id, instruction_id, shares, price, commission, executed_at)
                     SELECT exec_id, ${id}, shares, price, commission, executed_at FROM v ON CONFLICT DO NOTHING RETURNING exec_id),
             upd AS (UPDATE executions e SET commission = v.commission FROM v WHERE e.exec_id = v.exec_id AND v.commission IS NOT NULL)
             SELECT exec_id FROM ins`,
          ]
        : []),
      ...(pos
        ? [`SELECT pg_advisory_xact_lock(hashtextextended(${L(key)}, 0))`, `SELECT id, quantity, avg_price::text AS avg_price, realized_pnl_cents::text AS realized FROM positions WHERE ${posWhere}`]
        : []),
    ];
    try {
      const results = (await pc.query(statements.join(';\n'))) as unknown as { rows: Record<string, unknown>[] }[];
      const updated = results[2]!.rows[0];
      if (!updated) throw new Error(`recordOutcome: no instruction ${allUseOrderId}`);
      if (updated.hooked === true) {
        await pc.query('ROLLBACK');
        return false;
      }
      const tail: string[] = [];
      if (pos && c) {
        const inserted = new Set((results[order ? 4 : 3]!.rows as { exec_id: string }[]).map((r) => r.exec_id));
        const row = results[results.length - 1]!.rows[0] as { id: string; quantity: number; avg_price: string; realized: string } | undefined;
        let cur: NetPosition = row ? { quantity: Number(row.quantity), avgPrice: row.avg_price, realizedPnlCents: Number(row.realized) } : { quantity: 0, avgPrice: '0', realizedPnlCents: 0 };
        let opened = !row;
        let applied = 0;
        for (const f of fills) {
          if (!inserted.has(f.execId)) continue;
          const { next, opens } = positionAfterFill(cur, c, f);
          cur = next;
          opened ||= opens;
          applied++;
        }
        const setOpen = opened ? `, open_instruction_id = ${id}` : '';
        if (applied && row)
          tail.push(
            `UPDATE positions SET quantity = ${int(cur.quantity)}, avg_price = ${dec(cur.avgPrice)}, realized_pnl_cents = ${BigInt(cur.realizedPnlCents).toString()}${setOpen}, updated_at = CURRENT_TIMESTAMP WHERE id = ${L(row.id)}`,
          );
        else if (applied)
          tail.push(
            `INSERT INTO positions (id, owner_kind, owner_id, symbol, sec_type, expiry, strike, "right", quantity, avg_price, realized_pnl_cents, open_instruction_id, updated_at)
             VALUES (${L(`pos_${key}`)}, ${L(pos.ownerKind)}, ${L(pos.ownerId)}, ${L(c.symbol)}, ${L(c.secType)}, ${L(c.expiry)}, ${dec(c.strike)}, ${L(c.right)},
                     ${int(cur.quantity)}, ${dec(cur.avgPrice)}, ${BigInt(cur.realizedPnlCents).toString()}, ${id}, CURRENT_TIMESTAMP)`,
          );
      }
      await pc.query([...tail, 'COMMIT'].join(';\n'));
      return true;
    } catch (err) {
      await pc.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
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
