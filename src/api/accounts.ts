/**
 * Operator interface of the Protocol Engine: account families (create with a lump sum, read
 * their accounts, forks, ledger, positions and week types) and the on-demand weekly cycle
 * (backfill over a date range). Thin routes: zod → one repository or Temporal call → respond.
 * Authentication: app.ts mounts it behind the ops engineer's operator bearer token
 * (operatorAuth). TODO(ops): per-operator identities/roles once ops adds them.
 */
import type { Client } from '@temporalio/client';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { isoDate } from '../contracts/instruction';
import { accountPositions, FamilyConflictError, getFamily, listFamilies, openFamily, type FamilyView } from '../db/accounts';
import type { PrismaClient } from '../db/client';
import { ledgerOf } from '../db/ledger';
import { weekTypesOf } from '../db/weekTypes';
import { DEFAULT_PROTOCOL, type ProtocolConfig } from '../domain/config';
import { fromDecimal, toDecimal } from '../domain/money';
import type { Logger } from '../logger';
import { WEEKLY_CYCLE_RUN_WORKFLOW, weeklyRunWorkflowId, type WeeklyCycleRunWorkflow } from '../contracts/workflows/weeklyCycleRun';
import { ApiError, notFound, validationFailed } from './errors';

export interface OperatorDeps {
  temporal: Client;
  prisma: PrismaClient;
  taskQueue: string;
  logger: Logger;
  protocol?: ProtocolConfig;
}

export const createFamilySchema = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'letters, digits, _ and - (1-40, starting with a letter)'),
    lump_sum: z.union([z.number(), z.string().regex(/^\d+(\.\d{1,2})?$/, 'dollars with at most 2 decimals')]).refine((v) => {
      try {
        const c = fromDecimal(v);
        return c > 0 && c <= 1e15; // up to $10 trillion, in exact cents
      } catch {
        return false;
      }
    }, 'positive dollars with at most 2 decimals'),
  })
  .strict();
export const cycleRunSchema = z
  .object({
    from: isoDate,
    to: isoDate,
    reprice_after_ms: z.number().int().min(100).max(3_600_000).optional(),
    market_clock: z.enum(['wall', 'broker']).optional(),
    family_ids: z.array(z.string().min(1).max(100)).min(1).max(1000).optional(),
  })
  .strict()
  .refine((b) => b.from <= b.to, { message: 'from must not be after to', path: ['from'] });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw validationFailed(r.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })));
  return r.data;
}

const dollars = (c: number) => toDecimal(c);
const familyBody = (f: FamilyView, forks: string[] = []) => ({
  id: f.id,
  name: f.name,
  parent_family_id: f.parentFamilyId,
  status: f.status,
  created_at: f.createdAt,
  forks,
  accounts: f.accounts.map((a) => ({ id: a.id, kind: a.kind, status: a.status, base: dollars(a.baseCents), cash: dollars(a.cashCents) })),
});

async function familyOr404(prisma: PrismaClient, req: Request): Promise<FamilyView> {
  const f = await getFamily(prisma, String(req.params.family));
  if (!f) throw notFound(`account family ${String(req.params.family)}`);
  return f;
}

export function accountsRouter({ prisma, logger, protocol = DEFAULT_PROTOCOL }: OperatorDeps): Router {
  const r = Router();
  r.post('/', async (req, res) => {
    const b = parse(createFamilySchema, req.body);
    try {
      const { family, created } = await openFamily(prisma, { id: b.name, name: b.name, lumpSumCents: fromDecimal(b.lump_sum), protocol });
      logger.info('account family opened', { family: family.id, created });
      res.status(created ? 201 : 200).json(familyBody(family));
    } catch (err) {
      if (err instanceof FamilyConflictError) throw new ApiError(409, 'FAMILY_EXISTS', err.message);
      throw err;
    }
  });
  r.get('/', async (_req, res) => {
    const all = await listFamilies(prisma);
    res.json({
      families: all.map((f) =>
        familyBody(
          f,
          all.filter((x) => x.parentFamilyId === f.id).map((x) => x.id),
        ),
      ),
    });
  });
  r.get('/:family', async (req, res, next) => {
    const f = await getFamily(prisma, String(req.params.family));
    if (!f) return next(); // not a family: maybe an account id (the ops router's per-account view)
    const forks = (await listFamilies(prisma)).filter((x) => x.parentFamilyId === f.id).map((x) => x.id);
    const positions = await accountPositions(
      prisma,
      f.accounts.map((a) => a.id),
    );
    res.json({
      ...familyBody(f, forks),
      positions: positions.map((p) => ({
        account_id: p.accountId,
        symbol: p.symbol,
        sec_type: p.secType,
        expiry: p.expiry || null,
        strike: p.secType === 'OPT' ? dollars(p.strikeCents) : null,
        right: p.right || null,
        quantity: p.quantity,
        avg_price: p.avgPrice,
      })),
    });
  });
  r.get('/:family/ledger', async (req, res) => {
    const f = await familyOr404(prisma, req);
    const entries = await ledgerOf(prisma, f.id);
    res.json({ family_id: f.id, entries: entries.map((e) => ({ key: e.key, reason: e.reason, from: e.from, to: e.to, amount: dollars(e.amountCents), week: e.week, created_at: e.createdAt })) });
  });
  r.get('/:family/week_types', async (req, res) => {
    const f = await familyOr404(prisma, req);
    const rows = await weekTypesOf(
      prisma,
      f.accounts.map((a) => a.id),
    );
    res.json({ family_id: f.id, week_types: rows.map((w) => ({ account_id: w.accountId, symbol: w.symbol, week: w.week, type: w.type })) });
  });
  return r;
}

/** POST /run {from, to}: the weekly cycle for every open family, week by week (backfill). */
export function cycleRouter({ temporal, taskQueue, logger }: OperatorDeps): Router {
  const r = Router();
  r.post('/run', async (req, res) => {
    const b = parse(cycleRunSchema, req.body);
    const workflowId = weeklyRunWorkflowId(b.from, b.to, b.family_ids);
    const h = await temporal.workflow.start<WeeklyCycleRunWorkflow>(WEEKLY_CYCLE_RUN_WORKFLOW, {
      workflowId,
      taskQueue,
      args: [{ from: b.from, to: b.to, familyIds: b.family_ids, repriceAfterMs: b.reprice_after_ms, marketClock: b.market_clock }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    logger.info('weekly cycle run started', { workflowId, from: b.from, to: b.to });
    res.status(202).json({ workflow_id: workflowId, run_id: h.firstExecutionRunId, from: b.from, to: b.to });
  });
  return r;
}
