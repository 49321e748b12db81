/**
 * Everything the risk check of one order reads, loaded by one function inside the caller's
 * transaction, and the store the risk activity runs on: a transaction holding the order's
 * segment lock (pg advisory lock), the reservation that records a passing verdict, and the
 * contract's last fill (the price of a MARKET order). The decision itself is the pure
 * `decideRisk` of src/domain/risk.ts; activities/risk.ts wires the two together.
 */
import { hotQuery, type Prisma, type PrismaClient } from './client';
import { controlScopesOf } from './control';
import { fastRecordLiteralSql, type InstructionRecord } from './instructions';
import { decimalText, lastFillParams, lastFillSql, type ContractKey } from './positions';
import * as db from './reservations';
import type { RiskInputs, RiskPosition } from '../domain/risk';
import type { TradeAction } from '../contracts/instruction';

type Tx = Prisma.TransactionClient;

export interface RiskQuery {
  orderId: string;
  segment: string;
  symbol: string;
  action: TradeAction;
  /** ALL-USE's own account of the order; absent for STAR-LAB */
  accountId?: string;
  accountTag?: string;
  clientName: string;
  strategyId: string;
  multiplier: number;
  /** the order's contracts (a SELL_TO_OPEN_CALL's count as working calls of later orders of its batch) */
  quantity?: number;
}

/** What the segment lock guards: the segment's reservations and holdings, the strategy's working orders and calls. */
export type LockedRiskInputs = Pick<RiskInputs, 'workingCents' | 'heldCents' | 'openOrdersForStrategy' | 'workingCalls'>;
/** What it does not guard, read before it: the switches (read again before sending), the limit, positions, the account. */
export type UnlockedRiskInputs = Omit<RiskInputs, keyof LockedRiskInputs>;
/** The unlocked inputs and, when asked for, the contract's last fill price (a MARKET order's price). */
export interface UnlockedRead {
  inputs: UnlockedRiskInputs;
  lastFillPrice: string | null;
}

/**
 * The order's inputs the segment lock does not guard, read before it: the switches are looked at
 * again right before sending (placeOrder), the limit is operator configuration, and positions and
 * an account's cash change as fills are recorded (under each position's own lock, never this one).
 * The switches, the limit and the symbol's positions are ONE statement on the pool (was three
 * Prisma queries: their client CPU was most of the risk check's, bench:e2e); an ALL-USE account's
 * ledger is read beside it.
 */
export async function loadUnlockedRiskInputs(prisma: PrismaClient, q: RiskQuery, lastFillOf?: ContractKey): Promise<UnlockedRead> {
  type Row = {
    controls: { scope: string; halted: boolean; reduceOnly: boolean }[];
    lim: { capitalLimitCents: string; maxOpenOrdersPerStrategy: number | null } | null;
    positions: { ownerKind: string; ownerId: string; secType: string; right: string; expiry: string; strike: string; quantity: number; avgPrice: string }[];
    last_fill: string | null;
  };
  const [[row], account] = await Promise.all([
    hotQuery<Row>(
      prisma,
      `SELECT
         (SELECT coalesce(json_agg(json_build_object('scope', scope, 'halted', halted, 'reduceOnly', reduce_only)), '[]') FROM control_state WHERE scope = ANY($1::text[])) AS controls,
         (SELECT json_build_object('capitalLimitCents', capital_limit_cents::text, 'maxOpenOrdersPerStrategy', max_open_orders_per_strategy) FROM segment_limits WHERE segment = $2) AS lim,
         (SELECT coalesce(json_agg(json_build_object('ownerKind', owner_kind, 'ownerId', owner_id, 'secType', sec_type, 'right', "right", 'expiry', expiry,
                                                     'strike', strike::text, 'quantity', quantity, 'avgPrice', avg_price::text)), '[]')
            FROM positions WHERE symbol = $3 AND quantity <> 0) AS positions,
         ${lastFillOf ? lastFillSql(4) : 'NULL::text'} AS last_fill`,
      [controlScopesOf(q.accountId, q.accountTag), q.segment, q.symbol, ...(lastFillOf ? lastFillParams(lastFillOf) : [])],
      lastFillOf ? 'risk-unlocked-last-fill' : 'risk-unlocked',
    ),
    q.accountId !== undefined ? accountInputs(prisma, q.accountId) : Promise.resolve(undefined),
  ]);
  return {
    inputs: {
      controls: row!.controls,
      segmentLimit: row!.lim ? { capitalLimitCents: Number(row!.lim.capitalLimitCents), maxOpenOrdersPerStrategy: row!.lim.maxOpenOrdersPerStrategy } : null,
      symbolPositions: row!.positions.map((p) => ({
        ...p,
        symbol: q.symbol,
        secType: p.secType as 'STK' | 'OPT',
        // The same text as Prisma's Decimal gives (no trailing zeros).
        strike: decimalText(p.strike),
        avgPrice: decimalText(p.avgPrice),
      })),
      ...(account ? { account } : {}),
    },
    lastFillPrice: row!.last_fill === null ? null : decimalText(row!.last_fill),
  };
}

/** The order's reads under its segment lock, as one query of src/db/reservations.ts lockedSegmentChecks. */
export function segmentQueryOf(q: RiskQuery): db.SegmentQuery {
  const internal = q.accountId !== undefined;
  return {
    segment: q.segment,
    instructionId: q.orderId,
    multiplier: q.multiplier,
    // A STAR-LAB segment's limit covers what its filled positions hold, not only working
    // orders; ALL-USE's accounts are sized by their own ledgers.
    held: !internal,
    ...(internal ? {} : { strategy: { clientName: q.clientName, strategyId: q.strategyId } }),
    ...(q.action === 'SELL_TO_OPEN_CALL' ? { calls: { ...(internal ? { accountId: q.accountId } : {}), clientName: q.clientName, strategyId: q.strategyId, symbol: q.symbol } } : {}),
  };
}

/** An ALL-USE account's ledger cash and open positions (no row: no cash). */
async function accountInputs(tx: PrismaClient | Tx, accountId: string): Promise<{ cashCents: number; positions: RiskPosition[] }> {
  const [row, positions] = await Promise.all([
    tx.account.findUnique({ where: { id: accountId }, select: { cashCents: true } }),
    tx.position.findMany({ where: { ownerKind: 'ACCOUNT', ownerId: accountId, NOT: { quantity: 0 } } }),
  ]);
  return {
    cashCents: Number(row?.cashCents ?? 0),
    positions: positions.map((r) => ({
      ownerKind: r.ownerKind,
      ownerId: r.ownerId,
      symbol: r.symbol,
      secType: r.secType as 'STK' | 'OPT',
      right: r.right,
      expiry: r.expiry,
      strike: r.strike.toString(),
      quantity: r.quantity,
      avgPrice: r.avgPrice.toString(),
    })),
  };
}

/** One order's decision under the lock: `reserveCents` set = it passed and reserves that. */
export type LockedDecision<T> = (locked: LockedRiskInputs & { hasReservation: boolean }) => { reserveCents?: number; result: T };

/** The risk activity's port to the database (a fake in unit tests). */
export interface RiskStore {
  /** The inputs the lock does not guard, with `lastFillOf`'s last fill price in the same statement. */
  loadUnlocked(q: RiskQuery, lastFillOf?: ContractKey): Promise<UnlockedRead>;
  /**
   * Reads what the segment lock guards and records a passing verdict's reservation, holding the
   * segment's lock: two orders cannot both pass against the same free capital. `decide` is pure
   * and synchronous (a batch decides in order under one lock).
   * With `record`, the order's instruction row is written in the same transaction (one commit for
   * both); when the client has a webhook endpoint nothing is written or decided and the answer is
   * `refused` (the caller then records the instruction with its event, and checks again).
   */
  underSegmentLock<T>(q: RiskQuery, decide: LockedDecision<T>, record?: { instruction: InstructionRecord; refused: T }): Promise<T>;
}

interface SegmentJob {
  check: db.SegmentCheck<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}
const MAX_BATCH = 100;

/**
 * Group commit of the segment lock: the orders of one segment that wait while a batch holds the
 * lock form the next batch (up to 100), checked in order under one lock in two round trips
 * (src/db/reservations.ts lockedSegmentChecks). No waiter parks a pooled connection on the
 * advisory lock, and the lock is held per batch, not per order: the cause of instructions being
 * serialised (bench:e2e, docs/OPERATIONS-CLUSTER.md). The advisory lock still orders the batches
 * of different processes.
 */
function segmentBatcher(prisma: PrismaClient) {
  const segments = new Map<string, SegmentJob[]>();
  return function check<T>(segment: string, c: db.SegmentCheck<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job: SegmentJob = { check: c, resolve: (v) => resolve(v as T), reject };
      const waiting = segments.get(segment);
      if (waiting) {
        waiting.push(job);
        return;
      }
      const jobs: SegmentJob[] = [job];
      segments.set(segment, jobs);
      void (async () => {
        while (jobs.length) {
          const batch = jobs.splice(0, MAX_BATCH);
          try {
            const results = await db.lockedSegmentChecks(
              prisma,
              segment,
              batch.map((j) => j.check),
            );
            batch.forEach((j, k) => j.resolve(results[k]));
          } catch (err) {
            batch.forEach((j) => j.reject(err));
          }
        }
        segments.delete(segment);
      })();
    });
  };
}

const batchers = new WeakMap<PrismaClient, ReturnType<typeof segmentBatcher>>();

export function prismaRiskStore(prisma: PrismaClient): RiskStore {
  let batcher = batchers.get(prisma);
  if (!batcher) batchers.set(prisma, (batcher = segmentBatcher(prisma)));
  const check = batcher;
  return {
    loadUnlocked: (q, lastFillOf) => loadUnlockedRiskInputs(prisma, q, lastFillOf),
    underSegmentLock: (q, decide, record) =>
      check(q.segment, {
        ...(record ? { record: { sql: (L: (v: string) => string) => fastRecordLiteralSql(L, record.instruction), refused: record.refused } } : {}),
        q: segmentQueryOf(q),
        ...(q.action === 'SELL_TO_OPEN_CALL' && q.quantity !== undefined ? { callQuantity: q.quantity } : {}),
        decide: (u) =>
          decide({
            hasReservation: u.hasReservation,
            workingCents: u.workingCents,
            heldCents: u.heldCents,
            ...(u.openOrders !== undefined ? { openOrdersForStrategy: u.openOrders } : {}),
            workingCalls: u.workingCalls,
          }),
      }),
  };
}
