/**
 * Everything the risk check of one order reads, loaded by one function inside the caller's
 * transaction, and the store the risk activity runs on: a transaction holding the order's
 * segment lock (pg advisory lock), the reservation that records a passing verdict, and the
 * contract's last fill (the price of a MARKET order). The decision itself is the pure
 * `decideRisk` of src/domain/risk.ts; activities/risk.ts wires the two together.
 */
import type { Prisma, PrismaClient } from './client';
import { controlScopesOf } from './control';
import { lastFillPrice, type ContractKey } from './positions';
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
}

/** The order's inputs, read under its segment lock (the caller's transaction). */
export async function loadRiskInputs(tx: Tx, q: RiskQuery): Promise<RiskInputs> {
  const internal = q.accountId !== undefined;
  const [controls, segmentLimit, workingCents, heldCents, symbolPositions, openOrders, workingCalls, account] = await Promise.all([
    db.controlsFor(tx, controlScopesOf(q.accountId, q.accountTag)),
    db.segmentLimit(tx, q.segment),
    db.reservedCents(tx, q.segment, q.orderId),
    // A STAR-LAB segment's limit covers what its filled positions hold, not only working
    // orders; ALL-USE's accounts are sized by their own ledgers.
    internal ? Promise.resolve(0) : db.heldCents(tx, q.segment, q.multiplier),
    db.symbolPositions(tx, q.symbol),
    internal ? Promise.resolve(undefined) : db.openOrdersOfStrategy(tx, q.clientName, q.strategyId, q.orderId),
    q.action === 'SELL_TO_OPEN_CALL'
      ? db.workingOpeningCalls(tx, { accountId: q.accountId, clientName: q.clientName, strategyId: q.strategyId }, q.symbol, q.orderId)
      : Promise.resolve(0),
    internal ? accountInputs(tx, q.accountId!) : Promise.resolve(undefined),
  ]);
  return {
    controls,
    segmentLimit,
    workingCents,
    heldCents,
    symbolPositions: symbolPositions.map((p) => ({ ...p, symbol: q.symbol })),
    ...(openOrders !== undefined ? { openOrdersForStrategy: openOrders } : {}),
    workingCalls,
    ...(account ? { account } : {}),
  };
}

/** An ALL-USE account's ledger cash and open positions (no row: no cash). */
async function accountInputs(tx: Tx, accountId: string): Promise<{ cashCents: number; positions: RiskPosition[] }> {
  const [row, positions] = await Promise.all([
    tx.account.findUnique({ where: { id: accountId }, select: { cashCents: true } }),
    tx.position.findMany({ where: { ownerKind: 'ACCOUNT', ownerId: accountId, NOT: { quantity: 0 } } }),
  ]);
  return {
    cashCents: Number(row?.cashCents ?? 0),
    positions: positions.map((r) => ({
      ownerKind: r.ownerKind, ownerId: r.ownerId, symbol: r.symbol, secType: r.secType as 'STK' | 'OPT', right: r.right, expiry: r.expiry,
      strike: r.strike.toString(), quantity: r.quantity, avgPrice: r.avgPrice.toString(),
    })),
  };
}

/** What the risk activity does inside its transaction. */
export interface RiskTx {
  /** A retried activity after a passing check: the reservation is the verdict. */
  hasReservation(orderId: string): Promise<boolean>;
  load(q: RiskQuery): Promise<RiskInputs>;
  reserve(orderId: string, segment: string, cents: number): Promise<void>;
}

/** The risk activity's port to the database (a fake in unit tests). */
export interface RiskStore {
  lastFillPrice(c: ContractKey): Promise<string | null>;
  /** Runs `fn` in one transaction holding the segment's lock: two orders cannot both pass against the same free capital. */
  underSegmentLock<T>(segment: string, fn: (tx: RiskTx) => Promise<T>): Promise<T>;
}

export function prismaRiskStore(prisma: PrismaClient): RiskStore {
  return {
    lastFillPrice: (c) => lastFillPrice(prisma, c),
    underSegmentLock: (segment, fn) =>
      prisma.$transaction(async (tx) => {
        await db.lockSegment(tx, segment);
        return fn({
          hasReservation: (id) => db.hasReservation(tx, id),
          load: (q) => loadRiskInputs(tx, q),
          reserve: (id, seg, cents) => db.reserve(tx, id, seg, cents),
        });
      }),
  };
}
