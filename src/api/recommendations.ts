/**
 * Operator routes of the feedback loop, mounted at /api/v1/operator/recommendations behind
 * operatorAuth: list and show recommendations, accept (a new protocol configuration version)
 * or dismiss (nothing changes). The deciding operator is the authenticated identity
 * (X-Operator); both decisions are audited.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../db/client';
import { getRecommendation, listRecommendations } from '../db/feedback';
import type { Logger } from '../logger';
import { acceptRecommendation, dismissRecommendation, RecommendationError } from '../feedback/recommendations';
import { ApiError, notFound, requestIdOf } from './errors';

const parse = <T extends z.ZodType>(schema: T, v: unknown): z.output<T> => {
  const r = schema.safeParse(v ?? {});
  if (!r.success) throw new ApiError(400, 'VALIDATION_FAILED', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
};
const id = z.string().regex(/^[\w.:-]{1,128}$/);
const decision = z.object({ reason: z.string().trim().min(1).max(1000) }).strict();
const listQuery = z.object({ status: z.enum(['PROPOSED', 'ACCEPTED', 'DISMISSED']).optional() });

function asApiError(e: unknown): never {
  if (e instanceof RecommendationError) throw new ApiError(e.code === 'NOT_FOUND' ? 404 : e.code === 'ALREADY_DECIDED' ? 409 : 422, e.code, e.message);
  throw e;
}

export function recommendationsRouter(d: { prisma: PrismaClient; logger: Logger }): Router {
  const r = Router();
  const actor = (res: Response) => res.locals.operator as string;
  r.get('/', async (req, res) => {
    const q = parse(listQuery, req.query);
    res.json({ recommendations: await listRecommendations(d.prisma, q.status) });
  });
  r.get('/:id', async (req, res) => {
    const rec = await getRecommendation(d.prisma, parse(id, req.params.id));
    if (!rec) throw notFound(`recommendation ${String(req.params.id)}`);
    res.json(rec);
  });
  r.post('/:id/accept', async (req, res) => {
    const b = parse(decision, req.body);
    const out = await acceptRecommendation(d.prisma, parse(id, req.params.id), { by: actor(res), reason: b.reason }).catch(asApiError);
    d.logger.warn('recommendation accepted', { request_id: requestIdOf(res), actor: actor(res), id: out.id, version: out.version });
    res.json(out);
  });
  r.post('/:id/dismiss', async (req, res) => {
    const b = parse(decision, req.body);
    const out = await dismissRecommendation(d.prisma, parse(id, req.params.id), { by: actor(res), reason: b.reason }).catch(asApiError);
    d.logger.info('recommendation dismissed', { request_id: requestIdOf(res), actor: actor(res), id: out.id });
    res.json(out);
  });
  return r;
}
