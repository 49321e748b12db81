/**
 * The loop closes through a person: optimisation, A/B and learning runs only PROPOSE; an operator
 * accepts (the proposal becomes a new configuration version) or dismisses (nothing changes).
 * Both decisions are audited. Shared by the ops CLI and the operator API.
 */
import { z } from 'zod';
import type { PrismaClient } from '../db/client';
import { writeAudit } from '../db/audit';
import { claimDecision, getRecommendation, revertDecision, setAppliedVersion, type RecommendationRow } from '../db/feedback';
import { applyRecommendation, type ProposedConfig } from './applyRecommendation';

export const decisionSchema = z.object({
  by: z.string().trim().min(1).max(100),
  reason: z.string().trim().min(1).max(1000),
});

export class RecommendationError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'ALREADY_DECIDED' | 'INVALID_CONFIG',
    message: string,
  ) {
    super(message);
    this.name = 'RecommendationError';
  }
}

async function claim(prisma: PrismaClient, id: string, status: 'ACCEPTED' | 'DISMISSED', by: string, reason: string): Promise<RecommendationRow> {
  const rec = await getRecommendation(prisma, id);
  if (!rec) throw new RecommendationError('NOT_FOUND', `recommendation ${id} not found`);
  if (!(await claimDecision(prisma, id, status, by, reason)))
    throw new RecommendationError('ALREADY_DECIDED', `recommendation ${id} is already ${rec.status === 'PROPOSED' ? 'being decided' : rec.status}`);
  return rec;
}

/** ACCEPT: the proposal becomes a new protocol configuration version (audited). */
export async function acceptRecommendation(prisma: PrismaClient, id: string, d: { by: string; reason: string }): Promise<{ id: string; status: 'ACCEPTED'; version: number; previousVersion: number }> {
  const { by, reason } = decisionSchema.parse(d);
  const rec = await claim(prisma, id, 'ACCEPTED', by, reason);
  let applied: { version: number; previousVersion: number };
  try {
    applied = await applyRecommendation(prisma, { id, proposedConfig: rec.proposedConfig as ProposedConfig }, by, reason);
  } catch (e) {
    await revertDecision(prisma, id);
    await writeAudit(prisma, { actor: by, action: 'RECOMMENDATION_ACCEPTED', target: id, outcome: 'FAILED', detail: { reason, error: (e as Error).message } });
    throw new RecommendationError('INVALID_CONFIG', `recommendation ${id} could not be applied: ${(e as Error).message}`);
  }
  await setAppliedVersion(prisma, id, applied.version);
  await writeAudit(prisma, { actor: by, action: 'RECOMMENDATION_ACCEPTED', target: id, outcome: 'OK', detail: { reason, version: applied.version, previous_version: applied.previousVersion } });
  return { id, status: 'ACCEPTED', ...applied };
}

/** DISMISS: recorded and audited; the configuration is not touched. */
export async function dismissRecommendation(prisma: PrismaClient, id: string, d: { by: string; reason: string }): Promise<{ id: string; status: 'DISMISSED' }> {
  const { by, reason } = decisionSchema.parse(d);
  await claim(prisma, id, 'DISMISSED', by, reason);
  await writeAudit(prisma, { actor: by, action: 'RECOMMENDATION_DISMISSED', target: id, outcome: 'OK', detail: { reason } });
  return { id, status: 'DISMISSED' };
}
