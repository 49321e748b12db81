/**
 * Operator routes of issue 18, behind the operator token (mounted after operatorAuth in app.ts):
 *   GET  /audit                          audit log, filtered, paginated (opaque cursor); ?format=csv
 *   GET  /notifications                  validated-strategy notifications; POST /notifications/{id}/accept|dismiss
 *   GET  /webhooks, /webhooks/deliveries STAR-LAB endpoints and deliveries (?dead=true: dead letters);
 *   POST /webhooks/deliveries/{id}/redeliver  send a dead letter again
 *   GET  /compliance                     the risk and compliance report for ?from=&to= (json|csv|html)
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { auditBound, auditCsv, BadCursorError, queryAudit } from '../db/audit';
import type { PrismaClient } from '../db/client';
import { decideNotification, queryNotifications } from '../db/notifications';
import { listDeliveries, listWebhookEndpoints, requeueDeadDelivery } from '../db/webhooks';
import { writeAudit } from '../db/audit';
import { dispatchWebhooks } from '../webhooks/dispatch';
import type { Client } from '@temporalio/client';
import type { Logger } from '../logger';
import { complianceCsv, complianceHtml } from '../reports/complianceRender';
import { produceComplianceReport } from '../reports/compliance';
import { DATE_RE } from '../reports/period';
import { ApiError, notFound } from './errors';

const parse = <T extends z.ZodType>(schema: T, v: unknown): z.output<T> => {
  const r = schema.safeParse(v ?? {});
  if (!r.success) throw new ApiError(400, 'VALIDATION_FAILED', r.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
  return r.data;
};
const bound = (end: boolean) =>
  z
    .string()
    .max(40)
    .transform((v, ctx) => {
      try {
        return auditBound(v, end);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });
const text = (max: number) => z.string().min(1).max(max);
const limit = z.coerce.number().int().min(1).max(1000).optional();
const cursor = z.string().max(500).optional();

const auditQuery = z
  .object({
    from: bound(false).optional(),
    to: bound(true).optional(),
    actor: text(100).optional(),
    action: text(50).optional(),
    target: text(200).optional(),
    outcome: text(20).optional(),
    limit,
    cursor,
    format: z.enum(['json', 'csv']).optional(),
  })
  .strict();
const notificationsQuery = z.object({ status: z.enum(['NEW', 'ACCEPTED', 'DISMISSED']).optional(), client: text(100).optional(), limit, cursor }).strict();
const decideBody = z
  .object({
    reason: text(1000),
    by: z
      .string()
      .regex(/^[\w.@-]{1,64}$/)
      .optional(),
  })
  .strict();
const deliveriesQuery = z
  .object({ status: z.enum(['PENDING', 'DELIVERED', 'DEAD']).optional(), dead: z.enum(['true', 'false']).optional(), client: text(100).optional(), instruction: text(100).optional(), limit })
  .strict();
const complianceQuery = z.object({ from: z.string().regex(DATE_RE), to: z.string().regex(DATE_RE), format: z.enum(['json', 'csv', 'html']).optional() }).strict();

export function operatorExtrasRouter({ prisma, temporal, taskQueue }: { prisma: PrismaClient; logger: Logger; temporal: Client; taskQueue: string }): Router {
  const r = Router();
  const actor = (res: Response) => res.locals.operator as string;

  r.get('/audit', async (req, res) => {
    const q = parse(auditQuery, req.query);
    let page;
    try {
      page = await queryAudit(prisma, q);
    } catch (err) {
      if (err instanceof BadCursorError) throw new ApiError(400, 'VALIDATION_FAILED', `cursor: ${err.message}`);
      throw err;
    }
    if (q.format === 'csv') {
      if (page.next_cursor) res.setHeader('X-Next-Cursor', page.next_cursor);
      res.type('text/csv').send(auditCsv(page.items));
      return;
    }
    res.json(page);
  });

  r.get('/notifications', async (req, res) => {
    const q = parse(notificationsQuery, req.query);
    try {
      res.json(await queryNotifications(prisma, { status: q.status, clientName: q.client, limit: q.limit, cursor: q.cursor }));
    } catch (err) {
      throw new ApiError(400, 'VALIDATION_FAILED', (err as Error).message);
    }
  });
  for (const [verb, decision] of [
    ['accept', 'ACCEPTED'],
    ['dismiss', 'DISMISSED'],
  ] as const) {
    r.post(`/notifications/:id/${verb}`, async (req, res) => {
      const b = parse(decideBody, req.body);
      const out = await decideNotification(prisma, String(req.params.id), { decision, by: b.by ? `operator:${b.by}` : actor(res), reason: b.reason });
      if (!out.ok && out.code === 'NOT_FOUND') throw notFound('notification');
      if (!out.ok) throw new ApiError(409, 'ALREADY_DECIDED', `notification is already ${out.status ?? 'decided'}`);
      res.json(out.item);
    });
  }

  r.get('/webhooks', async (_req, res) => {
    res.json({ endpoints: await listWebhookEndpoints(prisma) });
  });
  r.get('/webhooks/deliveries', async (req, res) => {
    const q = parse(deliveriesQuery, req.query);
    res.json({ items: await listDeliveries(prisma, { status: q.dead === 'true' ? 'DEAD' : q.status, client: q.client, instructionId: q.instruction, limit: q.limit }) });
  });

  // A dead letter sent again (e.g. after the receiver is fixed); it may arrive after later events: receivers order by `sequence`.
  r.post('/webhooks/deliveries/:id/redeliver', async (req, res) => {
    const id = String(req.params.id);
    const targets = await requeueDeadDelivery(prisma, id);
    if (!targets) throw new ApiError(409, 'NOT_DEAD_LETTERED', `delivery ${id} is unknown or not dead-lettered`);
    await dispatchWebhooks(temporal, taskQueue, targets);
    await writeAudit(prisma, { actor: actor(res), action: 'WEBHOOK_REDELIVERED', target: id, outcome: 'OK' });
    res.json({ id, status: 'PENDING' });
  });

  r.get('/compliance', async (req, res) => {
    const q = parse(complianceQuery, req.query);
    if (q.from > q.to) throw new ApiError(400, 'VALIDATION_FAILED', 'from must not be after to');
    const rep = await produceComplianceReport(prisma, q.from, q.to, false);
    const fmt = q.format ?? 'json';
    if (fmt === 'csv') res.type('text/csv').setHeader('Content-Disposition', `attachment; filename="all-use-compliance-${q.from}_${q.to}.csv"`).send(complianceCsv(rep));
    else if (fmt === 'html') res.type('html').setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:").send(complianceHtml(rep));
    else res.json(rep);
  });
  return r;
}
