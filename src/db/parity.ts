/**
 * What the parity check reads of the live engine's records for one family and its forks:
 * protocol orders, their instructions (one per limit attempt, re-prices suffixed `.rN`) with
 * executions, week types, ASSIGNMENT ledger entries and the accounts' cash.
 */
import type { PrismaClient } from './client';

export interface ParityRecords {
  orders: { clientOrderId: string; accountId: string; symbol: string; tradeAction: string; quantity: number; strikeCents: number | null; expiry: string | null; entryDay: string }[];
  instructions: { clientOrderId: string; limitPrice: string | null; createdAt: Date; executions: { shares: number; price: string; commission: string | null; executedAt: string }[] }[];
  weekTypes: { accountId: string; symbol: string; week: string; type: string }[];
  assignments: { key: string; week: string | null }[];
}

export async function parityRecords(prisma: PrismaClient, familyId: string): Promise<ParityRecords> {
  const fam = { startsWith: familyId };
  const orders = await prisma.protocolOrder.findMany({ where: { familyId: fam }, orderBy: { createdAt: 'asc' } });
  const coid = familyId.replaceAll('/', '.');
  const instructions = await prisma.instruction.findMany({
    where: { clientOrderId: { startsWith: coid } },
    orderBy: { createdAt: 'asc' },
    include: { executions: { orderBy: { executedAt: 'asc' } } },
  });
  const weekTypes = await prisma.weekTypeRecord.findMany({ where: { accountId: { startsWith: familyId } } });
  const assignments = await prisma.ledgerEntry.findMany({ where: { familyId: fam, reason: 'ASSIGNMENT' } });
  return {
    orders: orders.map((o) => ({
      clientOrderId: o.clientOrderId,
      accountId: o.accountId,
      symbol: o.symbol,
      tradeAction: o.tradeAction,
      quantity: o.quantity,
      strikeCents: o.strikeCents === null ? null : Number(o.strikeCents),
      expiry: o.expiry,
      entryDay: o.entryDay,
    })),
    instructions: instructions.map((i) => ({
      clientOrderId: i.clientOrderId,
      limitPrice: i.limitPrice?.toString() ?? null,
      createdAt: i.createdAt,
      executions: i.executions.map((e) => ({ shares: e.shares, price: e.price.toString(), commission: e.commission?.toString() ?? null, executedAt: e.executedAt })),
    })),
    weekTypes: weekTypes.map((w) => ({ accountId: w.accountId, symbol: w.symbol, week: w.week, type: w.type })),
    assignments: assignments.map((a) => ({ key: a.key, week: a.week })),
  };
}

/** Each open account's cash (cents) of the family and its forks, by account id. */
export async function familyCash(prisma: PrismaClient, familyId: string): Promise<Record<string, number>> {
  const rows = await prisma.account.findMany({ where: { familyId: { startsWith: familyId } }, orderBy: { createdAt: 'asc' } });
  return Object.fromEntries(rows.map((a) => [a.id, Number(a.cashCents)]));
}
