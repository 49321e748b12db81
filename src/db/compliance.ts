/**
 * What the risk and compliance report (src/reports/compliance.ts) reads, and where it is kept
 * (table reports, kind 'compliance', one row per period).
 */
import Decimal from 'decimal.js';
import { TERMINAL_STATUSES } from '../contracts/orderStatus';
import { DEFAULT_PROTOCOL } from '../domain';
import { nyBounds, type ComplianceInput, type ComplianceReport } from '../contracts/compliance';
import type { Prisma, PrismaClient } from './client';
import { doorRefusalsBetween } from './doorRefusals';
import { listSegments } from './reservations';

const notionalCents = (qty: number, avg: Prisma.Decimal | string, secType: string) =>
  new Decimal(avg.toString())
    .mul(Math.abs(qty))
    .mul(secType === 'OPT' ? DEFAULT_PROTOCOL.market.contractMultiplier : 1)
    .mul(100)
    .toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN)
    .toNumber();

export async function loadComplianceInput(
  prisma: PrismaClient,
  from: string,
  to: string,
  limits: { defaultSegmentCapitalCents: number; concentrationLimitCents: number },
  now = new Date(),
): Promise<ComplianceInput> {
  const within = nyBounds(from, to);
  const open = { notIn: [...TERMINAL_STATUSES] };
  const [rejected, audit, segments, accounts, positions, openBySegment, openByAccount, revoked, doorRefusals] = await Promise.all([
    prisma.instruction.findMany({ where: { status: 'REJECTED', createdAt: within }, orderBy: { createdAt: 'asc' } }),
    prisma.auditLog.findMany({ where: { createdAt: within }, orderBy: { id: 'asc' } }),
    listSegments(prisma, DEFAULT_PROTOCOL.market.contractMultiplier),
    prisma.account.findMany({ orderBy: { id: 'asc' } }),
    prisma.position.findMany({ where: { NOT: { quantity: 0 } } }),
    prisma.instruction.groupBy({ by: ['accountTag'], where: { accountId: null, status: open }, _count: { _all: true } }),
    prisma.instruction.groupBy({ by: ['accountId'], where: { NOT: { accountId: null }, status: open }, _count: { _all: true } }),
    prisma.apiClient.findMany({ where: { revokedAt: within }, select: { name: true, revokedAt: true } }),
    doorRefusalsBetween(prisma, within),
  ]);
  const openSeg = new Map(openBySegment.map((g) => [g.accountTag ?? 'UNTAGGED', g._count._all]));
  const openAcc = new Map(openByAccount.map((g) => [g.accountId ?? '', g._count._all]));
  return {
    from,
    to,
    generatedAt: now.toISOString(),
    rejected: rejected.map((r) => ({ at: r.createdAt.toISOString(), id: r.id, client: r.clientName, strategy: r.starlabStrategyId, symbol: r.symbol, source: r.source, reason: r.rejectReason })),
    audit: audit.map((a) => ({ at: a.createdAt.toISOString(), actor: a.actor, action: a.action, target: a.target, outcome: a.outcome, detail: a.detail })),
    segments: segments.map((s) => ({
      segment: s.segment,
      capitalLimitCents: s.capitalLimitCents ?? limits.defaultSegmentCapitalCents,
      maxOpenOrdersPerStrategy: s.maxOpenOrdersPerStrategy,
      workingCents: s.workingCents,
      heldCents: s.heldCents,
      openOrders: openSeg.get(s.segment) ?? 0,
    })),
    accounts: accounts.map((a) => ({ id: a.id, kind: a.kind, cashCents: Number(a.cashCents), openOrders: openAcc.get(a.id) ?? 0 })),
    positions: positions.map((p) => ({ ownerKind: p.ownerKind, ownerId: p.ownerId, symbol: p.symbol, notionalCents: notionalCents(p.quantity, p.avgPrice, p.secType) })),
    concentrationLimitCents: limits.concentrationLimitCents,
    revokedClients: revoked.map((c) => ({ at: c.revokedAt!.toISOString(), client: c.name })),
    doorRefusals,
  };
}

export async function storeComplianceReport(prisma: PrismaClient, report: ComplianceReport): Promise<void> {
  const body = report as unknown as Prisma.InputJsonValue;
  await prisma.report.upsert({
    where: { kind_periodStart_periodEnd: { kind: 'compliance', periodStart: report.from, periodEnd: report.to } },
    create: { id: `compliance:${report.from}:${report.to}`, kind: 'compliance', periodStart: report.from, periodEnd: report.to, body },
    update: { body },
  });
}
