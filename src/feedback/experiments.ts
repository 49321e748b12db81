/**
 * A/B experiments whose arms trade (docs/FEEDBACK.md), shared by `ops experiment` and the
 * operator route. Create: each family of an arm gets a family-scoped configuration version
 * (arm A: base, arm B: base + variant, over whatever override the family had), so the weekly
 * cycle plans it with that version through the ordinary per-family resolution and records the
 * version with every decision. Shadow families are opened for the experiment on the simulator
 * only. Show: the recorded weeks compared (bootstrap, minimum sample, stop rule); a verdict
 * that stops the test with B better stores a recommendation — never a configuration change.
 * Stop: every real family gets its previous override back, shadow families are closed.
 */
import type { PrismaClient } from '../db/client';
import { getFamily, openFamily } from '../db/accounts';
import {
  closeShadowFamily,
  endExperiment,
  experimentOutcomes,
  familiesInRunningExperiments,
  familyOverride,
  getExperiment,
  insertExperiment,
  type ExperimentArmRow,
  type ExperimentOutcomeRow,
  type ExperimentRow,
} from '../db/experiments';
import { createRecommendation } from '../db/feedback';
import { currentProtocolConfig, setProtocolConfig } from '../db/protocolConfig';
import { mergeOverrides, ProtocolConfigError, withOverrides, type DeepPartial, type ProtocolConfig } from '../domain/config';
import { fromDecimal } from '../domain/money';
import { armVerdict, experimentRequestSchema, planArms, type ArmVerdict } from './abArms';

export class ExperimentError extends Error {
  constructor(
    readonly code: 'BAD_REQUEST' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'INVALID_CONFIG' | 'SHADOW_NEEDS_SIMULATOR' | 'FAMILY_UNAVAILABLE' | 'NOT_RUNNING',
    message: string,
  ) {
    super(message);
    this.name = 'ExperimentError';
  }
}

type Override = DeepPartial<ProtocolConfig>;

export interface CreateOptions {
  /**
   * Whether this system's broker is the bundled IB simulator (IB_SIMULATOR). Shadow families are
   * refused otherwise; the worker's placeOrder refuses their orders on a live gateway as well.
   */
  brokerIsSimulator: boolean;
}

/** Creates the experiment: validates everything first, then opens shadow families and writes each family's version. */
export async function createExperiment(prisma: PrismaClient, body: unknown, actor: string, opts: CreateOptions): Promise<ExperimentRow> {
  const parsed = experimentRequestSchema.safeParse(body);
  if (!parsed.success) throw new ExperimentError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  const req = parsed.data;
  if (await getExperiment(prisma, req.id)) throw new ExperimentError('ALREADY_EXISTS', `experiment ${req.id} exists`);
  if (req.shadow && !opts.brokerIsSimulator)
    throw new ExperimentError('SHADOW_NEEDS_SIMULATOR', 'shadow families trade on the IB simulator only; this system uses a live gateway (IB_SIMULATOR=false)');
  for (const f of req.families) {
    const fam = await getFamily(prisma, f);
    if (!fam || fam.status !== 'OPEN') throw new ExperimentError('FAMILY_UNAVAILABLE', `family ${f} is not an open family`);
  }
  const busy = await familiesInRunningExperiments(prisma, req.families);
  if (busy.length) throw new ExperimentError('FAMILY_UNAVAILABLE', `already in a running experiment: ${busy.join(', ')}`);
  let members;
  try {
    members = planArms(req.id, req.families, req.shadow?.per_arm ?? 0);
  } catch (e) {
    throw new ExperimentError('BAD_REQUEST', (e as Error).message);
  }
  const base = req.base as Override;
  const variant = req.variant as Override;
  // Every family's resulting configuration must validate before anything is written.
  const plans: { familyId: string; arm: string; shadow: boolean; previous: Override | null; override: Override }[] = [];
  for (const m of members) {
    const previous = m.shadow ? null : ((await familyOverride(prisma, m.familyId)) as Override | null);
    const override = mergeOverrides(mergeOverrides(previous ?? {}, base), m.arm === 'B' ? variant : {});
    try {
      withOverrides((await currentProtocolConfig(prisma)).config, override);
    } catch (e) {
      if (e instanceof ProtocolConfigError) throw new ExperimentError('INVALID_CONFIG', `arm ${m.arm} (${m.familyId}): ${e.message}`);
      throw e;
    }
    plans.push({ ...m, previous, override });
  }
  const global = await currentProtocolConfig(prisma);
  const arms: ExperimentArmRow[] = [];
  for (const p of plans) {
    if (p.shadow) {
      const lumpSumCents = fromDecimal(String(req.shadow!.lump_sum));
      await openFamily(prisma, { id: p.familyId, name: p.familyId, lumpSumCents, protocol: global.config, shadow: true });
    }
    const { version } = await setProtocolConfig(prisma, { scope: { familyId: p.familyId }, config: p.override, actor, reason: `experiment ${req.id}, arm ${p.arm}: ${req.reason}` });
    arms.push({ familyId: p.familyId, arm: p.arm, shadow: p.shadow, configVersion: version, previousOverride: p.previous });
  }
  const options = { minSample: req.min_sample, maxSample: req.max_sample, alpha: req.alpha, maxLooks: req.max_looks };
  await insertExperiment(prisma, { id: req.id, baseConfig: base, variantConfig: variant, baseVersion: global.version, options, createdBy: actor, reason: req.reason, arms });
  return (await getExperiment(prisma, req.id))!;
}

export interface ExperimentReport {
  experiment: ExperimentRow;
  /** per arm: families, weeks recorded, mean weekly return on capital, premium and assignments */
  arms: Record<'A' | 'B', { families: string[]; config_versions: number[]; weeks: number; mean_return: number | null; premium_cents: number; assignments: number }>;
  outcomes: ExperimentOutcomeRow[];
  comparison: ArmVerdict['result'];
  verdict: ArmVerdict['result']['verdict'];
  message: string;
  recommendation_id: string | null;
}

function armSummary(exp: ExperimentRow, outcomes: ExperimentOutcomeRow[], arm: 'A' | 'B'): ExperimentReport['arms']['A'] {
  const mine = outcomes.filter((o) => o.arm === arm);
  return {
    families: exp.arms.filter((a) => a.arm === arm).map((a) => a.familyId),
    config_versions: exp.arms.filter((a) => a.arm === arm).map((a) => a.configVersion),
    weeks: mine.length,
    mean_return: mine.length ? mine.reduce((s, o) => s + o.returnOnCapital, 0) / mine.length : null,
    premium_cents: mine.reduce((s, o) => s + o.premiumCents, 0),
    assignments: mine.reduce((s, o) => s + o.assignments, 0),
  };
}

/**
 * The comparison over the recorded weeks. While RUNNING, the stop rule is applied: when it stops,
 * the experiment is CONCLUDED with its verdict and, if B is better, a PROPOSED recommendation of
 * base + variant is stored for an operator (idempotent: `rec-ab-<id>`). Trading is not changed.
 */
export async function showExperiment(prisma: PrismaClient, id: string, actor: string): Promise<ExperimentReport> {
  const exp = await getExperiment(prisma, id);
  if (!exp) throw new ExperimentError('NOT_FOUND', `experiment ${id} not found`);
  const outcomes = await experimentOutcomes(prisma, id);
  const base = exp.baseConfig as Override;
  const variant = exp.variantConfig as Override;
  const { result, recommendation } = armVerdict({ id, base, variant, proposal: mergeOverrides(base, variant) }, outcomes, exp.options);
  let recommendationId = exp.recommendationId;
  if (exp.status === 'RUNNING' && result.stop) {
    if (recommendation) recommendationId = (await createRecommendation(prisma, { ...recommendation, source: `experiment:${id}` })).id;
    await endExperiment(prisma, id, { status: 'CONCLUDED', verdict: result, recommendationId: recommendationId ?? null, by: actor, reason: `stop rule: ${result.verdict}` });
  }
  const message =
    result.verdict === 'INSUFFICIENT_SAMPLE'
      ? `insufficient sample: ${result.n_a} (A) and ${result.n_b} (B) weeks recorded, ${exp.options.minSample} per arm needed before any verdict`
      : result.stop
        ? `stopped: ${result.verdict}${recommendationId ? `; recommendation ${recommendationId} awaits an operator` : ''}`
        : 'continue: the interval still contains 0';
  return {
    experiment: (await getExperiment(prisma, id))!,
    arms: { A: armSummary(exp, outcomes, 'A'), B: armSummary(exp, outcomes, 'B') },
    outcomes,
    comparison: result,
    verdict: result.verdict,
    message,
    recommendation_id: recommendationId,
  };
}

/** Ends the experiment: real families get their previous override back (a new version), shadow families close. */
export async function stopExperiment(
  prisma: PrismaClient,
  id: string,
  by: string,
  reason: string,
): Promise<{ id: string; status: 'STOPPED'; restored: { familyId: string; version: number }[]; closed: string[] }> {
  const exp = await getExperiment(prisma, id);
  if (!exp) throw new ExperimentError('NOT_FOUND', `experiment ${id} not found`);
  if (!(await endExperiment(prisma, id, { status: 'STOPPED', by, reason }))) throw new ExperimentError('NOT_RUNNING', `experiment ${id} is ${exp.status}`);
  const restored: { familyId: string; version: number }[] = [];
  const closed: string[] = [];
  for (const a of exp.arms) {
    if (a.shadow) {
      await closeShadowFamily(prisma, a.familyId);
      closed.push(a.familyId);
    } else {
      const { version } = await setProtocolConfig(prisma, { scope: { familyId: a.familyId }, config: a.previousOverride ?? {}, actor: by, reason: `experiment ${id} stopped: ${reason}` });
      restored.push({ familyId: a.familyId, version });
    }
  }
  return { id, status: 'STOPPED', restored, closed };
}
