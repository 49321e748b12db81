/**
 * The risk and compliance report (docs/COMPLIANCE.md): for New York dates [from, to], from the
 * audit log, the instructions and the books. Pure computation (`computeCompliance`) over rows
 * src/db/compliance.ts reads; `produceComplianceReport` computes and optionally stores it.
 * Limit use and concentration are a snapshot at generation time (the books keep no history).
 */

import { loadConfig } from '../config';
import type { PrismaClient } from '../db/client';
import { loadComplianceInput, storeComplianceReport } from '../db/compliance';
import type { ComplianceInput, ComplianceReport, Count } from '../contracts/compliance';

export { nyBounds, type AuditRow, type ComplianceInput, type ComplianceReport, type Count } from '../contracts/compliance';

const CONTROL_ACTIONS = new Set(['TRADING_HALTED', 'TRADING_RESUMED', 'REDUCE_ONLY_ON', 'REDUCE_ONLY_OFF']);
const CREDENTIAL_ACTIONS = new Set(['KEY_ISSUED', 'KEY_REVOKED', 'CLIENT_REVOKED', 'CREDENTIALS_REVOKED']);
/** Denials that are about the credential itself (not about what it may do). */
const CREDENTIAL_CODES = new Set(['INVALID_CREDENTIALS', 'TOKEN_EXPIRED', 'CREDENTIALS_REVOKED', 'INVALID_CLIENT', 'INVALID_TOKEN']);

const counts = (keys: string[], weights?: number[]): Count[] => {
  const m = new Map<string, number>();
  keys.forEach((k, n) => m.set(k, (m.get(k) ?? 0) + (weights?.[n] ?? 1)));
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
    door_refusals: {
      total: i.doorRefusals.reduce((s, d) => s + d.count, 0),
      by_code: counts(
        i.doorRefusals.map((d) => d.code),
        i.doorRefusals.map((d) => d.count),
      ),
      by_client: counts(
        i.doorRefusals.map((d) => d.client),
        i.doorRefusals.map((d) => d.count),
      ),
      items: i.doorRefusals.map((d) => ({ minute: d.minute, client: d.client, code: d.code, scope: d.scope, count: d.count, first_at: d.firstAt, last_at: d.lastAt, body_hashes: d.bodyHashes })),
    },
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

/** Computes the report for [from, to]; with `store`, also keeps it (one row per period, overwritten). */
export async function produceComplianceReport(prisma: PrismaClient, from: string, to: string, store: boolean, now = new Date()): Promise<ComplianceReport> {
  const cfg = loadConfig(process.env);
  const report = computeCompliance(await loadComplianceInput(prisma, from, to, { defaultSegmentCapitalCents: cfg.starlabSegmentCapitalLimitCents, concentrationLimitCents: cfg.starlabConcentrationLimitCents }, now));
  if (store) await storeComplianceReport(prisma, report);
  return report;
}
