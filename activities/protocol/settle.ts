/**
 * Step 2 of the weekly cycle: settle the week in our books and classify it. Expired options
 * settle at the week's close as the exchange does (assignment delivers shares at the strike);
 * every filled internal order posts its PREMIUM / TRADE and COMMISSION once (keyed by
 * instruction id); each position's week gets its type (PROTOCOL §3), first write wins.
 */
import Decimal from 'decimal.js';
import { accountPositions, getFamily, leapsSleeves, settleExpired } from '../../src/db/accounts';
import { postLedger } from '../../src/db/ledger';
import { plansOf } from '../../src/db/protocolOrders';
import { recordWeekTypes, type WeekTypeRow } from '../../src/db/weekTypes';
import { MARKET, type LedgerEntry } from '../../src/domain/ledger';
import { fromDecimal } from '../../src/domain/money';
import { latestRegime, settleOption } from '../../src/domain/protocol-cycle';
import { classifyWeek, type WeekInput } from '../../src/domain/weekTypes';
import { mondayOf } from '../../src/domain/calendar';
import { INTERNAL_CLIENT, ymdOf, type ProtocolCtx } from './context';
import type { WeekMarket } from './market';
import { parseProtocolClientOrderId } from '../../src/contracts/workflows/weeklyCycle';
import { isTerminal } from '../../src/contracts/orderStatus';
import { baseClientOrderId } from '../../src/contracts/workflows/placement';
import { asAction, isPut, isSell, isStock } from '../../src/domain/instrument';
import { instructionsByCoidPrefix, instructionsOfAccounts } from '../../src/db/instructionQueries';

const SETTLE_POLLS = 60; // × 500 ms
const money = (d: Decimal.Value) => fromDecimal(new Decimal(d).toFixed(2, Decimal.ROUND_HALF_EVEN));

export function settleActivities(ctx: ProtocolCtx) {
  const mult = ctx.protocol.market.contractMultiplier;

  /** Filled quantity per base client_order_id over its re-priced attempts (`<coid>.r<n>`). */
  async function filledByBase(coids: string[]): Promise<Map<string, number>> {
    const rows = await instructionsByCoidPrefix(ctx.prisma, INTERNAL_CLIENT, coids);
    const out = new Map<string, number>();
    for (const r of rows) {
      const base = baseClientOrderId(r.clientOrderId);
      out.set(base, (out.get(base) ?? 0) + (r.order?.filledQuantity ?? 0));
    }
    return out;
  }

  /**
   * The week's internal orders (this trading week or earlier: a re-run of an old week must not
   * book later ones), once each is terminal with all its fills recorded. The broker can report
   * Filled before the executions arrive, so this waits a little for stragglers, then books what
   * is final; the rest is booked by a later week (the keys make that safe).
   */
  async function settledInstructions(ids: string[], week: string) {
    for (let i = 0; ; i++) {
      const rows = (await instructionsOfAccounts(ctx.prisma, INTERNAL_CLIENT, ids)).filter((r) => {
        const w = parseProtocolClientOrderId(r.clientOrderId)?.week;
        return !!w && w <= week;
      });
      const final = (r: (typeof rows)[number]) => isTerminal(r.status) && r.executions.reduce((n, e) => n + e.shares, 0) === (r.order?.filledQuantity ?? 0);
      if (rows.every(final) || i >= SETTLE_POLLS) return rows.filter(final);
      await new Promise((res) => setTimeout(res, 500));
    }
  }

  return {
    async settleWeek(p: { familyId: string; week: string; close: string; market: WeekMarket }): Promise<{ settled: number; assigned: string[]; posted: number }> {
      const family = await getFamily(ctx.prisma, p.familyId);
      if (!family) throw new Error(`unknown family ${p.familyId}`);
      // LEAPS sleeves too: their purchases and expiries settle into their own ledger.
      const ids = [...family.accounts.map((a) => a.id), ...(await leapsSleeves(ctx.prisma, p.familyId)).map((s) => s.id)];
      const assigned: string[] = [];
      let settled = 0;
      for (const pos of await accountPositions(ctx.prisma, ids)) {
        if (pos.secType !== 'OPT' || !pos.expiry || pos.expiry > ymdOf(p.close)) continue;
        const close = p.market.symbols[pos.symbol]?.closeCents;
        if (close === undefined) continue; // no validated close: settle next week rather than guess
        const s = settleOption({ right: pos.right as 'C' | 'P', strikeCents: pos.strikeCents, quantity: pos.quantity }, close, mult);
        const key = `ASSIGNMENT:${pos.accountId}:${pos.symbol}:${pos.expiry}:${pos.right}${pos.strikeCents}`;
        const entry: LedgerEntry | null =
          s.outcome === 'EXPIRED'
            ? null
            : s.cashCents < 0
              ? { from: pos.accountId, to: MARKET, amountCents: -s.cashCents, reason: 'ASSIGNMENT', key }
              : { from: MARKET, to: pos.accountId, amountCents: s.cashCents, reason: 'ASSIGNMENT', key };
        if (await settleExpired(ctx.prisma, { familyId: p.familyId, week: p.week, position: pos, shares: s.shares, entry })) settled++;
        if (entry) assigned.push(key);
      }
      const instructions = await settledInstructions(ids, p.week);
      const entries: LedgerEntry[] = [];
      for (const i of instructions) {
        if (!i.order || i.executions.length === 0 || !i.accountId) continue;
        const action = asAction(i.tradeAction);
        const stock = isStock(action);
        const gross = money(i.executions.reduce((s, e) => s.plus(new Decimal(e.price.toString()).times(e.shares)), new Decimal(0)).times(stock ? 1 : mult));
        const reason = stock ? 'TRADE' : 'PREMIUM';
        if (gross > 0)
          entries.push(
            isSell(action)
              ? { from: MARKET, to: i.accountId, amountCents: gross, reason, key: `${reason}:${i.id}` }
              : { from: i.accountId, to: MARKET, amountCents: gross, reason, key: `${reason}:${i.id}` },
          );
        const fee = money(i.order.commission.toString());
        if (fee > 0) entries.push({ from: i.accountId, to: MARKET, amountCents: fee, reason: 'COMMISSION', key: `COMMISSION:${i.id}` });
      }
      const posted = await postLedger(ctx.prisma, p.familyId, entries, p.week);
      return { settled, assigned, posted: posted.length };
    },

    async classifyWeek(p: { familyId: string; week: string; close: string; market: WeekMarket }): Promise<WeekTypeRow[]> {
      const family = await getFamily(ctx.prisma, p.familyId);
      if (!family) throw new Error(`unknown family ${p.familyId}`);
      const plans = await plansOf(ctx.prisma, { familyId: p.familyId });
      const monday = mondayOf(p.close);
      const inWeek = plans.filter((o) => o.expiry && o.expiry >= monday && o.expiry <= p.close && (o.purpose === 'OPEN' || o.purpose === 'ROLL_OPEN'));
      const filled = await filledByBase(inWeek.map((o) => o.clientOrderId));
      const rolls = plans.filter((o) => o.purpose === 'ROLL_CLOSE' && o.week === p.week);
      const rolledFilled = await filledByBase(rolls.map((o) => o.clientOrderId));
      const rows: WeekTypeRow[] = [];
      for (const a of family.accounts) {
        const mine = inWeek.filter((o) => o.accountId === a.id && (filled.get(o.clientOrderId) ?? 0) > 0);
        for (const o of mine) {
          const m = p.market.symbols[o.symbol];
          if (!m) continue;
          const rolled = rolls.some((r) => r.accountId === a.id && r.symbol === o.symbol && (rolledFilled.get(r.clientOrderId) ?? 0) > 0);
          const atr = Math.round(latestRegime(m.weekly, ctx.protocol.regime).atr ?? 0);
          const w: WeekInput = isPut(asAction(o.tradeAction))
            ? { kind: 'PUT', rolled, strike: o.strikeCents ?? 0, close: m.closeCents, atr }
            : { kind: 'CALL', rolled, strike: o.strikeCents ?? 0, close: m.closeCents, costBasis: Number(o.detail?.costBasisCents ?? 0) };
          rows.push({ accountId: a.id, symbol: o.symbol, week: p.week, type: classifyWeek(w, ctx.protocol.weekTypes), detail: { ...w, clientOrderId: o.clientOrderId, expiry: o.expiry } });
        }
        if (mine.length === 0) rows.push({ accountId: a.id, symbol: '*', week: p.week, type: 'W-IDL' });
      }
      await recordWeekTypes(ctx.prisma, rows);
      ctx.logger.info('week classified', { family: p.familyId, week: p.week, types: rows.map((r) => `${r.accountId}/${r.symbol}=${r.type}`) });
      return rows;
    },
  };
}
