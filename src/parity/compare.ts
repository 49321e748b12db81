/**
 * Compares the backtester's decisions with the live engine's, one decision at a time: both lists
 * are keyed by identity (week, kind, account, symbol, leg, action) and every other field must be
 * equal. Pure; the parity command (scripts/parity.ts) gathers the two lists.
 */
import type { Decision, ParityMismatch, ParityReport } from '../contracts/parity';

const ORDER: Record<Decision['kind'], number> = { WEEK_TYPE: 0, ORDER: 1, FILL: 2, EXPIRY: 3, ASSIGNMENT: 4, CASH: 5 };

/** The identity of a decision: two decisions with one key describe the same thing. */
export function decisionKey(d: Decision): string {
  const leg = 'right' in d ? `${d.right ?? 'STK'}:${d.strikeCents ?? ''}:${d.expiry ?? ''}` : '';
  const action = 'action' in d ? d.action : '';
  return [d.week, d.kind, d.account, d.symbol, leg, action].join('|');
}

/** Fields whose values differ (the key's fields are equal by construction). */
function differingFields(a: Decision, b: Decision): string[] {
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]);
  const va = a as unknown as Record<string, unknown>;
  const vb = b as unknown as Record<string, unknown>;
  return [...fields].filter((f) => JSON.stringify(va[f]) !== JSON.stringify(vb[f])).sort();
}

/** Groups decisions by key; several with one key (e.g. two fills of one order) are compared in order. */
function byKey(list: readonly Decision[]): Map<string, Decision[]> {
  const m = new Map<string, Decision[]>();
  for (const d of list) {
    const k = decisionKey(d);
    const group = m.get(k);
    if (group) group.push(d);
    else m.set(k, [d]);
  }
  return m;
}

/** Every mismatch, in week order, with the counts the report states. */
export function diffDecisions(backtest: readonly Decision[], live: readonly Decision[]): { weeks: number; decisions: number; mismatches: ParityMismatch[] } {
  const a = byKey(backtest);
  const b = byKey(live);
  const mismatches: ParityMismatch[] = [];
  let decisions = 0;
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const xs = a.get(key) ?? [];
    const ys = b.get(key) ?? [];
    for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
      decisions++;
      const x = xs[i] ?? null;
      const y = ys[i] ?? null;
      const d = (x ?? y)!;
      const fields = !x ? ['missing in backtest'] : !y ? ['missing in live'] : differingFields(x, y);
      if (fields.length) mismatches.push({ week: d.week, kind: d.kind, key, fields, backtest: x, live: y });
    }
  }
  mismatches.sort((m, n) => m.week.localeCompare(n.week) || ORDER[m.kind] - ORDER[n.kind] || m.key.localeCompare(n.key));
  const weeks = new Set([...backtest, ...live].map((d) => d.week)).size;
  return { weeks, decisions, mismatches };
}

export function compareDecisions(backtest: readonly Decision[], live: readonly Decision[]): ParityReport {
  const { weeks, decisions, mismatches } = diffDecisions(backtest, live);
  return { weeks, decisions, mismatches: mismatches.length, first_mismatch: mismatches[0] ?? null };
}
