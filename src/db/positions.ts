/**
 * Read side of positions and executions for the STAR-LAB API: a strategy's open positions,
 * its fills in order (for win/loss attribution) and the last fill price of a contract
 * (the fallback mark). Writes happen in instructions.ts as fills are recorded.
 */
import Decimal from 'decimal.js';
import { hotQuery, type PrismaClient } from './client';

import { isoOfYmd, type ContractKey } from '../domain/instrument';
export type { ContractKey } from '../domain/instrument';

export interface StoredPosition {
  contract: ContractKey;
  /** Signed: + long, - short. */
  quantity: number;
  avgPrice: string;
  realizedPnlCents: number;
  openInstructionId: string | null;
}

/** Owner id of a STAR-LAB strategy's positions (set when fills are recorded). */
export const strategyOwnerId = (clientName: string, strategyId: string): string => `${clientName}:${strategyId}`;

/** Every position row of the owner, closed ones included (they carry realized P&L). */
export async function positionsOf(prisma: PrismaClient, ownerId: string, ownerKind = 'STRATEGY'): Promise<StoredPosition[]> {
  const rows = await prisma.position.findMany({ where: { ownerKind, ownerId }, orderBy: [{ symbol: 'asc' }, { secType: 'asc' }, { expiry: 'asc' }, { strike: 'asc' }, { right: 'asc' }] });
  return rows.map((r) => ({
    contract: { symbol: r.symbol, secType: r.secType as 'STK' | 'OPT', expiry: r.expiry, strike: r.strike.toString(), right: r.right },
    quantity: r.quantity,
    avgPrice: r.avgPrice.toString(),
    realizedPnlCents: Number(r.realizedPnlCents),
    openInstructionId: r.openInstructionId,
  }));
}

const actionsOf = (c: Pick<ContractKey, 'secType' | 'right'>): string[] => {
  if (c.secType === 'STK') return ['BUY_STOCK', 'SELL_STOCK'];
  const kind = c.right === 'C' ? 'CALL' : 'PUT';
  return ['BUY_TO_OPEN', 'SELL_TO_OPEN', 'BUY_TO_CLOSE', 'SELL_TO_CLOSE'].map((a) => `${a}_${kind}`);
};

const isoExpiry = (yyyymmdd: string): string | null => isoOfYmd(yyyymmdd) || null;

/**
 * Price of the latest recorded execution of this contract by anyone, or null. One raw statement
 * (the risk check prices every MARKET order with it: Prisma's client CPU per query mattered, bench:e2e).
 */
export async function lastFillPrice(prisma: PrismaClient, c: ContractKey): Promise<string | null> {
  const [row] = await hotQuery<{ price: string }>(prisma, `SELECT ${lastFillSql(1)} AS price`, lastFillParams(c));
  return row?.price ? decimalText(row.price) : null;
}

/**
 * The last fill's price as a scalar subquery on four parameters from `$first` (lastFillParams): by
 * the executions' contract key (set on insert from their instruction, migration 20261206120000)
 * and its index, one probe whatever the history. The risk check reads it beside its other inputs.
 */
export const lastFillSql = (first: number): string =>
  `(SELECT price::text FROM executions WHERE contract_key = instruction_contract_key($${first}, $${first + 1}, $${first + 2}, $${first + 3}::numeric) ORDER BY created_at DESC, exec_id DESC LIMIT 1)`;
export const lastFillParams = (c: ContractKey): (string | null)[] => [c.symbol, actionsOf(c)[0]!, isoExpiry(c.expiry), c.secType === 'OPT' ? new Decimal(c.strike).toFixed() : null];
/** The same text as Prisma's Decimal gives (no trailing zeros). */
export const decimalText = (numeric: string): string => new Decimal(numeric).toString();

export interface StrategyFill {
  instructionId: string;
  tradeAction: string;
  symbol: string;
  expirationDate: string | null;
  strikePrice: string | null;
  shares: number;
  price: string;
  commission: string | null;
}

/** The strategy's executions in the order they were recorded (the order positions applied them). */
export async function strategyFills(prisma: PrismaClient, clientName: string | null, strategyId: string): Promise<StrategyFill[]> {
  const rows = await prisma.execution.findMany({
    where: { instruction: { ...(clientName !== null ? { clientName } : { source: 'STARLAB' }), starlabStrategyId: strategyId } },
    include: { instruction: { select: { tradeAction: true, symbol: true, expirationDate: true, strikePrice: true } } },
    orderBy: [{ createdAt: 'asc' }, { execId: 'asc' }],
  });
  return rows.map((r) => ({
    instructionId: r.instructionId,
    tradeAction: r.instruction.tradeAction,
    symbol: r.instruction.symbol,
    expirationDate: r.instruction.expirationDate,
    strikePrice: r.instruction.strikePrice?.toString() ?? null,
    shares: r.shares,
    price: r.price.toString(),
    commission: r.commission?.toString() ?? null,
  }));
}

/** Whether any instruction of this client exists for the strategy (404 otherwise). */
export async function strategyKnown(prisma: PrismaClient, clientName: string | null, strategyId: string): Promise<boolean> {
  return (await prisma.instruction.count({ where: { ...(clientName !== null ? { clientName } : { source: 'STARLAB' }), starlabStrategyId: strategyId }, take: 1 })) > 0;
}

/**
 * Owner ids of a strategy's positions: the one client's, or (clientName null: a reader whose
 * patterns match the strategy) every client's that traded it.
 */
export async function strategyOwnerIds(prisma: PrismaClient, clientName: string | null, strategyId: string): Promise<string[]> {
  if (clientName !== null) return [strategyOwnerId(clientName, strategyId)];
  const rows = await prisma.instruction.findMany({
    where: { starlabStrategyId: strategyId, source: 'STARLAB' },
    distinct: ['clientName'],
    select: { clientName: true },
    orderBy: { clientName: 'asc' },
  });
  return rows.map((r) => strategyOwnerId(r.clientName, strategyId));
}
