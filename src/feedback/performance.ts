/**
 * Performance analysis, the same for live rows and back-test rows: one row per account and week,
 * cut by week type, account, underlying, regime, protocol level or configuration version. Money
 * stays in integer cents; ratios are floats. The drift report sets live against back-test rows of
 * the same weeks: where reality departs from the model (premium, assignments, P&L).
 */
import type { WeekType } from '../domain/weekTypes';
import { drawdowns } from '../backtest/stats';

export interface PerformanceRow {
  source: 'LIVE' | 'BACKTEST';
  /** ISO week, e.g. 2024-W19 */
  week: string;
  account: string;
  /** account family when known */
  family?: string;
  /** account kind (GEN/REV/COM) when known */
  kind?: string;
  underlying: string;
  weekType: WeekType;
  /** trend/vol regime label, e.g. BULL/NORMAL */
  regime: string;
  /** highest protocol level reached in the week (null: no position) */
  level: number | null;
  configVersion: string;
  /** net option premium of the week (cents) */
  premiumCents: number;
  /** the model's expected premium at entry (cents), null when unknown */
  expectedPremiumCents: number | null;
  /** a short option was assigned (or called away) this week */
  assigned: boolean;
  realizedPnlCents: number;
  unrealizedPnlCents: number;
  /** account value at the week's close (cents) */
  valueCents: number;
}

export const DIMENSIONS = ['weekType', 'account', 'underlying', 'regime', 'level', 'configVersion'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface Cut {
  key: string;
  account_weeks: number;
  premium_cents: number;
  expected_premium_cents: number | null;
  /** premium ÷ the model's expectation over the rows that have one */
  premium_vs_model: number | null;
  assignment_rate: number;
  realized_pnl_cents: number;
  /** each account's unrealised P&L at its latest week in the group, summed */
  unrealized_pnl_cents: number;
  /** max drawdown of the group's summed weekly value (fraction) */
  max_drawdown: number;
  /** share of account-weeks in recovery (level 3 or a C-REC week) */
  time_in_recovery: number;
}

const keyOf = (r: PerformanceRow, d: Dimension): string => (d === 'level' ? (r.level === null ? 'none' : String(r.level)) : String(r[d]));

function summarize(key: string, rows: readonly PerformanceRow[]): Cut {
  const withModel = rows.filter((r) => r.expectedPremiumCents !== null);
  const expected = withModel.reduce((s, r) => s + (r.expectedPremiumCents ?? 0), 0);
  const modelPremium = withModel.reduce((s, r) => s + r.premiumCents, 0);
  // unrealised P&L is a level, not a flow: each account's at its latest week in the group
  const latest = new Map<string, PerformanceRow>();
  for (const r of rows) if ((latest.get(r.account)?.week ?? '') <= r.week) latest.set(r.account, r);
  const byWeek = new Map<string, number>();
  for (const r of rows) byWeek.set(r.week, (byWeek.get(r.week) ?? 0) + r.valueCents);
  const series = [...byWeek.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return {
    key,
    account_weeks: rows.length,
    premium_cents: rows.reduce((s, r) => s + r.premiumCents, 0),
    expected_premium_cents: withModel.length ? expected : null,
    premium_vs_model: withModel.length && expected !== 0 ? modelPremium / expected : null,
    assignment_rate: rows.length ? rows.filter((r) => r.assigned).length / rows.length : 0,
    realized_pnl_cents: rows.reduce((s, r) => s + r.realizedPnlCents, 0),
    unrealized_pnl_cents: [...latest.values()].reduce((s, r) => s + r.unrealizedPnlCents, 0),
    max_drawdown: series.length ? Math.max(0, -Math.min(0, ...drawdowns(series))) : 0,
    time_in_recovery: rows.length ? rows.filter((r) => r.level === 3 || r.weekType === 'C-REC').length / rows.length : 0,
  };
}

/** One summary per value of the dimension, sorted by key. */
export function cutBy(rows: readonly PerformanceRow[], d: Dimension): Cut[] {
  const groups = new Map<string, PerformanceRow[]>();
  for (const r of rows) {
    const k = keyOf(r, d);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, g]) => summarize(k, g));
}

/** Every dimension at once, plus the total. */
export function performanceReport(rows: readonly PerformanceRow[]): { total: Cut; by: Record<Dimension, Cut[]> } {
  return { total: summarize('all', rows), by: Object.fromEntries(DIMENSIONS.map((d) => [d, cutBy(rows, d)])) as Record<Dimension, Cut[]> };
}

export interface DriftLine {
  week: string;
  account: string;
  live_type: WeekType;
  backtest_type: WeekType;
  premium_diff_cents: number;
  assigned_live: boolean;
  assigned_backtest: boolean;
}
export interface DriftReport {
  /** account-weeks present in both */
  matched: number;
  live_only: number;
  backtest_only: number;
  /** share of matched account-weeks whose week type differs */
  type_mismatch_rate: number;
  /** live premium − back-test premium over the matched rows (cents) */
  premium_diff_cents: number;
  /** live ÷ back-test premium (null when the back-test collected none) */
  premium_ratio: number | null;
  assignment_rate_live: number;
  assignment_rate_backtest: number;
  realized_pnl_diff_cents: number;
  /** the matched rows that differ, most premium difference first (at most 20) */
  largest: DriftLine[];
}

/**
 * Live against back-test on the same weeks, matched by (week, account key). `accountKey` maps a
 * row to the key both sides share (default: the account kind, or the account id).
 */
export function driftReport(live: readonly PerformanceRow[], backtest: readonly PerformanceRow[], accountKey: (r: PerformanceRow) => string = (r) => r.kind ?? r.account): DriftReport {
  const k = (r: PerformanceRow): string => `${r.week}|${accountKey(r)}`;
  const bt = new Map(backtest.map((r) => [k(r), r]));
  const pairs: [PerformanceRow, PerformanceRow][] = [];
  let liveOnly = 0;
  for (const r of live) {
    const b = bt.get(k(r));
    if (b) pairs.push([r, b]);
    else liveOnly++;
  }
  const matchedKeys = new Set(pairs.map(([l]) => k(l)));
  const n = pairs.length;
  const sum = (f: (p: [PerformanceRow, PerformanceRow]) => number): number => pairs.reduce((s, p) => s + f(p), 0);
  const btPremium = sum(([, b]) => b.premiumCents);
  const lines: DriftLine[] = pairs
    .filter(([l, b]) => l.weekType !== b.weekType || l.premiumCents !== b.premiumCents || l.assigned !== b.assigned)
    .map(([l, b]) => ({
      week: l.week,
      account: accountKey(l),
      live_type: l.weekType,
      backtest_type: b.weekType,
      premium_diff_cents: l.premiumCents - b.premiumCents,
      assigned_live: l.assigned,
      assigned_backtest: b.assigned,
    }))
    .sort((x, y) => Math.abs(y.premium_diff_cents) - Math.abs(x.premium_diff_cents))
    .slice(0, 20);
  return {
    matched: n,
    live_only: liveOnly,
    backtest_only: backtest.filter((r) => !matchedKeys.has(k(r))).length,
    type_mismatch_rate: n ? pairs.filter(([l, b]) => l.weekType !== b.weekType).length / n : 0,
    premium_diff_cents: sum(([l, b]) => l.premiumCents - b.premiumCents),
    premium_ratio: btPremium !== 0 ? sum(([l]) => l.premiumCents) / btPremium : null,
    assignment_rate_live: n ? pairs.filter(([l]) => l.assigned).length / n : 0,
    assignment_rate_backtest: n ? pairs.filter(([, b]) => b.assigned).length / n : 0,
    realized_pnl_diff_cents: sum(([l, b]) => l.realizedPnlCents - b.realizedPnlCents),
    largest: lines,
  };
}
