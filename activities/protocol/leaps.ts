/**
 * The LEAPS purchase of the quarterly reinvestment (PROTOCOL §1): each LEAPS sleeve with cash
 * (the REINVEST entries moved 25 % of the quarter's premium there) buys long calls on its
 * account's underlyings, 12–24 months out at 0.70–0.80 delta (ProtocolConfig.reinvest), saved
 * as a protocol order (purpose LEAPS) that the weekly cycle places with the week's entries, as
 * its own tradeInstruction (source INTERNAL, account = the sleeve). A sleeve's fills settle into
 * its own ledger (settle.ts); its value is part of the family's equity (reports, metrics).
 */
import { leapsSleeves } from '../../src/db/accounts';
import { plansOf, savePlans } from '../../src/db/protocolOrders';
import { weekOf } from '../../src/domain/calendar';
import type { AccountKind } from '../../src/domain/config';
import { leapsCall, leapsContracts, leapsExpiry } from '../../src/domain/leaps';
import { cycleDates, entryDayOf } from '../../src/domain/protocol-cycle';
import { protocolClientOrderId, type PlannedEntry } from '../../src/contracts/workflows/weeklyCycle';
import { isoOf, toCents, type ProtocolCtx } from './context';

export const LEAPS_PURPOSE = 'LEAPS';

export function leapsActivities(ctx: ProtocolCtx) {
  const mult = ctx.protocol.market.contractMultiplier;
  return {
    /** Next week's LEAPS purchases of the family's sleeves (the week's first plan is kept). */
    async planLeaps(p: { familyId: string; asOf: string }): Promise<PlannedEntry[]> {
      const dates = cycleDates(p.asOf);
      const nextWeek = weekOf(dates.nextMonday);
      const toEntry = (r: { clientOrderId: string; accountId: string; symbol: string; tradeAction: string; quantity: number; entryDay: string }): PlannedEntry => ({
        clientOrderId: r.clientOrderId,
        accountId: r.accountId,
        symbol: r.symbol,
        action: r.tradeAction,
        quantity: r.quantity,
        entryDay: r.entryDay,
      });
      const existing = (await plansOf(ctx.prisma, { familyId: p.familyId, week: nextWeek, purpose: LEAPS_PURPOSE })).map(toEntry);
      const out: PlannedEntry[] = [...existing];
      const r = ctx.protocol.reinvest;
      for (const sleeve of await leapsSleeves(ctx.prisma, p.familyId)) {
        if (sleeve.status !== 'OPEN' || sleeve.cashCents <= 0 || existing.some((e) => e.accountId === sleeve.id)) continue;
        const kind = sleeve.parentAccountId.slice(p.familyId.length + 1) as AccountKind;
        const cfg = ctx.protocol.accounts[kind];
        const entryDay = cfg ? entryDayOf(cfg, dates.nextMonday) : null;
        if (!cfg || !entryDay) continue;
        for (const symbol of cfg.underlyings) {
          const md = ctx.shared(); // the sleeves of every family look at the same LEAPS chain
          const expiry = leapsExpiry(p.asOf, (await md.expirations(symbol)).expirations, r.leapsMinMonths, r.leapsMaxMonths);
          if (!expiry) continue;
          const spot = (await md.stockQuote(symbol)).last;
          const chain = (await md.optionChain(symbol, expiry, 'C', spot * r.leapsStrikeMin, spot * r.leapsStrikeMax))
            .filter((q) => q.delta !== undefined)
            .map((q) => ({ strikeCents: toCents(q.strike), delta: q.delta!, askCents: toCents(q.ask) }));
          const call = leapsCall(chain, r.leapsDeltaMin, r.leapsDeltaMax);
          const quantity = call ? leapsContracts(sleeve.cashCents, call.askCents, mult) : 0;
          if (!call || quantity === 0) continue;
          const row = {
            clientOrderId: protocolClientOrderId(p.familyId, kind, nextWeek, symbol, 'leaps'), // n 'leaps': never a weekly entry's number
            familyId: p.familyId,
            accountId: sleeve.id,
            week: nextWeek,
            symbol,
            purpose: LEAPS_PURPOSE,
            tradeAction: 'BUY_TO_OPEN_CALL',
            quantity,
            strikeCents: call.strikeCents,
            expiry: isoOf(expiry),
            underlyingCents: toCents(spot),
            atrCents: null,
            entryDay,
            detail: { delta: call.delta, askCents: call.askCents, sleeveCashCents: sleeve.cashCents },
          };
          await savePlans(ctx.prisma, [row]);
          ctx.logger.info('LEAPS purchase planned', { sleeve: sleeve.id, symbol, expiry, strikeCents: call.strikeCents, delta: call.delta, quantity });
          out.push(toEntry(row));
          break; // one purchase per sleeve and week: the cash is spent
        }
      }
      return out;
    },
  };
}
