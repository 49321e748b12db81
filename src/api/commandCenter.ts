/**
 * Read endpoints of the command center (the web UI in ui/, served at /ui), mounted by app.ts at
 * /api/v1/operator/cc behind the operator bearer token. They only read: the steering goes
 * through the operator API's own routes (halt, resume, reduce-only, cycle run). The live
 * instruction list is a server-sent event stream fed by polling the database on a bounded
 * interval (one query per connection per interval; a connection cap bounds the total).
 */
import type { Client } from '@temporalio/client';
import Decimal from 'decimal.js';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Broker, MarketData } from '../contracts/broker';
import { describeConfig, loadConfig } from '../config';
import { listFamilies } from '../db/accounts';
import type { PrismaClient } from '../db/client';
import { allWeekTypes, familyTransfers, instructionFeed, openPositions, searchAudit, starlabOverview, type FeedRow } from '../db/commandCenter';
import { globalControl, listControls } from '../db/control';
import { listNotifications } from '../db/notifications';
import { DEFAULT_PROTOCOL, type ProtocolConfig } from '../domain/config';
import type { Logger } from '../logger';
import { withTimeout } from '../withTimeout';
import { monitorStateQuery, type PositionLevel } from '../contracts/workflows/positionMonitor';
import { ApiError, requestIdOf } from './errors';
import { weeklyCycleScheduleId } from './health';
import type { MarkProvider } from './marks';

export interface CommandCenterDeps {
  temporal: Client;
  prisma: PrismaClient;
  logger: Logger;
  broker?: Broker;
  marks: MarkProvider;
  /** The broker's market data: option greeks (delta, implied volatility) on the Positions page; absent = none shown. */
  marketData?: Pick<MarketData, 'optionQuote'>;
  /** The Temporal Web UI base URL (links from each instruction to its workflow); absent = TEMPORAL_UI_URL, else no links. */
  temporalUiUrl?: string;
  protocol?: ProtocolConfig;
  /** Live feed polling interval (default 1000 ms) and connection cap (default 50). */
  feedPollMs?: number;
  maxFeeds?: number;
}

const TEMPORAL_TIMEOUT_MS = 3000;

const parse = <T extends z.ZodType>(schema: T, v: unknown): z.output<T> => {
  const r = schema.safeParse(v ?? {});
  if (!r.success) throw new ApiError(400, 'VALIDATION_FAILED', r.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
  return r.data;
};

const multiplierOf = (secType: string) => (secType === 'OPT' ? 100 : 1);
const signature = (r: FeedRow) => `${r.status}|${r.orderStatus ?? ''}|${r.filledQuantity}|${r.updatedAt}`;

export function commandCenterRouter(d: CommandCenterDeps): Router {
  const r = Router();
  const protocol = d.protocol ?? DEFAULT_PROTOCOL;
  const namespace = d.temporal.options.namespace;
  const uiBase = (d.temporalUiUrl ?? process.env.TEMPORAL_UI_URL ?? '').replace(/\/+$/, '') || null;
  const workflowUrl = (workflowId: string) => (uiBase ? `${uiBase}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}` : null);
  const pollMs = d.feedPollMs ?? 1000;
  const maxFeeds = d.maxFeeds ?? 50;
  let feeds = 0;

  /** Last and next run of the weekly-cycle schedule; null fields when Temporal does not answer in time. */
  async function cycleInfo() {
    try {
      const desc = await withTimeout(d.temporal.schedule.getHandle(weeklyCycleScheduleId()).describe(), TEMPORAL_TIMEOUT_MS, 'Temporal schedule');
      const last = desc.info.recentActions.at(-1);
      return {
        scheduleId: desc.scheduleId,
        paused: desc.state.paused,
        lastRunAt: last?.takenAt.toISOString() ?? null,
        lastWorkflowId: last?.action.workflow.workflowId ?? null,
        nextRunAt: desc.info.nextActionTimes[0]?.toISOString() ?? null,
        error: null as string | null,
      };
    } catch (err) {
      return { scheduleId: weeklyCycleScheduleId(), paused: null, lastRunAt: null, lastWorkflowId: null, nextRunAt: null, error: (err as Error).message.split('\n')[0]!.slice(0, 200) };
    }
  }

  /** Protocol levels the running position monitors computed (the only place levels exist). */
  async function monitorLevels(): Promise<{ levels: PositionLevel[]; error: string | null }> {
    try {
      const ids: string[] = [];
      await withTimeout(
        (async () => {
          for await (const w of d.temporal.workflow.list({ query: `WorkflowType='positionMonitor' AND ExecutionStatus='Running'` })) {
            ids.push(w.workflowId);
            if (ids.length >= 200) break;
          }
        })(),
        TEMPORAL_TIMEOUT_MS,
        'Temporal visibility',
      );
      const states = await Promise.all(ids.map((id) => withTimeout(d.temporal.workflow.getHandle(id).query(monitorStateQuery), TEMPORAL_TIMEOUT_MS, 'position monitor query').catch(() => null)));
      return { levels: states.flatMap((s) => s?.levels ?? []), error: null };
    } catch (err) {
      return { levels: [], error: (err as Error).message.split('\n')[0]!.slice(0, 200) };
    }
  }

  r.get('/overview', async (_req, res) => {
    const [families, transfers, control, scopes, cycle, positions] = await Promise.all([
      listFamilies(d.prisma, undefined, { shadow: false }),
      familyTransfers(d.prisma),
      globalControl(d.prisma),
      listControls(d.prisma),
      cycleInfo(),
      openPositions(d.prisma),
    ]);
    // Equity = cash + open positions at their average price (the books; marks are on the Positions page).
    const atCost = new Map<string, Decimal>();
    for (const p of positions.filter((x) => x.ownerKind === 'ACCOUNT')) {
      atCost.set(p.ownerId, (atCost.get(p.ownerId) ?? new Decimal(0)).plus(new Decimal(p.avgPrice).times(p.quantity).times(multiplierOf(p.secType)).times(100)));
    }
    res.json({
      families: families.map((f) => ({
        ...f,
        accounts: f.accounts.map((a) => {
          const equityCents = new Decimal(a.cashCents)
            .plus(atCost.get(a.id) ?? 0)
            .toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN)
            .toNumber();
          const bufferShare = protocol.accounts[a.kind]?.cashBuffer ?? 0;
          return { ...a, equityCents, bufferCents: new Decimal(equityCents).times(bufferShare).toDecimalPlaces(0, Decimal.ROUND_CEIL).toNumber(), bufferShare };
        }),
      })),
      transfers,
      control: { global: control, scopes },
      broker: d.broker ? { connected: d.broker.isConnected() } : null,
      cycle,
      temporal: { namespace, uiUrl: uiBase },
    });
  });

  r.get('/positions', async (_req, res) => {
    const [rows, monitor] = await Promise.all([openPositions(d.prisma), monitorLevels()]);
    const levelOf = new Map(monitor.levels.map((l) => [`${l.accountId}|${l.symbol}|${l.expiry.replace(/-/g, '')}|${l.right}|${l.strikeCents}`, l]));
    const out = await Promise.all(
      rows.map(async (p) => {
        const strikeCents = new Decimal(p.strike).times(100).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toNumber();
        const lvl = p.ownerKind === 'ACCOUNT' ? levelOf.get(`${p.ownerId}|${p.symbol}|${p.expiry}|${p.right}|${strikeCents}`) : undefined;
        const mark = await d.marks.mark({ symbol: p.symbol, secType: p.secType as 'STK' | 'OPT', expiry: p.expiry, strike: p.strike, right: p.right }).catch(() => null);
        const unrealisedPnlCents = mark
          ? new Decimal(mark.price).minus(p.avgPrice).times(p.quantity).times(multiplierOf(p.secType)).times(100).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toNumber()
          : null;
        // Greeks from the broker's model (the simulator's too), bounded like the marks; none when it does not answer.
        const q =
          p.secType === 'OPT' && d.marketData && (p.right === 'C' || p.right === 'P')
            ? await withTimeout(d.marketData.optionQuote(p.symbol, p.expiry, Number(p.strike), p.right), 2000, 'option quote').catch(() => null)
            : null;
        const delta = q?.delta ?? (p.secType === 'STK' ? 1 : null);
        return {
          ...p,
          mark: mark?.price ?? null,
          markSource: mark?.source ?? null,
          unrealisedPnlCents,
          delta,
          positionDelta: delta === null ? null : Math.round(delta * p.quantity * multiplierOf(p.secType) * 100) / 100,
          iv: q?.iv ?? null,
          underlying: q?.underlying ?? null,
          level: lvl?.level ?? null,
          moveCents: lvl?.moveCents ?? null,
          atrCents: lvl?.atrCents ?? null,
        };
      }),
    );
    res.json({ positions: out, levelsFrom: 'running position monitors', levelsError: monitor.error });
  });

  r.get('/instructions/stream', async (req: Request, res: Response) => {
    if (feeds >= maxFeeds) throw new ApiError(503, 'TOO_MANY_STREAMS', `at most ${maxFeeds} live feeds at once`);
    feeds++;
    res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no', Connection: 'keep-alive' });
    res.flushHeaders();
    const seen = new Map<string, string>();
    const withLink = (row: FeedRow) => ({ ...row, workflowUrl: workflowUrl(row.workflowId) });
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    let lastBeat = Date.now();
    const close = () => {
      if (closed) return;
      closed = true;
      feeds--;
      clearTimeout(timer);
    };
    req.on('close', close);
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    let cursor = new Date();
    try {
      const first = await instructionFeed(d.prisma, { limit: 200 });
      for (const row of first) seen.set(row.id, signature(row));
      // Re-read from slightly before the newest row seen: rows committed late with an older timestamp are not missed (dedup by signature).
      cursor = first.reduce((m, x) => (new Date(x.updatedAt) > m ? new Date(x.updatedAt) : m), new Date(Date.now() - 5000));
      send('snapshot', { instructions: first.map(withLink) });
    } catch (err) {
      d.logger.error('command center feed failed', { err, request_id: requestIdOf(res) });
      send('error', { code: 'FEED_FAILED', message: 'could not read instructions' });
      close();
      res.end();
      return;
    }
    const tick = async () => {
      if (closed) return;
      try {
        const rows = await instructionFeed(d.prisma, { since: new Date(cursor.getTime() - 2000), limit: 500 });
        const changed = rows.filter((row) => seen.get(row.id) !== signature(row));
        for (const row of changed) {
          seen.set(row.id, signature(row));
          const t = new Date(row.updatedAt);
          if (t > cursor) cursor = t;
        }
        if (seen.size > 20_000) seen.clear(); // bounded; at worst a few rows are sent twice
        if (changed.length) send('instructions', { instructions: changed.map(withLink) });
        else if (Date.now() - lastBeat > 15_000) res.write(': keep-alive\n\n');
        lastBeat = Date.now();
      } catch (err) {
        d.logger.warn('command center feed poll failed', { err, request_id: requestIdOf(res) });
      }
      if (!closed) timer = setTimeout(() => void tick(), pollMs);
    };
    timer = setTimeout(() => void tick(), pollMs);
  });

  r.get('/weeks', async (_req, res) => {
    const [weekTypes, families] = await Promise.all([allWeekTypes(d.prisma), listFamilies(d.prisma, undefined, { shadow: false })]);
    const runs: { workflowId: string; type: string; status: string; startTime: string | null; closeTime: string | null; url: string | null }[] = [];
    let runsError: string | null = null;
    try {
      await withTimeout(
        (async () => {
          for await (const w of d.temporal.workflow.list({ query: `WorkflowType='weeklyCycleRun' OR WorkflowType='weeklyCycle'` })) {
            runs.push({
              workflowId: w.workflowId,
              type: w.type,
              status: w.status.name,
              startTime: w.startTime?.toISOString() ?? null,
              closeTime: w.closeTime?.toISOString() ?? null,
              url: workflowUrl(w.workflowId),
            });
            if (runs.length >= 100) break;
          }
        })(),
        TEMPORAL_TIMEOUT_MS,
        'Temporal visibility',
      );
    } catch (err) {
      runsError = (err as Error).message.split('\n')[0]!.slice(0, 200);
    }
    res.json({ accounts: families.flatMap((f) => f.accounts.map((a) => ({ id: a.id, familyId: f.id, kind: a.kind }))), weekTypes, runs, runsError });
  });

  r.get('/starlab', async (_req, res) => {
    const [overview, notifications] = await Promise.all([starlabOverview(d.prisma), listNotifications(d.prisma, { limit: 200 })]);
    res.json({ ...overview, notifications, notificationActions: false });
  });

  r.get('/config', (_req, res) => {
    let environment: string[] = [];
    try {
      environment = describeConfig(loadConfig(process.env));
    } catch {
      environment = ['(the environment does not validate: see the start log)'];
    }
    res.json({ protocol, environment, editable: false, note: 'editing, its diff and version history arrive with the configuration store (issue 13)' });
  });

  r.get('/audit', async (req, res) => {
    const q = parse(
      z
        .object({
          q: z.string().max(100).optional(),
          before: z
            .string()
            .regex(/^\d{1,18}$/)
            .optional(),
          limit: z.coerce.number().int().min(1).max(500).optional(),
        })
        .strict(),
      req.query,
    );
    res.json({ entries: await searchAudit(d.prisma, { q: q.q, beforeId: q.before, limit: q.limit }) });
  });

  return r;
}
