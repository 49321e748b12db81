/**
 * The cash ledger of the account families. Every movement is a row keyed by its idempotency
 * key (domain ledger: `FORK:<family>:<week>:<to>` …); an entry moves account cash only when its
 * row is first inserted, in the same transaction, so retried or replayed steps change nothing.
 */
import type { LedgerEntry } from '../domain/ledger';
import type { PrismaClient } from './client';

export interface StoredLedgerEntry {
  key: string;
  familyId: string;
  from: string | null;
  to: string | null;
  amountCents: number;
  reason: string;
  week: string | null;
  detail: unknown;
  createdAt: string;
}

/** Posts the entries whose key is new; returns the keys actually applied. */
export async function postLedger(prisma: PrismaClient, familyId: string, entries: readonly LedgerEntry[], week?: string, detail?: Record<string, unknown>): Promise<string[]> {
  if (entries.length === 0) return [];
  return prisma.$transaction(async (tx) => {
    const applied: string[] = [];
    for (const e of entries) {
      const r = await tx.ledgerEntry.createMany({
        data: [{ key: e.key, familyId, fromAccountId: e.from, toAccountId: e.to, amountCents: BigInt(e.amountCents), reason: e.reason, week: week ?? null, detail: (detail ?? undefined) as never }],
        skipDuplicates: true,
      });
      if (r.count === 0) continue;
      // EXTERNAL / MARKET / LEAPS sleeves are not account rows: updateMany simply matches nothing.
      await tx.account.updateMany({ where: { id: e.from }, data: { cashCents: { decrement: BigInt(e.amountCents) } } });
      await tx.account.updateMany({ where: { id: e.to }, data: { cashCents: { increment: BigInt(e.amountCents) } } });
      applied.push(e.key);
    }
    return applied;
  });
}

export async function ledgerOf(prisma: PrismaClient, familyId: string): Promise<StoredLedgerEntry[]> {
  // A family's own entries plus those that reached its accounts from elsewhere (a fork founding it).
  const mine = `${familyId}:`;
  const rows = await prisma.ledgerEntry.findMany({
    where: { OR: [{ familyId }, { toAccountId: { startsWith: mine } }, { fromAccountId: { startsWith: mine } }] },
    orderBy: [{ createdAt: 'asc' }, { key: 'asc' }],
  });
  return rows.map((r) => ({
    key: r.key,
    familyId: r.familyId,
    from: r.fromAccountId,
    to: r.toAccountId,
    amountCents: Number(r.amountCents),
    reason: r.reason,
    week: r.week,
    detail: r.detail,
    createdAt: r.createdAt.toISOString(),
  }));
}

/** Net PREMIUM into the account over the given weeks (sells in, buy-backs out). */
export async function netPremium(prisma: PrismaClient, accountId: string, weeks: readonly string[]): Promise<number> {
  const rows = await prisma.ledgerEntry.findMany({ where: { reason: 'PREMIUM', week: { in: [...weeks] }, OR: [{ toAccountId: accountId }, { fromAccountId: accountId }] } });
  return rows.reduce((s, r) => s + (r.toAccountId === accountId ? 1 : -1) * Number(r.amountCents), 0);
}

export async function ledgerKeysExist(prisma: PrismaClient, keys: readonly string[]): Promise<Set<string>> {
  const rows = await prisma.ledgerEntry.findMany({ where: { key: { in: [...keys] } }, select: { key: true } });
  return new Set(rows.map((r) => r.key));
}
