/**
 * Operator route for reconciliation reports (behind the operator token, mounted in app.ts):
 *   GET /api/v1/operator/reconciliation           the latest runs (summaries)
 *   GET /api/v1/operator/reconciliation/latest    the latest report (JSON, or ?format=html)
 *   GET /api/v1/operator/reconciliation/:id       one report
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../db/client';
import { getRun, latestRun, listRuns, type StoredRun } from '../db/books';
import { reconciliationHtml } from '../reports/reconciliation';
import { notFound, validationFailed } from './errors';

const query = z.object({ format: z.enum(['json', 'html']).default('json') }).strict();
const idParam = z.string().regex(/^[\w:.\-+]{1,200}$/);

export function reconciliationRouter(d: { prisma: PrismaClient }): Router {
  const r = Router();
  const send = (req: Request, res: Response, run: StoredRun | null, what: string) => {
    const q = query.safeParse(req.query);
    if (!q.success) throw validationFailed([{ field: 'format', message: 'json or html' }]);
    if (!run) throw notFound(what);
    if (q.data.format === 'html') res.type('html').send(reconciliationHtml(run.body));
    else res.json({ ...run, body: undefined, report: run.body });
  };
  r.get('/', async (_req, res) => {
    res.json({ runs: await listRuns(d.prisma) });
  });
  r.get('/latest', async (req, res) => send(req, res, await latestRun(d.prisma), 'reconciliation report (none has run yet)'));
  r.get('/:id', async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw validationFailed([{ field: 'id', message: 'not a reconciliation id' }]);
    send(req, res, await getRun(d.prisma, id.data), `reconciliation ${id.data}`);
  });
  return r;
}
