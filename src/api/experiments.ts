/**
 * Operator routes of A/B experiments, mounted at /api/v1/operator/experiments behind operatorAuth
 * (the acting operator is X-Operator; every change is audited):
 *   GET /            list            POST /          create (body: src/feedback/abArms.ts schema)
 *   GET /:id         the comparison  POST /:id/stop  {reason}: end it, previous configurations back
 * Errors: 400 VALIDATION_FAILED / BAD_REQUEST, 404 NOT_FOUND, 409 ALREADY_EXISTS / FAMILY_UNAVAILABLE /
 * NOT_RUNNING, 422 INVALID_CONFIG / SHADOW_NEEDS_SIMULATOR.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../db/client';
import { listExperiments } from '../db/experiments';
import type { Logger } from '../logger';
import { createExperiment, ExperimentError, showExperiment, stopExperiment } from '../feedback/experiments';
import { ApiError, requestIdOf } from './errors';

const id = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/);
const stopBody = z.object({ reason: z.string().trim().min(1).max(1000) }).strict();
const STATUS: Record<ExperimentError['code'], number> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FAMILY_UNAVAILABLE: 409,
  NOT_RUNNING: 409,
  INVALID_CONFIG: 422,
  SHADOW_NEEDS_SIMULATOR: 422,
};

function asApiError(e: unknown): never {
  if (e instanceof ExperimentError) throw new ApiError(STATUS[e.code], e.code, e.message);
  throw e;
}
const parse = <T extends z.ZodType>(schema: T, v: unknown): z.output<T> => {
  const r = schema.safeParse(v ?? {});
  if (!r.success) throw new ApiError(400, 'VALIDATION_FAILED', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
};

export function experimentsRouter(d: { prisma: PrismaClient; logger: Logger; brokerIsSimulator: boolean }): Router {
  const r = Router();
  const actor = (res: Response) => res.locals.operator as string;
  r.get('/', async (_req, res) => {
    res.json({ experiments: await listExperiments(d.prisma) });
  });
  r.post('/', async (req, res) => {
    const row = await createExperiment(d.prisma, req.body, actor(res), { brokerIsSimulator: d.brokerIsSimulator }).catch(asApiError);
    d.logger.warn('experiment created', { request_id: requestIdOf(res), actor: actor(res), id: row.id, arms: row.arms.map((a) => `${a.arm}:${a.familyId}`) });
    res.status(201).json(row);
  });
  r.get('/:id', async (req, res) => {
    res.json(await showExperiment(d.prisma, parse(id, req.params.id), actor(res)).catch(asApiError));
  });
  r.post('/:id/stop', async (req, res) => {
    const b = parse(stopBody, req.body);
    const out = await stopExperiment(d.prisma, parse(id, req.params.id), actor(res), b.reason).catch(asApiError);
    d.logger.warn('experiment stopped', { request_id: requestIdOf(res), actor: actor(res), id: out.id });
    res.json(out);
  });
  return r;
}
