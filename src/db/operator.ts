/**
 * Read-only queries for operators (ops CLI and operator API): account families and accounts
 * with their cash, and instructions with their broker order. Plain objects, money as cents.
 */
import type { PrismaClient } from './client';

export async function listAccounts(prisma: PrismaClient) {
  const fams = await prisma.accountFamily.findMany({ include: { accounts: { orderBy: { id: 'asc' } } }, orderBy: { id: 'asc' } });
  return fams.map((f) => ({
    familyId: f.id,
    name: f.name,
    parentFamilyId: f.parentFamilyId,
    status: f.status,
    accounts: f.accounts.map((a) => ({ id: a.id, kind: a.kind, status: a.status, baseCents: Number(a.baseCents), cashCents: Number(a.cashCents) })),
  }));
}

export async function showAccount(prisma: PrismaClient, id: string) {
  const a = await prisma.account.findUnique({ where: { id }, include: { family: true } });
  if (!a) return null;
  const [positions, ledger, weekTypes] = await Promise.all([
    prisma.position.findMany({ where: { ownerKind: 'ACCOUNT', ownerId: id }, orderBy: [{ symbol: 'asc' }, { expiry: 'asc' }] }),
    prisma.ledgerEntry.findMany({ where: { OR: [{ fromAccountId: id }, { toAccountId: id }] }, orderBy: { createdAt: 'desc' }, take: 20 }),
    prisma.weekTypeRecord.findMany({ where: { accountId: id }, orderBy: { week: 'desc' }, take: 20 }),
  ]);
  return {
    id: a.id,
    kind: a.kind,
    status: a.status,
    family: { id: a.family.id, name: a.family.name, parentFamilyId: a.family.parentFamilyId },
    baseCents: Number(a.baseCents),
    cashCents: Number(a.cashCents),
    positions: positions.map((p) => ({
      symbol: p.symbol,
      secType: p.secType,
      expiry: p.expiry,
      strike: p.strike.toString(),
      right: p.right,
      quantity: p.quantity,
      avgPrice: p.avgPrice.toString(),
      realizedPnlCents: Number(p.realizedPnlCents),
    })),
    recentLedger: ledger.map((e) => ({ key: e.key, reason: e.reason, from: e.fromAccountId, to: e.toAccountId, amountCents: Number(e.amountCents), week: e.week, at: e.createdAt.toISOString() })),
    recentWeekTypes: weekTypes.map((w) => ({ week: w.week, symbol: w.symbol, type: w.type })),
  };
}

export interface InstructionFilter {
  status?: string;
  strategy?: string;
  source?: string;
  limit?: number;
}

export async function listInstructions(prisma: PrismaClient, f: InstructionFilter = {}) {
  const rows = await prisma.instruction.findMany({
    where: { ...(f.status ? { status: f.status.toUpperCase() } : {}), ...(f.strategy ? { starlabStrategyId: f.strategy } : {}), ...(f.source ? { source: f.source.toUpperCase() } : {}) },
    orderBy: { createdAt: 'desc' },
    take: Math.min(Math.max(f.limit ?? 50, 1), 1000),
  });
  return rows.map(instructionSummary);
}

type InstructionRow = Awaited<ReturnType<PrismaClient['instruction']['findMany']>>[number];

/** The operator's one-line view of an instruction (list rows, the head of `show`, the command center's feed). */
export function instructionSummary(i: InstructionRow) {
  return {
    id: i.id,
    clientName: i.clientName,
    clientOrderId: i.clientOrderId,
    strategy: i.starlabStrategyId,
    scheme: i.schemeType,
    source: i.source,
    symbol: i.symbol,
    action: i.tradeAction,
    quantity: i.quantity,
    status: i.status,
    rejectReason: i.rejectReason,
    createdAt: i.createdAt.toISOString(),
  };
}

export async function showInstruction(prisma: PrismaClient, id: string) {
  const i = await prisma.instruction.findUnique({ where: { id }, include: { order: true, executions: true } });
  if (!i) return null;
  return {
    ...instructionSummary(i),
    workflowId: i.workflowId,
    orderType: i.orderType,
    limitPrice: i.limitPrice?.toString() ?? null,
    order: i.order
      ? {
          brokerOrderId: i.order.brokerOrderId,
          status: i.order.status,
          filledQuantity: i.order.filledQuantity,
          avgFillPrice: i.order.avgFillPrice?.toString() ?? null,
          commission: i.order.commission.toString(),
        }
      : null,
    executions: i.executions.map((e) => ({ execId: e.execId, shares: e.shares, price: e.price.toString(), commission: e.commission?.toString() ?? null, at: e.executedAt })),
  };
}
