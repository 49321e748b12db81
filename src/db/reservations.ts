/**
 * Risk context and capital reservations for one order, read and written inside the
 * caller's transaction (activities/risk.ts holds a per-segment advisory lock around it,
 * so two orders cannot both pass the check against the same free capital).
 */
import { hotQuery, withPoolClient, type Prisma, type PrismaClient } from './client';
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
  return rows.reduce(
    (s, r) => s + capitalHeld({ secType: r.sec_type === 'OPT' ? 'OPT' : 'STK', right: r.right, strike: r.strike, quantity: Number(r.quantity), avgPrice: r.avg_price }, multiplier),
    0,
  );
}

export async function hasReservation(tx: Tx, instructionId: string): Promise<boolean> {
  return (await tx.capitalReservation.count({ where: { instructionId } })) > 0;
}

export async function reserve(tx: Tx, instructionId: string, segment: string, amountCents: number): Promise<void> {
  await tx.capitalReservation.createMany({ data: [{ instructionId, segment, amountCents: BigInt(amountCents) }], skipDuplicates: true });
}

/** Releases the order's reservation (idempotent): called when the order reaches a terminal state. */
export async function releaseReservation(prisma: PrismaClient, instructionId: string): Promise<void> {
  // One statement, one round trip (Prisma's updateMany wraps it in BEGIN … COMMIT: three).
  await hotQuery(prisma, 'UPDATE capital_reservations SET released_at = CURRENT_TIMESTAMP WHERE instruction_id = $1 AND released_at IS NULL', [instructionId]);
}

/**
 * Operators set a segment's limits (`npm run ops -- segments set`), audited in the same
 * transaction; a STAR-LAB order's risk check reads them under the segment lock.
 */
export async function setSegmentLimit(prisma: PrismaClient, segment: string, capitalLimitCents: number, maxOpenOrdersPerStrategy: number | null = null, updatedBy = 'operator'): Promise<void> {
  const data = { capitalLimitCents: BigInt(capitalLimitCents), maxOpenOrdersPerStrategy, updatedBy };
  await prisma.$transaction([
    prisma.segmentLimit.upsert({ where: { segment }, update: data, create: { segment, ...data } }),
    prisma.auditLog.create({
      data: {
        actor: updatedBy,
        action: 'SEGMENT_LIMIT_SET',
        target: segment,
        outcome: 'OK',
        detail: { capital_limit_cents: capitalLimitCents, max_open_orders_per_strategy: maxOpenOrdersPerStrategy },
      },
    }),
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

export async function openOrdersOfStrategy(tx: Tx, clientName: string, strategyId: string, exceptInstructionId: string): Promise<number> {
  return tx.instruction.count({ where: { clientName, starlabStrategyId: strategyId, status: { notIn: [...TERMINAL_STATUSES] }, NOT: { id: exceptInstructionId } } });
}

/**
 * Contracts of SELL_TO_OPEN_CALL orders of one owner that passed the risk check and are still
 * working (unfilled part only: filled contracts are already in the positions). Counted as
 * covering, so two working calls cannot both be "covered" by the same shares.
 */
export async function workingOpeningCalls(tx: Tx, owner: { accountId?: string; clientName: string; strategyId: string }, symbol: string, exceptInstructionId: string): Promise<number> {
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

/** What the risk check reads under the segment lock (see lockedSegmentCheck). */
export interface SegmentUsage {
  /** A reservation exists for this instruction (a retried check that passed before). */
  hasReservation: boolean;
  /** reservedCents of the segment's other working orders. */
  workingCents: number;
  /** heldCents of the segment (0 when not asked for). */
  heldCents: number;
  /** Working orders of the strategy (undefined when not asked for). */
  openOrders?: number;
  /** workingOpeningCalls of the owner on the symbol (0 when not asked for). */
  workingCalls: number;
}

export interface SegmentQuery {
  segment: string;
  instructionId: string;
  multiplier: number;
  /** Count the segment's filled positions (STAR-LAB segments). */
  held: boolean;
  /** Count the strategy's working orders (STAR-LAB orders). */
  strategy?: { clientName: string; strategyId: string };
  /** Count the owner's working opening calls on this symbol (SELL_TO_OPEN_CALL orders). */
  calls?: { accountId?: string; clientName: string; strategyId: string; symbol: string };
}

const TERMINAL_SQL = TERMINAL_STATUSES.map((s) => `'${s}'`).join(', ');

/** One order's check in a batch: its reads and its (synchronous, pure) decision. */
export interface SegmentCheck<T> {
  q: SegmentQuery;
  /** Contracts of a SELL_TO_OPEN_CALL order (q.calls set): counted as working calls once it reserves. */
  callQuantity?: number;
  decide: (u: SegmentUsage) => { reserveCents?: number; result: T };
  /**
   * The order's own instruction row, written in the batch's transaction before the lock: one
   * statement whose one row says `recorded` (src/db/instructions.ts fastRecordLiteralSql). Not
   * recorded (its client has a webhook endpoint): the check answers `refused` without deciding and
   * reserves nothing; the caller records the instruction its own way and checks again.
   * Why: the row and the reservation then commit together, one WAL flush instead of two
   * (docs/OPERATIONS-CLUSTER.md), and no reservation is ever visible without its instruction row.
   */
  record?: { sql: (L: (v: string) => string) => string; refused: T };
}

/** The SELECT of everything one order's capital rules read under the segment lock. */
function usageSql(L: (v: string) => string, q: SegmentQuery): string {
  const id = L(q.instructionId);
  const seg = L(q.segment);
  const m = Math.trunc(q.multiplier);
  const owner = q.calls?.accountId
    ? `i.account_id = ${L(q.calls.accountId)}`
    : q.calls
      ? `i.client_name = ${L(q.calls.clientName)} AND i.starlab_strategy_id = ${L(q.calls.strategyId)} AND i.account_id IS NULL`
      : 'false';
  return `SELECT
  EXISTS (SELECT 1 FROM capital_reservations WHERE instruction_id = ${id}) AS has_reservation,
  (SELECT sum(ceil(cr.amount_cents * (i.quantity - least(i.quantity, coalesce(o.filled_quantity, 0)))::numeric / i.quantity))::text
     FROM capital_reservations cr JOIN instructions i ON i.id = cr.instruction_id LEFT JOIN orders o ON o.instruction_id = cr.instruction_id
    WHERE cr.segment = ${seg} AND cr.released_at IS NULL AND cr.instruction_id <> ${id}) AS working,
  ${
    q.held
      ? `(SELECT sum(ceil(CASE
             WHEN p.quantity > 0 THEN p.quantity * p.avg_price * (CASE WHEN p.sec_type = 'OPT' THEN ${m} ELSE 1 END) * 100
             WHEN p.sec_type = 'OPT' AND p."right" = 'P' THEN -p.quantity * p.strike * ${m} * 100
             ELSE 0 END))::text
     FROM positions p JOIN instructions i ON i.id = p.open_instruction_id
    WHERE p.owner_kind = 'STRATEGY' AND p.quantity <> 0 AND i.account_id IS NULL AND coalesce(i.account_tag, 'UNTAGGED') = ${seg})`
      : 'NULL'
  } AS held,
  ${q.strategy ? `(SELECT count(*)::int FROM instructions WHERE client_name = ${L(q.strategy.clientName)} AND starlab_strategy_id = ${L(q.strategy.strategyId)} AND status NOT IN (${TERMINAL_SQL}) AND id <> ${id})` : 'NULL'} AS open_orders,
  ${
    q.calls
      ? `(SELECT coalesce(sum(i.quantity - coalesce(o.filled_quantity, 0)), 0)::int
     FROM instructions i JOIN capital_reservations cr ON cr.instruction_id = i.id AND cr.released_at IS NULL LEFT JOIN orders o ON o.instruction_id = i.id
    WHERE i.symbol = ${L(q.calls.symbol)} AND i.trade_action = 'SELL_TO_OPEN_CALL' AND i.status NOT IN (${TERMINAL_SQL}) AND i.id <> ${id} AND ${owner})`
      : '0'
  } AS working_calls`;
}

const callsKey = (q: SegmentQuery) =>
  q.calls ? JSON.stringify([q.calls.accountId ?? null, q.calls.accountId ? null : q.calls.clientName, q.calls.accountId ? null : q.calls.strategyId, q.calls.symbol]) : '';

/**
 * The risk check's critical section for a batch of orders of one segment, in two round trips
 * whatever the batch size: (1) BEGIN, the segment's advisory lock and one SELECT per order of
 * everything its capital rules need (each statement of a simple query sees what committed before
 * it ran, so the reads follow the lock); then each order's `decide` in turn, every one seeing the
 * reservations of those decided before it in the batch as if they were already written (capital
 * and working calls), exactly as one-by-one checks would; (2) the reservations and COMMIT.
 * The orders' own instruction rows (SegmentCheck.record) go first in (1), before the lock.
 * One by one this lock held ~9 Prisma round trips per order and serialised every instruction of a
 * segment (bench:e2e, docs/OPERATIONS-CLUSTER.md). Returns each order's result, in order.
 * Falls back to Prisma interactive transactions for a client without a pool of this module.
 */
export async function lockedSegmentChecks<T>(prisma: PrismaClient, segment: string, checks: SegmentCheck<T>[]): Promise<T[]> {
  /** Decides in order; a check whose record was refused (false) answers `refused` and reserves nothing. */
  const decideAll = (usages: SegmentUsage[], recorded: (boolean | undefined)[]) => {
    let extraWorking = 0;
    const extraCalls = new Map<string, number>();
    return checks.map((c, k): { reserveCents?: number; result: T } => {
      if (recorded[k] === false) return { result: c.record!.refused };
      const u = usages[k]!;
      const key = callsKey(c.q);
      const d = c.decide({ ...u, workingCents: u.workingCents + extraWorking, workingCalls: u.workingCalls + (key ? (extraCalls.get(key) ?? 0) : 0) });
      if (d.reserveCents !== undefined) {
        extraWorking += d.reserveCents;
        if (key && c.callQuantity) extraCalls.set(key, (extraCalls.get(key) ?? 0) + c.callQuantity);
      }
      return d;
    });
  };
  const out = await withPoolClient(prisma, async (pc) => {
    const L = (v: string) => pc.escapeLiteral(v);
    const records = checks.flatMap((c, k) => (c.record ? [{ k, sql: c.record.sql(L) }] : []));
    const text = [`BEGIN`, ...records.map((r) => r.sql), `SELECT pg_advisory_xact_lock(hashtextextended(${L(`segment:${segment}`)}, 0))`, ...checks.map((c) => usageSql(L, c.q))].join(';\n');
    try {
      const results = (await pc.query(text)) as unknown as { rows: Record<string, unknown>[] }[];
      const recorded: (boolean | undefined)[] = checks.map(() => undefined);
      records.forEach((r, j) => (recorded[r.k] = results[1 + j]!.rows[0]?.recorded === true));
      const first = 2 + records.length;
      const usages = checks.map((_c, k): SegmentUsage => {
        const r = results[first + k]!.rows[0]!;
        return {
          hasReservation: r.has_reservation === true,
          workingCents: Number(r.working ?? 0),
          heldCents: Number(r.held ?? 0),
          ...(r.open_orders !== null && r.open_orders !== undefined ? { openOrders: Number(r.open_orders) } : {}),
          workingCalls: Number(r.working_calls ?? 0),
        };
      });
      const decided = decideAll(usages, recorded);
      const inserts = decided.flatMap((d, k) =>
        d.reserveCents !== undefined
          ? [
              `INSERT INTO capital_reservations (instruction_id, segment, amount_cents) VALUES (${L(checks[k]!.q.instructionId)}, ${L(segment)}, ${BigInt(Math.ceil(d.reserveCents)).toString()}) ON CONFLICT DO NOTHING`,
            ]
          : [],
      );
      await pc.query([...inserts, 'COMMIT'].join(';\n'));
      return { v: decided.map((d) => d.result) };
    } catch (err) {
      await pc.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
  if (out) return out.v;
  return prisma.$transaction(async (tx) => {
    await lockSegment(tx, segment);
    const usages: SegmentUsage[] = [];
    for (const { q } of checks) {
      const [has, working, held, openOrders, workingCalls] = await Promise.all([
        hasReservation(tx, q.instructionId),
        reservedCents(tx, q.segment, q.instructionId),
        q.held ? heldCents(tx, q.segment, q.multiplier) : Promise.resolve(0),
        q.strategy ? openOrdersOfStrategy(tx, q.strategy.clientName, q.strategy.strategyId, q.instructionId) : Promise.resolve(undefined),
        q.calls ? workingOpeningCalls(tx, q.calls, q.calls.symbol, q.instructionId) : Promise.resolve(0),
      ]);
      usages.push({ hasReservation: has, workingCents: working, heldCents: held, ...(openOrders !== undefined ? { openOrders } : {}), workingCalls });
    }
    // Prisma's way records no instruction: every check with a record answers refused (the caller records it).
    const decided = decideAll(
      usages,
      checks.map((c) => (c.record ? false : undefined)),
    );
    for (const [k, d] of decided.entries()) if (d.reserveCents !== undefined) await reserve(tx, checks[k]!.q.instructionId, segment, d.reserveCents);
    return decided.map((d) => d.result);
  });
}
