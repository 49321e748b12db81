/**
 * The weekly cycle's timing from the configuration in force: the re-price interval, and the
 * next entry day of an entry that filled nothing (Rev-Acc Monday → Tuesday → Wednesday).
 */
import { plansOf } from '../../src/db/protocolOrders';
import { entryRetryDay, weekEntryDays } from '../../src/domain/entryRetry';
import type { AccountKind } from '../../src/domain/config';
import type { ProtocolCtx } from './context';

export function timingActivities(ctx: ProtocolCtx) {
  return {
    async protocolTimings(p: { familyId: string }): Promise<{ repriceAfterMs: number }> {
      const { config } = await ctx.config({ familyId: p.familyId });
      return { repriceAfterMs: Math.round(config.signals.repriceAfterMinutes * 60_000) };
    },

    /** The account's next entry day this week for an entry that got nothing on `day`, or null. */
    async entryRetryDay(p: { clientOrderId: string; day: string; filledQuantity: number }): Promise<string | null> {
      const [row] = await plansOf(ctx.prisma, { clientOrderId: p.clientOrderId });
      if (!row || row.purpose !== 'OPEN') return null; // share purchases (market orders) and LEAPS keep their one day
      const { config } = await ctx.config({ familyId: row.familyId, accountId: row.accountId });
      const kind = row.accountId.slice(row.familyId.length + 1) as AccountKind;
      const next = entryRetryDay(weekEntryDays(row.entryDay, config.accounts[kind].entryWeekdays), p.day, p);
      if (next) ctx.logger.info('entry retried on a later entry day', { clientOrderId: p.clientOrderId, day: p.day, next });
      return next;
    },
  };
}
