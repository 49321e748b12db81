/**
 * An A/B experiment over account families (real ones, forks, or shadow families on the simulator):
 * a deterministic, balanced assignment of families to variants, each arm's weekly returns from
 * the performance rows, the bootstrap comparison with its minimum sample and stop rule
 * (abTest.ts), and — only when the rule stops with a winner — the recommendation an operator
 * decides on. Pure: applying a variant to a family is the configuration's scope (issue 13's
 * `scope: { familyId }`), and the decision is the operator's.
 */
import type { DeepPartial, ProtocolConfig } from '../domain/config';
import { compareAB, type AbOptions, type AbResult } from './abTest';
import { fnv1a } from './grid';
import type { PerformanceRow } from './performance';

export interface Experiment {
  id: string;
  /** A is the control (current configuration), B the candidate */
  variants: { A: DeepPartial<ProtocolConfig>; B: DeepPartial<ProtocolConfig> };
}

/** Families sorted by a hash of (experiment, family), then A, B, A, B…: balanced, stable, not chosen by anyone. */
export function assignVariants(experimentId: string, familyIds: readonly string[]): Record<string, 'A' | 'B'> {
  const order = [...new Set(familyIds)].sort((x, y) => {
    const hx = fnv1a(`${experimentId}:${x}`);
    const hy = fnv1a(`${experimentId}:${y}`);
    return hx < hy ? -1 : hx > hy ? 1 : x < y ? -1 : 1;
  });
  return Object.fromEntries(order.map((f, i) => [f, i % 2 === 0 ? 'A' : 'B']));
}

/** Weekly returns of every family in the arm (value summed over the family's accounts), pooled. */
export function armReturns(rows: readonly PerformanceRow[], assignment: Readonly<Record<string, 'A' | 'B'>>, arm: 'A' | 'B'): number[] {
  const byFamily = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const fam = r.family ?? r.account;
    if (assignment[fam] !== arm) continue;
    const weeks = byFamily.get(fam) ?? new Map<string, number>();
    weeks.set(r.week, (weeks.get(r.week) ?? 0) + r.valueCents);
    byFamily.set(fam, weeks);
  }
  const out: number[] = [];
  for (const weeks of byFamily.values()) {
    const v = [...weeks.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, x]) => x);
    for (let i = 1; i < v.length; i++) if ((v[i - 1] as number) > 0) out.push((v[i] as number) / (v[i - 1] as number) - 1);
  }
  return out;
}

export interface ExperimentVerdict {
  result: AbResult;
  /** present only when the stop rule ended the test with a winner other than the control */
  recommendation: { id: string; kind: 'AB'; evidence: object; proposedConfig: { protocol: DeepPartial<ProtocolConfig> } } | null;
}

export function evaluateExperiment(exp: Experiment, rows: readonly PerformanceRow[], assignment: Readonly<Record<string, 'A' | 'B'>>, opts: AbOptions = {}): ExperimentVerdict {
  const result = compareAB(armReturns(rows, assignment, 'A'), armReturns(rows, assignment, 'B'), opts);
  const recommendation =
    result.verdict === 'B_BETTER' ? { id: `rec-ab-${exp.id}`, kind: 'AB' as const, evidence: { experiment: exp.id, ...result }, proposedConfig: { protocol: exp.variants.B } } : null;
  return { result, recommendation };
}
