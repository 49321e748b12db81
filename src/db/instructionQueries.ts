/**
 * Small reads of instructions the activities need (moved out of activities/: Prisma only in
 * src/db). Each returns plain values.
 */
import type { PrismaClient } from './client';

/** The instruction's status, or null when there is no such instruction. */
export async function instructionStatus(prisma: PrismaClient, id: string): Promise<string | null> {
  const row = await prisma.instruction.findUnique({ where: { id }, select: { status: true } });
  return row?.status ?? null;
}

export async function instructionExists(prisma: PrismaClient, id: string): Promise<boolean> {
  return (await prisma.instruction.findUnique({ where: { id }, select: { id: true } })) !== null;
}

/**
 * Status and filled quantity of an instruction ('UNKNOWN', 0 when there is none), and when its
 * order reached the broker (the order row is written with the broker's acknowledgement; null
 * before).
 */
export async function instructionProgress(prisma: PrismaClient, id: string): Promise<{ status: string; filledQuantity: number; arrivedAt: Date | null }> {
  const r = await prisma.instruction.findUnique({ where: { id }, include: { order: true } });
  return { status: r?.status ?? 'UNKNOWN', filledQuantity: r?.order?.filledQuantity ?? 0, arrivedAt: r?.order?.createdAt ?? null };
}

/** A client's instructions whose client_order_id starts with one of `prefixes`, with their order. */
export async function instructionsByCoidPrefix(prisma: PrismaClient, clientName: string, prefixes: readonly string[]) {
  return prisma.instruction.findMany({
    where: { clientName, OR: prefixes.map((c) => ({ clientOrderId: { startsWith: c } })) },
    include: { order: true },
  });
}

/** A client's instructions for the given ALL-USE accounts, with their order and executions. */
export async function instructionsOfAccounts(prisma: PrismaClient, clientName: string, accountIds: readonly string[]) {
  return prisma.instruction.findMany({
    where: { clientName, accountId: { in: [...accountIds] } },
    include: { order: true, executions: true },
  });
}
