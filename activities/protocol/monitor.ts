/**
 * The position monitor's checks: each open short option's protocol level from the adverse
 * move since entry in daily-bar ATRs (PROTOCOL §2), and the orders of a level-2 roll, saved
 * as protocol orders so they go through tradeInstruction like the weekly entries.
 */
import { accountPositions, getFamily } from '../../src/db/accounts';
import { plansOf, savePlans } from '../../src/db/protocolOrders';
import { marketSession } from '../../src/domain/calendar';
import { atr } from '../../src/domain/indicators';
import { adverseMove, levelReferenceCents, protocolLevel } from '../../src/domain/levels';
import { fromDecimal, toDecimal } from '../../src/domain/money';
import { planPositionRoll } from '../../src/domain/protocol-cycle';
import { chainWindowOf } from '../../src/domain/signals';
import type { PositionLevel } from '../../src/contracts/workflows/positionMonitor';
import { protocolClientOrderId } from '../../src/contracts/workflows/weeklyCycle';
import { isoOf, toCents, ymdOf, type ProtocolCtx } from './context';
import { optionAction } from '../../src/domain/instrument';
import { recordLevels } from './levelEvents';

export function monitorActivities(ctx: ProtocolCtx) {
  return {
    async sessionCloseOf(day: string): Promise<string | null> {
      return marketSession(day, ctx.protocol.market)?.closeUtc ?? null;
    },

    async checkLevels(p: { familyId: string; week: string }): Promise<{ brokerNow: string; levels: PositionLevel[] }> {
      const brokerNow = (await ctx.md().now()).toISOString();
      const levels = await levelsOf(ctx, p.familyId);
      await recordLevels(ctx, p.familyId, levels); // PROTOCOL_LEVEL events: audit row, metric, report
      return { brokerNow, levels };
    },

    /** The roll's two orders when the next expiry pays a net credit, else null (hold). */
    async planRollOrders(p: { familyId: string; week: string; position: PositionLevel }): Promise<{ closeClientOrderId: string; openClientOrderId: string } | null> {
      const pos = p.position;
      const kind = pos.accountId.slice(p.familyId.length + 1) as 'GEN' | 'REV' | 'COM';
      const cfg = ctx.protocol.accounts[kind];
      const md = ctx.md();
      const { expirations } = await md.expirations(pos.symbol);
      const next = expirations.find((e) => e > ymdOf(pos.expiry));
      if (!next) return null;
      const strike = Number(toDecimal(pos.strikeCents));
      const current = await md.optionQuote(pos.symbol, ymdOf(pos.expiry), strike, pos.right);
      const und = toCents((await md.stockQuote(pos.symbol)).last);
      const [lo, hi] = chainWindowOf(pos.right, und / 100, ctx.protocol.signals.chainWindow); // in the broker's dollars
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
      const tag = `roll-${ymdOf(pos.expiry)}-${pos.right}${pos.strikeCents}`;
      const base = {
        familyId: p.familyId,
        accountId: pos.accountId,
        week: p.week,
        symbol: pos.symbol,
        quantity: Math.abs(pos.quantity),
        underlyingCents: und,
        atrCents: null,
        entryDay: ctx.clock.now().toISOString().slice(0, 10),
      };
      const startAttempt = ctx.protocol.signals.maxReprices; // far side of the market: the credit was computed there
      const closeId = protocolClientOrderId(p.familyId, kind, p.week, pos.symbol, `${tag}-close`);
      const openId = protocolClientOrderId(p.familyId, kind, p.week, pos.symbol, `${tag}-open`);
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
    const daily = (await ctx.md().bars(pos.symbol, '1 day', '1 M')).map((b) => ({ date: b.date, open: toCents(b.open), high: toCents(b.high), low: toCents(b.low), close: toCents(b.close) }));
    const a = atr(daily, ctx.protocol.regime.atrPeriod).at(-1);
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
      level: protocolLevel(move, a, ctx.protocol.levels),
      moveCents: move,
      atrCents: Math.round(a),
    });
  }
  return out;
}
