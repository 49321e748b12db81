/**
 * Week-type history (PROTOCOL §3): one row per (account, symbol, week). The first
 * classification of a week wins, so a re-run of the cycle cannot rewrite history.
 */
import { previousWeek } from '../domain/calendar';
import { previousWeekTypesOf } from '../domain/weekTypes';
import type { PrismaClient } from './client';

export interface WeekTypeRow {
  accountId: string;
  symbol: string;
  week: string;
  type: string;
  detail?: Record<string, unknown>;
}

export async function recordWeekTypes(prisma: PrismaClient, rows: readonly WeekTypeRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const r = await prisma.weekTypeRecord.createMany({
    data: rows.map((w) => ({ accountId: w.accountId, symbol: w.symbol, week: w.week, type: w.type, detail: (w.detail ?? undefined) as never })),
    skipDuplicates: true,
  });
  return r.count;
}

export async function weekTypesOf(prisma: PrismaClient, accountIds: readonly string[]): Promise<WeekTypeRow[]> {
  const rows = await prisma.weekTypeRecord.findMany({ where: { accountId: { in: [...accountIds] } }, orderBy: [{ week: 'asc' }, { accountId: 'asc' }, { symbol: 'asc' }] });
  return rows.map((r) => ({ accountId: r.accountId, symbol: r.symbol, week: r.week, type: r.type, detail: (r.detail ?? undefined) as Record<string, unknown> | undefined }));
}

/**
 * The type of each symbol in the week just before `week` for the account. Only that week: a
 * P-DD or P-AOL blocks the following week (PROTOCOL §3), not every week until the symbol trades again.
 */
export async function previousWeekTypes(prisma: PrismaClient, accountId: string, week: string): Promise<Record<string, string>> {
  const rows = await prisma.weekTypeRecord.findMany({ where: { accountId, week: previousWeek(week) } });
  return previousWeekTypesOf(rows, week);
}
