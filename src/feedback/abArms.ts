/**
 * The arms of an A/B experiment that trade (pure; the storage is src/db/experiments.ts, the
 * orchestration src/feedback/experiments.ts): the operator's request (zod), which family goes
 * to which arm, one family's weekly outcome from its ledger, and the verdict over the recorded
 * outcomes with the bootstrap comparison, minimum sample and stop rule of abTest.ts.
 */
import { z } from 'zod';
import type { DeepPartial, ProtocolConfig } from '../domain/config';
import { compareAB, type AbOptions, type AbResult } from './abTest';
import { assignVariants } from './abExperiment';

const familyId = z.string().regex(/^[A-Za-z][\w./-]{0,79}$/, 'a family id');
const override = z.record(z.string(), z.unknown());

/** What an operator asks for (CLI and API alike). Overrides are checked later as whole configurations. */
export const experimentRequestSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'letters, digits, _ and - (1-32, starting with a letter)'),
    /** override both arms trade on (default {}: the configuration in force) */
    base: override.default({}),
    /** override arm B trades on top of the base */
    variant: override.refine((v) => Object.keys(v).length > 0, 'the variant must change something'),
    /** existing families, split between the arms by assignVariants */
    families: z.array(familyId).max(100).default([]),
    /** shadow families created for the experiment: how many per arm and the lump sum of each (dollars) */
    shadow: z
      .object({ per_arm: z.number().int().min(1).max(10), lump_sum: z.number().positive().max(100_000_000) })
      .strict()
      .optional(),
    min_sample: z.number().int().min(2).max(10_000).default(30),
    max_sample: z.number().int().min(2).max(100_000).default(200),
    alpha: z.number().gt(0).lt(1).default(0.05),
    max_looks: z.number().int().min(1).max(100).default(5),
    reason: z.string().trim().min(1).max(1000),
  })
  .strict()
  .refine((r) => r.min_sample <= r.max_sample, { message: 'min_sample must be ≤ max_sample', path: ['min_sample'] })
  .refine((r) => new Set(r.families).size === r.families.length, { message: 'a family may appear once', path: ['families'] });
export type ExperimentRequest = z.output<typeof experimentRequestSchema>;

export type Arm = 'A' | 'B';
export interface ArmMember {
  familyId: string;
  arm: Arm;
  shadow: boolean;
}

/** Shadow family ids of an experiment: `SHADOW-<experiment>-<arm><n>`. */
export const shadowFamilyId = (experimentId: string, arm: Arm, n: number): string => `SHADOW-${experimentId}-${arm}${n}`;

/**
 * Every family of the experiment with its arm: existing families by the balanced hash assignment,
 * shadow families `perArm` to each arm. Throws when an arm would be empty.
 */
export function planArms(experimentId: string, families: readonly string[], shadowPerArm = 0): ArmMember[] {
  const assigned = assignVariants(experimentId, families);
  const out: ArmMember[] = families.map((f) => ({ familyId: f, arm: assigned[f] as Arm, shadow: false }));
  for (const arm of ['A', 'B'] as const) for (let n = 1; n <= shadowPerArm; n++) out.push({ familyId: shadowFamilyId(experimentId, arm, n), arm, shadow: true });
  for (const arm of ['A', 'B'] as const) if (!out.some((m) => m.arm === arm)) throw new Error(`arm ${arm} has no family: name at least two families or ask for shadow families`);
  return out;
}

export interface LedgerLine {
  reason: string;
  fromAccountId: string | null;
  toAccountId: string | null;
  amountCents: number;
}
export interface WeekOutcome {
  premiumCents: number;
  commissionCents: number;
  assignments: number;
  /** (premium − commission) ÷ capital: the week's option income on the family's capital */
  returnOnCapital: number;
}

/**
 * One family's week from its ledger lines of that week: net premium (sold − bought back),
 * commissions, assignments, and the income return on `capitalCents` (the family's base).
 */
export function weekOutcome(lines: readonly LedgerLine[], accountIds: readonly string[], capitalCents: number): WeekOutcome {
  const mine = new Set(accountIds);
  let premium = 0;
  let commission = 0;
  let assignments = 0;
  for (const l of lines) {
    const into = l.toAccountId !== null && mine.has(l.toAccountId);
    const outOf = l.fromAccountId !== null && mine.has(l.fromAccountId);
    if (!into && !outOf) continue;
    if (l.reason === 'PREMIUM') premium += into ? l.amountCents : -l.amountCents;
    else if (l.reason === 'COMMISSION' && outOf) commission += l.amountCents;
    else if (l.reason === 'ASSIGNMENT') assignments++;
  }
  return { premiumCents: premium, commissionCents: commission, assignments, returnOnCapital: capitalCents > 0 ? (premium - commission) / capitalCents : 0 };
}

export interface RecordedOutcome {
  familyId: string;
  arm: string;
  week: string;
  returnOnCapital: number;
}

/** Each arm's outcomes (one per family and week), ordered by family then week: the samples compared. */
export function armSamples(outcomes: readonly RecordedOutcome[]): { A: number[]; B: number[] } {
  const sorted = [...outcomes].sort((x, y) => (x.familyId === y.familyId ? (x.week < y.week ? -1 : 1) : x.familyId < y.familyId ? -1 : 1));
  return { A: sorted.filter((o) => o.arm === 'A').map((o) => o.returnOnCapital), B: sorted.filter((o) => o.arm === 'B').map((o) => o.returnOnCapital) };
}

export interface ArmVerdict {
  result: AbResult;
  /** present only when the stop rule ends the test with B (the variant) better: a proposal, never applied here */
  recommendation: { id: string; kind: 'AB'; evidence: object; proposedConfig: { protocol: DeepPartial<ProtocolConfig> } } | null;
}

/** The comparison of the recorded outcomes and, when B wins, the recommendation of base + variant. */
export function armVerdict(
  exp: { id: string; base: DeepPartial<ProtocolConfig>; variant: DeepPartial<ProtocolConfig>; proposal: DeepPartial<ProtocolConfig> },
  outcomes: readonly RecordedOutcome[],
  opts: AbOptions,
): ArmVerdict {
  const { A, B } = armSamples(outcomes);
  const result = compareAB(A, B, opts);
  const recommendation =
    result.verdict === 'B_BETTER'
      ? {
          id: `rec-ab-${exp.id}`,
          kind: 'AB' as const,
          evidence: { experiment: exp.id, reason: `A/B experiment ${exp.id}: the variant's weekly return on capital is higher (${result.method})`, variant: exp.variant, ...result },
          proposedConfig: { protocol: exp.proposal },
        }
      : null;
  return { result, recommendation };
}
