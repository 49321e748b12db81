/**
 * Operator routes for the protocol configuration as data, under /api/v1/operator/config:
 *   GET  /            the configuration in force (?family=&account=) and its version
 *   GET  /history     every version, newest first: who, when, why
 *   GET  /diff        ?from=&to= what changed (default: the latest change)
 *   POST /            { reason, config? | set?: { "accounts.GEN.deltaMin": 0.3, … }, family_id?, account_id? }
 * The actor is the X-Operator header (else "operator"). A change that does not validate is a 400
 * listing every problem; nothing is written.
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { currentProtocolConfig, protocolConfigDiff, protocolConfigHistory, setProtocolConfig, type ConfigScope } from '../db/protocolConfig';
import type { PrismaClient } from '../db/client';
import { applyAssignments, parseAssignment } from '../domain/configChange';
import { ProtocolConfigError } from '../domain/config';
import { validationFailed } from './errors';

const id = z.string().min(1).max(100);
const scopeQuery = z.object({ family: id.optional(), account: id.optional() });
const version = z.coerce.number().int().min(0).max(1e9);
const diffQuery = scopeQuery.extend({ from: version.optional(), to: version.optional() });
const setBody = z
  .object({
    reason: z.string().trim().min(1).max(500),
    config: z.record(z.string(), z.unknown()).optional(),
    set: z.record(z.string().max(200), z.unknown()).optional(),
    family_id: id.optional(),
    account_id: id.optional(),
  })
  .strict()
  .refine((b) => b.config !== undefined || (b.set !== undefined && Object.keys(b.set).length > 0), { message: 'give config or set', path: ['set'] });

function parse<T>(schema: z.ZodType<T>, v: unknown): T {
  const r = schema.safeParse(v);
  if (!r.success) throw validationFailed(r.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })));
  return r.data;
}
const scopeOf = (family?: string, account?: string): ConfigScope => ({ ...(family ? { familyId: family } : {}), ...(account ? { accountId: account } : {}) });
const actorOf = (req: Request) => `operator:${(req.header('x-operator') ?? 'operator').slice(0, 100)}`;

export function protocolConfigRouter(deps: { prisma: PrismaClient }): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    const q = parse(scopeQuery, req.query);
    res.json(await currentProtocolConfig(deps.prisma, scopeOf(q.family, q.account)));
  });
  r.get('/history', async (req, res) => {
    const q = parse(scopeQuery, req.query);
    const scope = scopeOf(q.family, q.account);
    res.json({ versions: await protocolConfigHistory(deps.prisma, scope.familyId || scope.accountId ? scope : undefined) });
  });
  r.get('/diff', async (req, res) => {
    const q = parse(diffQuery, req.query);
    res.json(await protocolConfigDiff(deps.prisma, { from: q.from, to: q.to, scope: scopeOf(q.family, q.account) }));
  });
  r.post('/', async (req, res) => {
    const b = parse(setBody, req.body);
    const scope = scopeOf(b.family_id, b.account_id);
    const overrides = scope.familyId || scope.accountId;
    let assignments;
    try {
      assignments = Object.entries(b.set ?? {}).map(([k, v]) => ({ ...parseAssignment(`${k}=0`), value: v }));
    } catch (err) {
      throw validationFailed([{ field: 'set', message: (err as Error).message }]);
    }
    const base = b.config ?? (overrides ? ((await protocolConfigHistory(deps.prisma, scope, 1))[0]?.config ?? {}) : (await currentProtocolConfig(deps.prisma)).config);
    try {
      const out = await setProtocolConfig(deps.prisma, { config: applyAssignments(base, assignments), actor: actorOf(req), reason: b.reason, scope });
      res.status(201).json(out);
    } catch (err) {
      if (err instanceof ProtocolConfigError)
        throw validationFailed(
          err.issues.map((i) => ({ field: i.slice(0, i.indexOf(':')), message: i.slice(i.indexOf(':') + 2) })),
          'the configuration does not validate; nothing was changed',
        );
      throw err;
    }
  });
  return r;
}
