/**
 * Reads what a report needs from the database into plain rows (computeReport's input), and
 * stores and fetches finished reports (table reports, one row per kind and period).
 * Ledger and audit timestamps become market dates in America/New_York. (Moved from
 * src/reports/load.ts, which re-exports it: Prisma lives in src/db only.)
 */
import type { Prisma, PrismaClient } from './client';
import { weekOf } from '../domain/calendar';
import { nyBounds } from '../contracts/compliance';
import { computeReport, daysOf, type Report, type ReportInput, type ReportKind } from '../reports/compute';
import { actionSpec, asAction, multiplierOf } from '../domain/instrument';
import type { Marker } from '../marks';

const NY = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' });
/** The market (New York) calendar date of an instant, YYYY-MM-DD. */
export const nyDate = (d: Date): string => NY.format(d);

/**
 * `marker` values open positions at market marks (src/marks.ts: the broker's quote, else a
 * model price, flagged); without one, positions are valued at cost (markSource null).
 */
export async function loadReportInput(prisma: PrismaClient, kind: ReportKind, from: string, to: string, now = new Date(), marker?: Marker): Promise<ReportInput> {
  // The instants whose New York date is in [from, to], exactly (the compliance report's bounds). Were
  // a fixed −05:00 start and −04:00 end: narrower than the day, so in winter an event after 23:00 New
  // York time fell out of its day's report, and in summer one before 01:00.
  const within = nyBounds(from, to);
  const shadowIds = (await prisma.accountFamily.findMany({ where: { shadow: true }, select: { id: true } })).map((f) => f.id);
  const shadowAccounts = (await prisma.account.findMany({ where: { familyId: { in: shadowIds } }, select: { id: true } })).map((a) => a.id);
  const [families, accounts, ledger, weekTypes, audits, positions, executions, instructions] = await Promise.all([
    // The real books only: an A/B experiment's shadow families (simulator only) are left out.
    prisma.accountFamily.findMany({ where: { shadow: false }, orderBy: { id: 'asc' } }),
    prisma.account.findMany({ where: { family: { shadow: false } }, orderBy: { id: 'asc' } }),
    prisma.ledgerEntry.findMany({ where: { createdAt: { lt: within.lt }, familyId: { notIn: shadowIds } }, orderBy: { createdAt: 'asc' } }),
    prisma.weekTypeRecord.findMany({ where: { accountId: { notIn: shadowAccounts } }, orderBy: [{ week: 'asc' }, { accountId: 'asc' }, { symbol: 'asc' }] }),
    prisma.auditLog.findMany({ where: { action: { startsWith: 'PROTOCOL_' }, createdAt: within, OR: [{ target: null }, { target: { notIn: shadowAccounts } }] }, orderBy: { createdAt: 'asc' } }),
    prisma.position.findMany({ where: { NOT: { ownerKind: 'ACCOUNT', ownerId: { in: shadowAccounts } } } }),
    prisma.execution.findMany({ where: { createdAt: within }, include: { instruction: true } }),
    prisma.instruction.findMany({ where: { source: 'STARLAB', createdAt: within }, select: { starlabStrategyId: true, clientName: true, schemeType: true, status: true } }),
  ]);
  // Week ids are ISO weeks ('2026-W48'); keep those whose Monday..Sunday meets the period.
  const weeks = new Set(daysOf(from, to).map(weekOf));
  return {
    kind,
    from,
    to,
    generatedAt: now.toISOString(),
    families: families.map((f) => ({ id: f.id, name: f.name, parentFamilyId: f.parentFamilyId, status: f.status })),
    accounts: accounts.map((a) => ({ id: a.id, familyId: a.familyId, kind: a.kind, status: a.status })),
    ledger: ledger
      .map((e) => ({ key: e.key, familyId: e.familyId, fromAccountId: e.fromAccountId, toAccountId: e.toAccountId, amountCents: Number(e.amountCents), reason: e.reason, date: nyDate(e.createdAt) }))
      .filter((e) => e.date <= to),
    weekTypes: weekTypes.filter((w) => weeks.has(w.week)).map((w) => ({ accountId: w.accountId, symbol: w.symbol, week: w.week, type: w.type })),
    events: audits.map((a) => ({ at: a.createdAt.toISOString(), accountId: a.target, action: a.action, detail: a.detail })),
    positions: await Promise.all(
      positions.map(async (p) => {
        const contract = { symbol: p.symbol, secType: p.secType, expiry: p.expiry, strike: p.strike.toString(), right: p.right };
        const m = marker && p.quantity !== 0 ? await marker(contract).catch(() => null) : null;
        return {
          ownerKind: p.ownerKind,
          ownerId: p.ownerId,
          ...contract,
          quantity: p.quantity,
          avgPrice: p.avgPrice.toString(),
          multiplier: multiplierOf(p.secType as 'STK' | 'OPT'),
          mark: m?.price ?? null,
          markSource: m?.source ?? null,
          realizedPnlCents: Number(p.realizedPnlCents),
        };
      }),
    ),
    fills: executions
      .filter((e) => e.instruction.source === 'STARLAB')
      .map((e) => ({
        strategy: e.instruction.starlabStrategyId,
        clientName: e.instruction.clientName,
        scheme: e.instruction.schemeType,
        secType: actionSpec(asAction(e.instruction.tradeAction)).secType,
        side: actionSpec(asAction(e.instruction.tradeAction)).side,
        shares: e.shares,
        price: e.price.toString(),
        multiplier: multiplierOf(actionSpec(asAction(e.instruction.tradeAction)).secType),
        commission: e.commission?.toString() ?? null,
      })),
    instructions: instructions.map((i) => ({ strategy: i.starlabStrategyId, clientName: i.clientName, scheme: i.schemeType, status: i.status })),
  };
}

export const reportId = (kind: ReportKind, from: string, to: string): string => `${kind}:${from}:${to}`;

/** Computes and stores (idempotently: the same period overwrites its row) one report. */
export async function produceReport(prisma: PrismaClient, kind: ReportKind, from: string, to: string, now = new Date(), marker?: Marker): Promise<Report> {
  const report = computeReport(await loadReportInput(prisma, kind, from, to, now, marker));
  const body = report as unknown as Prisma.InputJsonValue;
  await prisma.report.upsert({
    where: { kind_periodStart_periodEnd: { kind, periodStart: from, periodEnd: to } },
    create: { id: reportId(kind, from, to), kind, periodStart: from, periodEnd: to, body },
    update: { body },
  });
  return report;
}

export async function findReport(prisma: PrismaClient, kind: ReportKind, from: string, to: string): Promise<Report | null> {
  const row = await prisma.report.findUnique({ where: { kind_periodStart_periodEnd: { kind, periodStart: from, periodEnd: to } } });
  return row ? (row.body as unknown as Report) : null;
}

export async function listReports(prisma: PrismaClient, limit = 50): Promise<{ id: string; kind: string; from: string; to: string; createdAt: string }[]> {
  const rows = await prisma.report.findMany({ orderBy: { createdAt: 'desc' }, take: limit, select: { id: true, kind: true, periodStart: true, periodEnd: true, createdAt: true } });
  return rows.map((r) => ({ id: r.id, kind: r.kind, from: r.periodStart, to: r.periodEnd, createdAt: r.createdAt.toISOString() }));
}
