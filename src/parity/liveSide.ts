/**
 * The live engine's side of the parity check: the real workflows on the simulator's manual clock,
 * the simulator replaying the setup's bars (at the row's close during the session: the
 * backtester's fill-at-the-close) with its option volatility set each day to the backtester's
 * estimate. One family is opened through the operator API; then for each week the cycle of the
 * previous close runs (`weeklyCycleRun`, marketClock 'broker'), the clock walked to each entry day
 * the cycle waits for and on to the next close. The records are mapped to the parity vocabulary.
 */
import { DateTime } from 'luxon';
import type { Decision } from '../contracts/parity';
import { cycleProgressQuery, parseProtocolClientOrderId, weeklyCycleWorkflowId, type WeeklyCycleResult } from '../contracts/workflows/weeklyCycle';
import { WEEKLY_CYCLE_RUN_WORKFLOW } from '../contracts/workflows/weeklyCycleRun';
import { baseClientOrderId } from '../contracts/workflows/placement';
import { familyCash, parityRecords, type ParityRecords } from '../db/parity';
import { weekOf, type IsoDate } from '../domain/calendar';
import { fromDecimal } from '../domain/money';
import type { Logger } from '../logger';
import { volatilityByDay } from './backtestSide';
import { operatorApi, startLiveSystem, type LiveSystem } from './liveSystem';
import { AccountRoles } from './roles';
import { PARITY_DEPOSIT_CENTS, PARITY_MARKET, type ParitySetup } from './setup';

const ny = (day: string, hm: string): Date => DateTime.fromISO(`${day}T${hm}`, { zone: 'America/New_York' }).toJSDate();

export interface LiveSideOptions {
  temporal: { client: LiveSystem['temporal']; address: string; namespace: string };
  databaseUrl: string;
  logger: Logger;
  /** How long a resting order works before the cycle re-prices it. */
  repriceAfterMs?: number;
  progress?: (line: string) => void;
  clientId?: number;
}

/** Polls `fn` until it returns a value (bounded, yields to the event loop between tries). */
async function until<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function liveDecisions(s: ParitySetup, o: LiveSideOptions): Promise<Decision[]> {
  const progress = o.progress ?? (() => undefined);
  const vols = volatilityByDay(s);
  const closes = weeklyCloses(s);
  const first = closes[0]!;
  const clientId = o.clientId ?? 61;
  const family = `PAR${process.pid % 100000}`;
  const live = await startLiveSystem({
    temporal: o.temporal,
    databaseUrl: o.databaseUrl,
    clientId,
    taskQueue: `parity-${process.pid}-${clientId}`,
    protocol: s.protocol,
    logger: o.logger,
    simulator: {
      port: 0,
      clock: 'manual',
      priceModel: 'static',
      // Inside the session of the close before the first traded week: its close is the price.
      startTime: ny(first, '10:00').toISOString(),
      startingCash: (PARITY_DEPOSIT_CENTS / 100) * 2,
      replay: [{ symbol: s.symbol, csv: s.csvFile, startDate: first, sessionPrice: 'close' }],
      historyCsv: [{ symbol: s.symbol, csv: s.csvFile }],
      vols: { [s.symbol]: vols.get(first) ?? s.options.minVol },
      riskFree: PARITY_MARKET.rate,
      strikeStep: PARITY_MARKET.strikeStepCents / 100,
      optionQuote: { tick: 0.01, halfSpread: PARITY_MARKET.halfSpread, minHalfSpread: PARITY_MARKET.minHalfSpreadCents / 100 },
      stockHalfSpread: 0,
    },
  });
  const cash: { week: string; cash: Record<string, number> }[] = [];
  try {
    const opened = await operatorApi(live, 'POST', '/api/v1/operator/accounts', { name: family, lump_sum: PARITY_DEPOSIT_CENTS / 100 });
    if (opened.status !== 201) throw new Error(`opening the family: ${opened.status} ${JSON.stringify(opened.body)}`);
    for (const [i, close] of closes.entries()) {
      const week = weekOf(close);
      live.sim.setVol(s.symbol, vols.get(close) ?? s.options.minVol);
      live.sim.clock({ advance_to: ny(close, '16:00').toISOString() });
      const handle = await live.temporal.workflow.start(WEEKLY_CYCLE_RUN_WORKFLOW, {
        workflowId: `parity-run-${family}-${close}`,
        taskQueue: live.taskQueue,
        args: [{ from: close, to: close, familyIds: [family], repriceAfterMs: o.repriceAfterMs ?? 300, marketClock: 'broker' }],
      });
      const done = handle.result().then((runs: WeeklyCycleResult[]) => {
        // Orders the live engine decided but did not fill are the first thing a mismatch asks about.
        for (const p of runs.flatMap((r) => r.placed)) if (p.status !== 'FILLED') progress(`live: ${p.clientOrderId} ${p.status}${p.reason ? ` (${p.reason})` : ''}`);
        return 'done' as const;
      });
      let snapped = false;
      // Walk the clock to each entry day the cycle waits for; cash is read before the first entry (the week's close).
      for (;;) {
        const step = await until(
          async () => {
            if ((await Promise.race([done, Promise.resolve('running' as const)])) === 'done') return 'done';
            const p = await live.temporal.workflow.getHandle(weeklyCycleWorkflowId(family, week)).query(cycleProgressQuery);
            return /^entry \d{4}-\d{2}-\d{2}$/.test(p.step) && p.step.slice(6) > DateTime.fromJSDate(live.sim.now(), { zone: 'America/New_York' }).toISODate()! ? p.step : undefined;
          },
          600_000,
          `the cycle of ${close}`,
        );
        if (!snapped && i > 0) cash.push({ week, cash: await familyCash(live.prisma, family) });
        snapped = true;
        if (step === 'done') break;
        const day = step.slice(6);
        live.sim.setVol(s.symbol, vols.get(day) ?? s.options.minVol);
        // A minute before the close: the backtester trades at the day's close (the replay shows it all session).
        live.sim.clock({ advance_to: ny(day, '15:59').toISOString() });
      }
      progress(`live: week ${week} closed (${i + 1}/${closes.length})`);
    }
    return toDecisions(s, family, await parityRecords(live.prisma, family), cash);
  } finally {
    await live.stop();
  }
}

/** The close before the first traded week, then each traded week's last trading day. */
function weeklyCloses(s: ParitySetup): IsoDate[] {
  const last = new Map<string, IsoDate>();
  for (const b of s.bars) last.set(weekOf(b.date), b.date);
  const weeks = [...last.keys()];
  const firstTraded = weeks.indexOf(s.tradedWeeks[0]!);
  return weeks.slice(firstTraded - 1).map((w) => last.get(w)!);
}

const isoExpiry = (e: string | null): string | null => (e && /^\d{8}$/.test(e) ? `${e.slice(0, 4)}-${e.slice(4, 6)}-${e.slice(6)}` : e || null);
const rightOf = (action: string): 'C' | 'P' | null => (/CALL$/.test(action) ? 'C' : /PUT$/.test(action) ? 'P' : null);

function toDecisions(s: ParitySetup, family: string, r: ParityRecords, cash: { week: string; cash: Record<string, number> }[]): Decision[] {
  const roles = new AccountRoles(family);
  const out: Decision[] = [];
  const first = s.tradedWeeks[0]!;
  const lastDay = s.bars[s.bars.length - 1]!.date;
  const short = new Map<string, { account: string; week: string; right: 'C' | 'P'; strikeCents: number; expiry: string; quantity: number; accountId: string }>();
  for (const o of r.orders) {
    const week = weekOf(o.entryDay);
    const account = roles.of(o.accountId);
    const leg = { right: rightOf(o.tradeAction), strikeCents: o.strikeCents, expiry: isoExpiry(o.expiry) };
    // Every attempt of every retry round (`.dK`, `.rN`) of the planned order.
    const attempts = r.instructions.filter((i) => parseProtocolClientOrderId(i.clientOrderId) && baseClientOrderId(i.clientOrderId) === o.clientOrderId);
    // Planned on Friday but skipped at entry (no strike in the band, nothing to size): no order went
    // out, as the backtester, which decides on the entry day, never had one.
    if (attempts.length === 0) continue;
    out.push({
      kind: 'ORDER',
      week,
      account,
      symbol: o.symbol,
      ...leg,
      action: o.tradeAction,
      quantity: o.quantity,
      limitLadderCents: attempts.flatMap((i) => (i.limitPrice === null ? [] : [fromDecimal(i.limitPrice)])),
    });
    const fills = attempts.flatMap((i) => i.executions);
    const qty = fills.reduce((n, e) => n + e.shares, 0);
    if (qty === 0) continue;
    const gross = fills.reduce((n, e) => n + fromDecimal(e.price) * e.shares, 0);
    const fee = fills.reduce((n, e) => n + (e.commission === null ? 0 : fromDecimal(e.commission)), 0);
    out.push({ kind: 'FILL', week, account, symbol: o.symbol, ...leg, action: o.tradeAction, quantity: qty, priceCents: Math.round(gross / qty), commissionCents: fee });
    if (o.tradeAction.startsWith('SELL_TO_OPEN') && leg.right && leg.strikeCents !== null && leg.expiry) {
      short.set(`${o.accountId}|${leg.right}|${leg.strikeCents}|${leg.expiry}`, {
        account,
        week,
        right: leg.right,
        strikeCents: leg.strikeCents,
        expiry: leg.expiry,
        quantity: qty,
        accountId: o.accountId,
      });
    } else if (o.tradeAction.startsWith('BUY_TO_CLOSE') && leg.right && leg.strikeCents !== null && leg.expiry) {
      short.delete(`${o.accountId}|${leg.right}|${leg.strikeCents}|${leg.expiry}`);
    }
  }
  // An option sold and not bought back settles at its expiry: assigned when its ASSIGNMENT entry exists.
  for (const x of short.values()) {
    if (x.expiry > lastDay) continue;
    const assigned = r.assignments.some((a) => a.key.startsWith(`ASSIGNMENT:${x.accountId}:`) && a.key.endsWith(`:${x.expiry.replaceAll('-', '')}:${x.right}${x.strikeCents}`));
    out.push({
      kind: assigned ? 'ASSIGNMENT' : 'EXPIRY',
      week: weekOf(x.expiry),
      account: x.account,
      symbol: s.symbol,
      right: x.right,
      strikeCents: x.strikeCents,
      expiry: x.expiry,
      quantity: x.quantity,
    });
  }
  for (const w of r.weekTypes) out.push({ kind: 'WEEK_TYPE', week: w.week, account: roles.of(w.accountId), symbol: w.type === 'W-IDL' ? '*' : w.symbol, type: w.type });
  for (const c of cash) for (const [id, cents] of Object.entries(c.cash)) out.push({ kind: 'CASH', week: c.week, account: roles.of(id), symbol: '*', cashCents: cents });
  const last = s.tradedWeeks[s.tradedWeeks.length - 1]!;
  return out.filter((d) => d.week >= first && d.week <= last);
}
