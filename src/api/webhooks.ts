/**
 * STAR-LAB webhook endpoints (docs/WEBHOOKS.md), scope `read`: a client registers, lists and
 * removes its own endpoints. The signing secret is in the creation answer only.
 */
import { Router, type Request, type Response } from 'express';
import { webhookCreatedSchema, webhookCreateSchema, webhookListSchema } from '../contracts/webhookApi';
import { writeAudit } from '../db/audit';
import type { PrismaClient } from '../db/client';
import { createWebhookEndpoint, listWebhookEndpoints, removeWebhookEndpoint } from '../db/webhooks';
import { requireScope } from './auth';
import { caller } from './clientContext';
import { notFound, validationFailed } from './errors';

const MAX_ENDPOINTS = 10;

export function webhooksRouter({ prisma }: { prisma: PrismaClient }): Router {
  const r = Router();
  r.use(requireScope('read', prisma));

  r.post('/', async (req: Request, res: Response) => {
    const parsed = webhookCreateSchema.safeParse(req.body);
    if (!parsed.success) throw validationFailed(parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })));
    const client = caller(res);
    if ((await listWebhookEndpoints(prisma, client.name)).length >= MAX_ENDPOINTS) throw validationFailed([{ field: 'url', message: `at most ${MAX_ENDPOINTS} endpoints per client` }]);
    const created = await createWebhookEndpoint(prisma, { clientName: client.name, url: parsed.data.url, createdBy: client.name });
    await writeAudit(prisma, { actor: client.name, action: 'WEBHOOK_REGISTERED', target: created.id, outcome: 'OK', detail: { url: created.url, ip: req.ip } });
    res.status(201).json(webhookCreatedSchema.parse(created));
  });

  r.get('/', async (_req: Request, res: Response) => {
    res.json(webhookListSchema.parse({ endpoints: await listWebhookEndpoints(prisma, caller(res).name) }));
  });

  r.delete('/:id', async (req: Request, res: Response) => {
    const client = caller(res);
    const id = String(req.params.id);
    if (!(await removeWebhookEndpoint(prisma, id, client.name))) throw notFound('webhook endpoint');
    await writeAudit(prisma, { actor: client.name, action: 'WEBHOOK_REMOVED', target: id, outcome: 'OK', detail: { ip: req.ip } });
    res.status(204).end();
  });
  return r;
}
