/**
 * The risk and compliance report's shape (JSON of GET /api/v1/operator/compliance and
 * `npm run ops -- compliance`), its input rows, and the New York date bounds it uses.
 * Computed by src/reports/compliance.ts from rows src/db/compliance.ts reads.
 */

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
  /** Instructions refused at the door (no instruction row): one row per client, UTC minute and code (door_refusals). */
  doorRefusals: { minute: string; client: string; code: string; scope: string; count: number; bodyHashes: string[]; firstAt: string; lastAt: string }[];
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
    segments: {
      segment: string;
      capital_limit_cents: number;
      used_cents: number;
      working_cents: number;
      held_cents: number;
      used_pct: number;
      open_orders: number;
      max_open_orders_per_strategy: number | null;
    }[];
    accounts: { account_id: string; kind: string; cash_cents: number; held_cents: number; open_orders: number }[];
    concentration: { symbol: string; notional_cents: number; limit_cents: number; used_pct: number; owners: { owner: string; notional_cents: number; share_pct: number }[] }[];
  };
  /**
   * Submissions refused before anything was started (503 TRADING_HALTED while halted): no
   * instruction exists, so they are counted per client and minute (src/db/doorRefusals.ts).
   * `total` is the number of refused requests; `body_hashes` the distinct request hashes seen
   * in that minute (at most 20).
   */
  door_refusals: {
    total: number;
    by_code: Count[];
    by_client: Count[];
    items: { minute: string; client: string; code: string; scope: string; count: number; first_at: string; last_at: string; body_hashes: string[] }[];
  };
  controls: { at: string; action: string; scope: string; actor: string; reason: string | null }[];
  reconciliation: { at: string; action: string; actor: string; target: string | null; outcome: string; detail: unknown }[];
  credentials: { at: string; action: string; actor: string; target: string | null; outcome: string; code: string | null }[];
  denied_access: { total: number; by_code: Count[]; by_actor: Count[]; items: { at: string; action: string; actor: string; target: string | null; code: string | null; ip: string | null }[] };
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
