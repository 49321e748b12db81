/**
 * GET /metrics: src/metrics.ts's registry, with the gauges that live in the database (account
 * equity, cash, buffer, protocol levels, week types, kill switch) refreshed first — at most once
 * every few seconds, so several Prometheus servers scraping do not load the database.
 */
import type { RequestHandler } from 'express';
import type { PrismaClient } from '../db/client';
import { loadMetricsRows } from '../db/metricsRows';
import type { Marker } from '../marks';
import { ACCOUNT_DEFAULTS } from '../domain/config';
import {
  accountBuffer,
  accountBufferFloor,
  accountCash,
  accountEquity,
  accountProtocolLevel,
  metricsContentType,
  metricsText,
  reduceOnly,
  tradingHalted,
  weeklyCycleLastRun,
  weekTypesTotal,
  workflowsStuck,
} from '../metrics';

const WEEKS_KEPT = 12;
/**
 * An instruction still PENDING_SUBMIT after this long is stuck: its workflow cannot get past
 * recording, the risk check or placing (a GTC order resting for days is SUBMITTED, not stuck).
 */
export const STUCK_AFTER_MS = 10 * 60_000;

/** Copies the database's view of accounts, week types and controls into the gauges. */
export async function refreshDbMetrics(prisma: PrismaClient, marker?: Marker): Promise<void> {
  const { accounts, positions, weeks, levels, control, lastCycle, stuck } = await loadMetricsRows(prisma, new Date(Date.now() - STUCK_AFTER_MS));
  workflowsStuck.set({ workflow_type: 'tradeInstruction' }, stuck);
  accountEquity.reset();
  accountCash.reset();
  accountBuffer.reset();
  accountBufferFloor.reset();
  for (const a of accounts) {
    const mine = positions.filter((p) => p.ownerId === a.id);
    const cash = Number(a.cashCents) / 100;
    // At market marks (src/marks.ts) where there is one, else at cost.
    const prices = await Promise.all(
      mine.map(
        async (p) =>
          (marker ? ((await marker({ symbol: p.symbol, secType: p.secType, expiry: p.expiry, strike: p.strike.toString(), right: p.right }))?.price ?? null) : null) ?? p.avgPrice.toString(),
      ),
    );
    const held = mine.reduce((t, p, i) => t + p.quantity * Number(prices[i]) * (p.secType === 'OPT' ? 100 : 1), 0);
    // Cash securing short puts is not free: the buffer is what is left after it.
    const secured = mine.filter((p) => p.secType === 'OPT' && p.right === 'P' && p.quantity < 0).reduce((t, p) => t + -p.quantity * Number(p.strike) * 100, 0);
    const pct = (ACCOUNT_DEFAULTS as Record<string, { cashBuffer: number } | undefined>)[a.kind]?.cashBuffer ?? 0.05;
    accountEquity.set({ account: a.id }, cash + held);
    accountCash.set({ account: a.id }, cash);
    accountBuffer.set({ account: a.id }, cash - secured);
    accountBufferFloor.set({ account: a.id }, (cash + held) * pct);
  }
  accountProtocolLevel.reset();
  // The latest level of each position (detail.key; older rows: the symbol), then the highest
  // of an account's positions in a symbol: one position at 3 pages even if another is at 0.
  const latest = new Map<string, { account: string; symbol: string; level: number }>();
  for (const l of levels.reverse()) {
    const d = l.detail as { key?: unknown; symbol?: unknown; level?: unknown } | null;
    if (l.target && typeof d?.symbol === 'string' && typeof d.level === 'number')
      latest.set(`${l.target}|${typeof d.key === 'string' ? d.key : d.symbol}`, { account: l.target, symbol: d.symbol, level: d.level });
  }
  const top = new Map<string, { account: string; symbol: string; level: number }>();
  for (const v of latest.values()) {
    const k = `${v.account}|${v.symbol}`;
    if ((top.get(k)?.level ?? -1) < v.level) top.set(k, v);
  }
  for (const v of top.values()) accountProtocolLevel.set({ account: v.account, symbol: v.symbol }, v.level);
  // A counter mirrored from the table: reset and re-add within one synchronous step, so a
  // scrape never sees a partial value (the count in the table only grows).
  const recent = [...new Set(weeks.map((w) => w.week))].slice(0, WEEKS_KEPT);
  weekTypesTotal.reset();
  for (const w of weeks) if (recent.includes(w.week)) weekTypesTotal.inc({ week: w.week, type: w.type }, w._count._all);
  tradingHalted.set(control.halted ? 1 : 0);
  reduceOnly.set(control.reduceOnly ? 1 : 0);
  if (lastCycle._max.createdAt) weeklyCycleLastRun.set(Math.floor(lastCycle._max.createdAt.getTime() / 1000));
}

export function metricsHandler(prisma: PrismaClient, minIntervalMs = 5000, marker?: Marker): RequestHandler {
  let last = 0;
  let running: Promise<void> | undefined;
  return async (_req, res) => {
    if (Date.now() - last >= minIntervalMs) {
      running ??= refreshDbMetrics(prisma, marker)
        .catch(() => undefined) // the database being down must not hide the process's own metrics
        .finally(() => {
          last = Date.now();
          running = undefined;
        });
      await running;
    }
    res.type(metricsContentType).send(await metricsText());
  };
}
