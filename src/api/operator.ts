/**
 * The operator API, /api/v1/operator/*: kill switch, reduce-only, accounts, instructions and
 * reports. Authenticated apart from STAR-LAB clients, by one shared bearer token (OPERATOR_TOKEN)
 * compared in constant time. No token configured = the operator API is off (503), on purpose:
 * a halt switch reachable without credentials is worse than none; `npm run ops` still works.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Client } from '@temporalio/client';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { controlStatus, haltTrading, resumeTrading, setReduceOnlyMode } from '../control';
import type { PrismaClient } from '../db/client';
import { listAccounts, listInstructions, showAccount, showInstruction } from '../db/operator';
import type { Logger } from '../logger';
import { computeReport, type Report } from '../reports/compute';
import { findReport, listReports, loadReportInput, produceReport } from '../reports/load';
import { DATE_RE, periodOf } from '../reports/period';
import { reportCsv, reportHtml } from '../reports/render';
import { ApiError, notFound, requestIdOf } from './errors';
import { writeAudit } from '../db/audit';

export interface OperatorDeps {
  temporal: Client;
  prisma: PrismaClient;
  logger: Logger;
  /** Unset: every operator endpoint answers 503 OPERATOR_AUTH_NOT_CONFIGURED. */
  token?: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether the request carries the operator bearer token (constant-time); false when none is configured. */
export function hasOperatorToken(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return false;
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return !!m && timingSafeEqual(digest(m[1]!), digest(token));
}

export function operatorAuth(token: string | undefined, logger: Logger, prisma?: PrismaClient): RequestHandler {
  // Comparing digests: equal lengths for timingSafeEqual, and the token's length does not leak.
  const want = token ? digest(token) : undefined;
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!want) return next(new ApiError(503, 'OPERATOR_AUTH_NOT_CONFIGURED', 'the operator API is disabled: set OPERATOR_TOKEN (at least 24 characters) and restart; `npm run ops` works without it'));
    const m = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '');
    if (!m || !timingSafeEqual(digest(m[1]!), want)) {
      logger.warn('operator authentication failed', { request_id: requestIdOf(res), ip: req.ip, path: req.path });
      // Audited like STAR-LAB's denials (the compliance report lists them); never the presented token.
      if (prisma)
        await writeAudit(
          prisma,
          {
            actor: 'anonymous',
            action: 'OPERATOR_AUTH_DENIED',
            target: req.originalUrl.split('?')[0]!.slice(0, 200),
            outcome: 'DENIED',
            detail: { code: 'OPERATOR_UNAUTHORIZED', ip: req.ip, method: req.method, request_id: requestIdOf(res) },
          },
          (e) => logger.error('audit write failed', { err: e }),
        );
      return next(new ApiError(401, 'OPERATOR_UNAUTHORIZED', 'missing or wrong operator bearer token', undefined, { 'WWW-Authenticate': 'Bearer realm="operator"' }));
    }
    const name = req.header('x-operator');
    res.locals.operator = `operator:${name && /^[\w.@-]{1,64}$/.test(name) ? name : 'api'}`;
    next();
  };
}

const parse = <T extends z.ZodType>(schema: T, v: unknown): z.output<T> => {
  const r = schema.safeParse(v ?? {});
  if (!r.success) throw new ApiError(400, 'VALIDATION_FAILED', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
};
const scope = z
  .string()
  .regex(/^(global|account:[\w:.-]+|segment:[\w:.-]+)$/)
  .optional();
const haltBody = z.object({ reason: z.string().max(500).optional(), cancel_open: z.boolean().optional(), scope }).strict();
const resumeBody = z.object({ reason: z.string().max(500).optional(), scope }).strict();
const reduceBody = z.object({ enabled: z.boolean(), reason: z.string().max(500).optional(), scope }).strict();
const rangeBody = z.object({ from: z.string().regex(DATE_RE), to: z.string().regex(DATE_RE), format: z.enum(['json', 'html', 'csv']).optional() }).strict();
const format = z.enum(['json', 'html', 'csv']).default('json');

export function sendReport(res: Response, r: Report, fmt: 'json' | 'html' | 'csv'): void {
  const name = `all-use-${r.kind}-${r.from}_${r.to}`;
  if (fmt === 'csv') res.type('text/csv').setHeader('Content-Disposition', `attachment; filename="${name}.csv"`).send(reportCsv(r));
  // The page has inline styles and SVG only: a CSP with no script source at all.
  else if (fmt === 'html') res.type('html').setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:").send(reportHtml(r));
  else res.json(r);
}

export function operatorRouter(d: OperatorDeps): Router {
  const r = Router();
  const deps = { prisma: d.prisma, temporal: d.temporal };
  r.use(operatorAuth(d.token, d.logger, d.prisma));
  r.use(express.json({ limit: '16kb' }));
  const actor = (res: Response) => res.locals.operator as string;

  r.get('/status', async (_req, res) => {
    res.json(await controlStatus(deps));
  });
  r.post('/halt', async (req, res) => {
    const b = parse(haltBody, req.body);
    if (b.cancel_open && b.scope && b.scope !== 'global') throw new ApiError(400, 'VALIDATION_FAILED', 'cancel_open applies to a global halt only');
    const out = await haltTrading(deps, { actor: actor(res), reason: b.reason, scope: b.scope, cancelOpen: b.cancel_open });
    d.logger.warn('trading halted', { request_id: requestIdOf(res), actor: actor(res), scope: out.control.scope, reason: out.control.reason, cancelled: out.cancelled?.length ?? 0 });
    res.json(out);
  });
  r.post('/resume', async (req, res) => {
    const b = parse(resumeBody, req.body);
    const out = await resumeTrading(deps, { actor: actor(res), reason: b.reason, scope: b.scope });
    d.logger.warn('trading resumed', { request_id: requestIdOf(res), actor: actor(res), scope: out.control.scope });
    res.json(out);
  });
  r.post('/reduce-only', async (req, res) => {
    const b = parse(reduceBody, req.body);
    res.json(await setReduceOnlyMode(deps, { actor: actor(res), on: b.enabled, reason: b.reason, scope: b.scope }));
  });

  r.get('/accounts', async (_req, res) => {
    res.json({ families: await listAccounts(d.prisma) });
  });
  r.get('/accounts/:id', async (req, res) => {
    const a = await showAccount(d.prisma, req.params.id);
    if (!a) throw notFound(`account ${String(req.params.id)}`);
    res.json(a);
  });
  r.get('/instructions', async (req, res) => {
    const q = parse(
      z.object({ status: z.string().max(30).optional(), strategy: z.string().max(100).optional(), source: z.string().max(20).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
      req.query,
    );
    res.json({ instructions: await listInstructions(d.prisma, q) });
  });
  r.get('/instructions/:id', async (req, res) => {
    const i = await showInstruction(d.prisma, req.params.id);
    if (!i) throw notFound(`instruction ${String(req.params.id)}`);
    res.json(i);
  });

  r.get('/reports', async (_req, res) => {
    res.json({ reports: await listReports(d.prisma) });
  });
  r.get('/reports/:kind/:date', async (req, res) => {
    const kind = parse(z.enum(['daily', 'weekly']), req.params.kind);
    const fmt = parse(format.optional(), req.query.format) ?? 'json'; // parse() maps undefined to {}: give the default here
    let period: { from: string; to: string };
    try {
      period = periodOf(kind, String(req.params.date));
    } catch (err) {
      throw new ApiError(400, 'VALIDATION_FAILED', (err as Error).message);
    }
    // The stored report is what the schedule produced; a period not yet produced is computed (not stored).
    const report = (await findReport(d.prisma, kind, period.from, period.to)) ?? computeReport(await loadReportInput(d.prisma, kind, period.from, period.to));
    sendReport(res, report, fmt);
  });
  r.post('/reports', async (req, res) => {
    const b = parse(rangeBody, req.body);
    if (b.from > b.to) throw new ApiError(400, 'VALIDATION_FAILED', 'from must not be after to');
    sendReport(res, await produceReport(d.prisma, 'range', b.from, b.to), b.format ?? 'json');
  });
  return r;
}
