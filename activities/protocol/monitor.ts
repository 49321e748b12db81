/**
 * The position monitor's checks: each open short option's protocol level from the adverse
 * move since entry in daily-bar ATRs (PROTOCOL §2), the check's decisions and next instant
 * (src/domain/monitorRules.ts), and the orders of a level-2 roll, saved as protocol orders so
 * they go through tradeInstruction like the weekly entries.
 */
import { accountPositions, getFamily } from '../../src/db/accounts';
import { plansOf, savePlans } from '../../src/db/protocolOrders';
import { weekOf } from '../../src/domain/calendar';
import { applyRollResults, exchangeDay, nextCheckAt, planMonitorCheck, sessionAt } from '../../src/domain/monitorRules';
import { atr } from '../../src/domain/indicators';
import { adverseMove, levelReferenceCents, protocolLevel } from '../../src/domain/levels';
import { fromDecimal, toDecimal } from '../../src/domain/money';
import { planPositionRoll } from '../../src/domain/protocol-cycle';
import { chainWindowOf } from '../../src/domain/signals';
import type { MonitorState, MonitorTick, PositionLevel, RollAttemptResult } from '../../src/contracts/workflows/positionMonitor';
import { protocolClientOrderId } from '../../src/contracts/workflows/weeklyCycle';
import { isoOf, toCents, ymdOf, type ProtocolCtx } from './context';
import { optionAction } from '../../src/domain/instrument';
import { recordLevels } from './levelEvents';

export function monitorActivities(ctx: ProtocolCtx) {
  return {
    /** The broker's clock (the simulator's virtual time in tests): what the monitor waits on. */
    async brokerNow(): Promise<string> {
      return (await ctx.md().now()).toISOString();
    },

    /** Each open short option's level now, recorded (PROTOCOL_LEVEL events: audit row, metric, report). */
    async checkLevels(p: { familyId: string; week?: string }): Promise<{ brokerNow: string; levels: PositionLevel[] }> {
      const brokerNow = (await ctx.md().now()).toISOString();
      const levels = await levelsOf(ctx, p.familyId);
      await recordLevels(ctx, p.familyId, levels);
      return { brokerNow, levels };
    },

    /**
     * One look at the family: while the market is open, each open short option's level and the
     * check's actions (domain planMonitorCheck); closed, nothing. Either way the instant of the
     * next check by the configured cadence and the exchange calendar.
     */
    async monitorTick(p: { familyId: string; state: MonitorState }): Promise<MonitorTick> {
      const { config } = await ctx.config({ familyId: p.familyId });
      const brokerNow = (await ctx.md().now()).toISOString();
      const day = exchangeDay(brokerNow, config.market);
      const family = await getFamily(ctx.prisma, p.familyId);
      const base = { brokerNow, day, familyOpen: family?.status === 'OPEN', repriceAfterMs: Math.round(config.signals.repriceAfterMinutes * 60_000) };
      if (!sessionAt(brokerNow, config.market)) return { ...base, marketOpen: false, nextCheckAt: nextCheckAt(brokerNow, 0, config.monitor, config.market), state: p.state, actions: [] };
      const levels = await levelsOf(ctx, p.familyId);
      await recordLevels(ctx, p.familyId, levels);
      const planned = planMonitorCheck(p.state, levels, day, config.monitor.maxRollAttempts);
      const state = { ...planned.state, checks: p.state.checks + 1, lastCheckAt: brokerNow };
      for (const g of state.gaveUp.filter((x) => !p.state.gaveUp.some((y) => y.key === x.key))) ctx.logger.warn('roll given up', { family: p.familyId, ...g });
      const maxLevel = Math.max(0, ...levels.map((l) => l.level));
      return { ...base, marketOpen: true, nextCheckAt: nextCheckAt(brokerNow, maxLevel, config.monitor, config.market), state, actions: planned.actions };
    },

    /** The check's roll results applied to the state (domain applyRollResults). */
    async monitorReview(p: { state: MonitorState; results: RollAttemptResult[]; day: string }): Promise<MonitorState> {
      return applyRollResults(p.state, p.results, p.day);
    },

    /** The roll's two orders when the next expiry pays a net credit, else null (hold). */
    async planRollOrders(p: { familyId: string; position: PositionLevel; attempt?: number }): Promise<{ closeClientOrderId: string; openClientOrderId: string } | null> {
      const pos = p.position;
      const kind = pos.accountId.slice(p.familyId.length + 1) as 'GEN' | 'REV' | 'COM';
      const { config } = await ctx.config({ familyId: p.familyId, accountId: pos.accountId });
      const cfg = config.accounts[kind];
      const week = weekOf(exchangeDay(ctx.clock.now().toISOString(), config.market)); // the week the roll happens in (its P-RO/C-RO)
      const md = ctx.md();
      const { expirations } = await md.expirations(pos.symbol);
      const next = expirations.find((e) => e > ymdOf(pos.expiry));
      if (!next) return null;
      const strike = Number(toDecimal(pos.strikeCents));
      const current = await md.optionQuote(pos.symbol, ymdOf(pos.expiry), strike, pos.right);
      const und = toCents((await md.stockQuote(pos.symbol)).last);
      const [lo, hi] = chainWindowOf(pos.right, und / 100, config.signals.chainWindow, config.signals.chainWindowInTheMoney); // in the broker's dollars
      const chain = (await md.optionChain(pos.symbol, next, pos.right, lo, hi))
        .filter((q) => q.delta !== undefined)
        .map((q) => ({ strike: toCents(q.strike), delta: q.delta!, bid: toCents(q.bid), ask: toCents(q.ask) }));
      const shares = (await accountPositions(ctx.prisma, [pos.accountId])).find((x) => x.secType === 'STK' && x.symbol === pos.symbol);
      const roll = planPositionRoll({
        right: pos.right,
        closeAskCents: toCents(current.ask),
        next: chain,
        band: cfg,
        ...(shares ? { sharesBasisCents: fromDecimal(shares.avgPrice, 'HALF_EVEN') } : {}),
      });
      if (!roll) return null;
      // A retried roll is priced afresh: its own rows (attempt ≥ 2), the market may have moved.
      const tag = `roll-${ymdOf(pos.expiry)}-${pos.right}${pos.strikeCents}${(p.attempt ?? 1) > 1 ? `-a${p.attempt}` : ''}`;
      const base = {
        familyId: p.familyId,
        accountId: pos.accountId,
        week,
        symbol: pos.symbol,
        quantity: Math.abs(pos.quantity),
        underlyingCents: und,
        atrCents: null,
        entryDay: ctx.clock.now().toISOString().slice(0, 10),
      };
      const startAttempt = config.signals.maxReprices; // far side of the market: the credit was computed there
      const closeId = protocolClientOrderId(p.familyId, kind, week, pos.symbol, `${tag}-close`);
      const openId = protocolClientOrderId(p.familyId, kind, week, pos.symbol, `${tag}-open`);
      await savePlans(ctx.prisma, [
        {
          ...base,
          clientOrderId: closeId,
          purpose: 'ROLL_CLOSE',
          tradeAction: optionAction('BUY', false, pos.right),
          strikeCents: pos.strikeCents,
          expiry: pos.expiry,
          detail: { startAttempt, creditCents: roll.creditCents },
        },
        {
          ...base,
          clientOrderId: openId,
          purpose: 'ROLL_OPEN',
          tradeAction: optionAction('SELL', true, pos.right),
          strikeCents: roll.open.strike,
          expiry: isoOf(next),
          detail: { startAttempt, creditCents: roll.creditCents },
        },
      ]);
      return { closeClientOrderId: closeId, openClientOrderId: openId };
    },
  };
}

/**
 * Protocol level of each open short option of the family that the engine entered (it knows
 * the underlying's price at entry): adverse move since entry in daily-bar ATRs (PROTOCOL §2).
 */
export async function levelsOf(ctx: ProtocolCtx, familyId: string): Promise<PositionLevel[]> {
  const f = await getFamily(ctx.prisma, familyId);
  if (!f) return [];
  const plans = await plansOf(ctx.prisma, { familyId });
  const { config } = await ctx.config({ familyId });
  const monitorCfg = config.monitor;
  const out: PositionLevel[] = [];
  for (const pos of await accountPositions(
    ctx.prisma,
    f.accounts.map((a) => a.id),
  )) {
    if (pos.secType !== 'OPT' || pos.quantity >= 0) continue;
    const entry = plans
      .filter(
        (o) =>
          o.accountId === pos.accountId &&
          o.symbol === pos.symbol &&
          o.strikeCents === pos.strikeCents &&
          o.expiry &&
          ymdOf(o.expiry) === pos.expiry &&
          (o.purpose === 'OPEN' || o.purpose === 'ROLL_OPEN'),
      )
      .at(-1);
    if (!entry) continue; // not ours to manage (no recorded entry price)
    // Shared (ATR of daily bars, alike for every family); the price just below is asked afresh.
    const daily = (await ctx.shared().bars(pos.symbol, '1 day', `${monitorCfg.dailyBarsDays} D`)).map((b) => ({
      date: b.date,
      open: toCents(b.open),
      high: toCents(b.high),
      low: toCents(b.low),
      close: toCents(b.close),
    }));
    const a = atr(daily, config.regime.atrPeriod).at(-1);
    if (a === undefined || a <= 0) continue;
    const price = toCents((await ctx.md().stockQuote(pos.symbol)).last);
    const right = pos.right as 'C' | 'P';
    const move = adverseMove(right, levelReferenceCents(entry.detail, entry.underlyingCents), price);
    out.push({
      key: `${pos.accountId}:${pos.symbol}:${pos.expiry}:${right}${pos.strikeCents}`,
      accountId: pos.accountId,
      symbol: pos.symbol,
      right,
      strikeCents: pos.strikeCents,
      expiry: isoOf(pos.expiry),
      quantity: pos.quantity,
      level: protocolLevel(move, a, config.levels),
      moveCents: move,
      atrCents: Math.round(a),
    });
  }
  return out;
}
