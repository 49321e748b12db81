/**
 * The risk and compliance report (docs/COMPLIANCE.md): for New York dates [from, to], from the
 * audit log, the instructions and the books. Pure computation (`computeCompliance`) over rows
 * the loader reads; `produceComplianceReport` stores it in `reports` (kind 'compliance').
 * Limit use and concentration are a snapshot at generation time (the books keep no history).
 */
import Decimal from 'decimal.js';
import { loadConfig } from '../config';
import type { Prisma, PrismaClient } from '../db/client';
import { listSegments } from '../db/reservations';
import { TERMINAL_STATUSES } from '../contracts/orderStatus';
import { DEFAULT_PROTOCOL } from '../domain';

export interface AuditRow {
  at: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  detail: unknown;
}

export interface ComplianceInput {
  from: string;
  to: string;
  generatedAt: string;
  /** Instructions REJECTED, created in the period. */
  rejected: { at: string; id: string; client: string; strategy: string; symbol: string; source: string; reason: string | null }[];
  /** Every audit row in the period (any action). */
  audit: AuditRow[];
  segments: { segment: string; capitalLimitCents: number; maxOpenOrdersPerStrategy: number | null; workingCents: number; heldCents: number; openOrders: number }[];
  accounts: { id: string; kind: string; cashCents: number; openOrders: number }[];
  /** Open positions: owner, symbol and cost notional in cents. */
  positions: { ownerKind: string; ownerId: string; symbol: string; notionalCents: number }[];
  concentrationLimitCents: number;
  /** Clients whose credentials were revoked in the period (api_clients.revoked_at). */
  revokedClients: { at: string; client: string }[];
}

export interface Count {
  key: string;
  count: number;
}

export interface ComplianceReport {
  kind: 'compliance';
  from: string;
  to: string;
  generated_at: string;
  refusals: {
    total: number;
    by_code: Count[];
    by_client: Count[];
    items: { at: string; all_use_order_id: string; client: string; strategy: string; symbol: string; source: string; code: string; reason: string }[];
  };
  limits: {
    segments: { segment: string; capital_limit_cents: number; used_cents: number; working_cents: number; held_cents: number; used_pct: number; open_orders: number; max_open_orders_per_strategy: number | null }[];
    accounts: { account_id: string; kind: string; cash_cents: number; held_cents: number; open_orders: number }[];
    concentration: { symbol: string; notional_cents: number; limit_cents: number; used_pct: number; owners: { owner: string; notional_cents: number; share_pct: number }[] }[];
  };
  controls: { at: string; action: string; scope: string; actor: string; reason: string | null }[];
  reconciliation: { at: string; action: string; actor: string; target: string | null; outcome: string; detail: unknown }[];
  credentials: { at: string; action: string; actor: string; target: string | null; outcome: string; code: string | null }[];
  denied_access: { total: number; by_code: Count[]; by_actor: Count[]; items: { at: string; action: string; actor: string; target: string | null; code: string | null; ip: string | null }[] };
}

const CONTROL_ACTIONS = new Set(['TRADING_HALTED', 'TRADING_RESUMED', 'REDUCE_ONLY_ON', 'REDUCE_ONLY_OFF']);
const CREDENTIAL_ACTIONS = new Set(['KEY_ISSUED', 'KEY_REVOKED', 'CLIENT_REVOKED', 'CREDENTIALS_REVOKED']);
/** Denials that are about the credential itself (not about what it may do). */
const CREDENTIAL_CODES = new Set(['INVALID_CREDENTIALS', 'TOKEN_EXPIRED', 'CREDENTIALS_REVOKED', 'INVALID_CLIENT', 'INVALID_TOKEN']);

const counts = (keys: string[]): Count[] => {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return [...m.entries()].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
};
const codeOfReason = (r: string | null): string => {
  const m = /^([A-Z][A-Z0-9_]+)(:|$)/.exec(r ?? '');
  return m ? m[1]! : 'UNCODED';
};
const detailOf = (d: unknown): Record<string, unknown> => (d && typeof d === 'object' && !Array.isArray(d) ? (d as Record<string, unknown>) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 100 : 0);

export function computeCompliance(i: ComplianceInput): ComplianceReport {
  const refusals = i.rejected.map((r) => ({ at: r.at, all_use_order_id: r.id, client: r.client, strategy: r.strategy, symbol: r.symbol, source: r.source, code: codeOfReason(r.reason), reason: r.reason ?? '' }));
  const denied = i.audit.filter((a) => a.outcome === 'DENIED');
  const credentialRows = i.audit.filter((a) => CREDENTIAL_ACTIONS.has(a.action) || (a.outcome === 'DENIED' && CREDENTIAL_CODES.has(str(detailOf(a.detail).code) ?? '')));
  const auditedRevocations = new Set(credentialRows.filter((a) => a.action === 'KEY_REVOKED').map((a) => a.target));
  const credentials = [
    ...credentialRows.map((a) => ({ at: a.at, action: a.action, actor: a.actor, target: a.target, outcome: a.outcome, code: str(detailOf(a.detail).code) })),
    // A revocation made without an audit row (e.g. straight in the database) still shows.
    ...i.revokedClients.filter((c) => !auditedRevocations.has(c.client)).map((c) => ({ at: c.at, action: 'KEY_REVOKED', actor: 'unknown', target: c.client, outcome: 'OK', code: null })),
  ].sort((a, b) => a.at.localeCompare(b.at));

  const bySymbol = new Map<string, { owner: string; notional: number }[]>();
  for (const p of i.positions) bySymbol.set(p.symbol, [...(bySymbol.get(p.symbol) ?? []), { owner: `${p.ownerKind}:${p.ownerId}`, notional: p.notionalCents }]);
  const heldByAccount = new Map<string, number>();
  for (const p of i.positions) if (p.ownerKind === 'ACCOUNT') heldByAccount.set(p.ownerId, (heldByAccount.get(p.ownerId) ?? 0) + p.notionalCents);

  return {
    kind: 'compliance',
    from: i.from,
    to: i.to,
    generated_at: i.generatedAt,
    refusals: { total: refusals.length, by_code: counts(refusals.map((r) => r.code)), by_client: counts(refusals.map((r) => r.client)), items: refusals },
    limits: {
      segments: i.segments.map((s) => {
        const used = s.workingCents + s.heldCents;
        return { segment: s.segment, capital_limit_cents: s.capitalLimitCents, used_cents: used, working_cents: s.workingCents, held_cents: s.heldCents, used_pct: pct(used, s.capitalLimitCents), open_orders: s.openOrders, max_open_orders_per_strategy: s.maxOpenOrdersPerStrategy };
      }),
      accounts: i.accounts.map((a) => ({ account_id: a.id, kind: a.kind, cash_cents: a.cashCents, held_cents: heldByAccount.get(a.id) ?? 0, open_orders: a.openOrders })),
      concentration: [...bySymbol.entries()]
        .map(([symbol, owners]) => {
          const total = owners.reduce((s, o) => s + o.notional, 0);
          const merged = new Map<string, number>();
          for (const o of owners) merged.set(o.owner, (merged.get(o.owner) ?? 0) + o.notional);
          return {
            symbol,
            notional_cents: total,
            limit_cents: i.concentrationLimitCents,
            used_pct: pct(total, i.concentrationLimitCents),
            owners: [...merged.entries()].map(([owner, n]) => ({ owner, notional_cents: n, share_pct: pct(n, total) })).sort((a, b) => b.notional_cents - a.notional_cents),
          };
        })
        .sort((a, b) => b.notional_cents - a.notional_cents || a.symbol.localeCompare(b.symbol)),
    },
    controls: i.audit.filter((a) => CONTROL_ACTIONS.has(a.action)).map((a) => ({ at: a.at, action: a.action, scope: a.target ?? 'global', actor: a.actor, reason: str(detailOf(a.detail).reason) })),
    reconciliation: i.audit.filter((a) => a.action.startsWith('RECONCILIATION')).map((a) => ({ at: a.at, action: a.action, actor: a.actor, target: a.target, outcome: a.outcome, detail: a.detail })),
    credentials,
    denied_access: {
      total: denied.length,
      by_code: counts(denied.map((a) => str(detailOf(a.detail).code) ?? a.action)),
      by_actor: counts(denied.map((a) => a.actor)),
      items: denied.map((a) => ({ at: a.at, action: a.action, actor: a.actor, target: a.target, code: str(detailOf(a.detail).code) ?? a.action, ip: str(detailOf(a.detail).ip) })),
    },
  };
}

/** UTC bounds of the New York dates [from, to] (exact, DST included). */
export function nyBounds(from: string, to: string): { gte: Date; lt: Date } {
  const start = (d: string) => {
    // New York midnight is 04:00 or 05:00 UTC: take the one whose NY date is d at 00:00.
    for (const h of [4, 5]) {
      const t = new Date(`${d}T0${h}:00:00Z`);
      const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' }).formatToParts(t);
      const get = (k: string) => parts.find((p) => p.type === k)?.value;
      if (`${get('year')}-${get('month')}-${get('day')}` === d && get('hour') === '00') return t;
    }
    return new Date(`${d}T05:00:00Z`);
  };
  const next = new Date(new Date(`${to}T12:00:00Z`).getTime() + 86_400_000).toISOString().slice(0, 10);
  return { gte: start(from), lt: start(next) };
}

const notionalCents = (qty: number, avg: Prisma.Decimal | string, secType: string) =>
  new Decimal(avg.toString()).mul(Math.abs(qty)).mul(secType === 'OPT' ? DEFAULT_PROTOCOL.market.contractMultiplier : 1).mul(100).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toNumber();

export async function loadComplianceInput(prisma: PrismaClient, from: string, to: string, now = new Date()): Promise<ComplianceInput> {
  const within = nyBounds(from, to);
  const cfg = loadConfig(process.env);
  const open = { notIn: [...TERMINAL_STATUSES] };
  const [rejected, audit, segments, accounts, positions, openBySegment, openByAccount, revoked] = await Promise.all([
    prisma.instruction.findMany({ where: { status: 'REJECTED', createdAt: within }, orderBy: { createdAt: 'asc' } }),
    prisma.auditLog.findMany({ where: { createdAt: within }, orderBy: { id: 'asc' } }),
    listSegments(prisma, DEFAULT_PROTOCOL.market.contractMultiplier),
    prisma.account.findMany({ orderBy: { id: 'asc' } }),
    prisma.position.findMany({ where: { NOT: { quantity: 0 } } }),
    prisma.instruction.groupBy({ by: ['accountTag'], where: { accountId: null, status: open }, _count: { _all: true } }),
    prisma.instruction.groupBy({ by: ['accountId'], where: { NOT: { accountId: null }, status: open }, _count: { _all: true } }),
    prisma.apiClient.findMany({ where: { revokedAt: within }, select: { name: true, revokedAt: true } }),
  ]);
  const openSeg = new Map(openBySegment.map((g) => [g.accountTag ?? 'UNTAGGED', g._count._all]));
  const openAcc = new Map(openByAccount.map((g) => [g.accountId ?? '', g._count._all]));
  return {
    from,
    to,
    generatedAt: now.toISOString(),
    rejected: rejected.map((r) => ({ at: r.createdAt.toISOString(), id: r.id, client: r.clientName, strategy: r.starlabStrategyId, symbol: r.symbol, source: r.source, reason: r.rejectReason })),
    audit: audit.map((a) => ({ at: a.createdAt.toISOString(), actor: a.actor, action: a.action, target: a.target, outcome: a.outcome, detail: a.detail })),
    segments: segments.map((s) => ({ segment: s.segment, capitalLimitCents: s.capitalLimitCents ?? cfg.starlabSegmentCapitalLimitCents, maxOpenOrdersPerStrategy: s.maxOpenOrdersPerStrategy, workingCents: s.workingCents, heldCents: s.heldCents, openOrders: openSeg.get(s.segment) ?? 0 })),
    accounts: accounts.map((a) => ({ id: a.id, kind: a.kind, cashCents: Number(a.cashCents), openOrders: openAcc.get(a.id) ?? 0 })),
    positions: positions.map((p) => ({ ownerKind: p.ownerKind, ownerId: p.ownerId, symbol: p.symbol, notionalCents: notionalCents(p.quantity, p.avgPrice, p.secType) })),
    concentrationLimitCents: cfg.starlabConcentrationLimitCents,
    revokedClients: revoked.map((c) => ({ at: c.revokedAt!.toISOString(), client: c.name })),
  };
}

/** Computes the report for [from, to]; with `store`, also keeps it (one row per period, overwritten). */
export async function produceComplianceReport(prisma: PrismaClient, from: string, to: string, store: boolean, now = new Date()): Promise<ComplianceReport> {
  const report = computeCompliance(await loadComplianceInput(prisma, from, to, now));
  if (store) {
    const body = report as unknown as Prisma.InputJsonValue;
    await prisma.report.upsert({
      where: { kind_periodStart_periodEnd: { kind: 'compliance', periodStart: from, periodEnd: to } },
      create: { id: `compliance:${from}:${to}`, kind: 'compliance', periodStart: from, periodEnd: to, body },
      update: { body },
    });
  }
  return report;
}
