/**
 * Step 3 of the weekly cycle (child tripleForkRebalance): fork, merge and quarterly
 * reinvestment planned by the domain ledger rules and applied as keyed ledger entries.
 * Values: cash plus shares at the broker's last price and options at their cost (after the
 * weekly expiry a family rarely holds options over the weekend).
 */
import { accountPositions, ensureFamily, ensureLeapsSleeve, getFamily, mergeFamilyInto, setBase, type AccountView } from '../../src/db/accounts';
import { netPremium, postLedger } from '../../src/db/ledger';
import { addDays, quarterOf, weekOf } from '../../src/domain/calendar';
import { accountId, leapsId, mergeWaitsFor, planFork, planMerge, planReinvest, type LedgerEntry } from '../../src/domain/ledger';
import { fromDecimal } from '../../src/domain/money';
import { accountValue, weeksBetween } from '../../src/domain/protocol-cycle';
import { toCents, type ProtocolCtx } from './context';

export interface ForkDto {
  child: string;
  entries: LedgerEntry[];
  newBase: number;
  surplus: number;
}
export interface RebalancePlan {
  fork: ForkDto | null;
  merge: { parent: string; entries: LedgerEntry[] } | null;
  reinvest: LedgerEntry[];
}

export function rebalanceActivities(ctx: ProtocolCtx) {
  const mult = ctx.protocol.market.contractMultiplier;

  async function valueOf(a: AccountView): Promise<number> {
    const holdings = [];
    for (const p of await accountPositions(ctx.prisma, [a.id])) {
      const mark = p.secType === 'STK' ? toCents((await ctx.shared().stockQuote(p.symbol)).last) : fromDecimal(p.avgPrice, 'HALF_EVEN');
      holdings.push({ quantity: p.quantity, markCents: mark, multiplier: p.secType === 'STK' ? 1 : mult });
    }
    return accountValue(a.cashCents, holdings);
  }

  /** The ISO weeks of the date's quarter up to the date (premium accumulated this quarter). */
  function quarterWeeks(asOf: string): string[] {
    const q = quarterOf(asOf);
    const start = `${asOf.slice(0, 4)}-${String((Number(q.slice(-1)) - 1) * 3 + 1).padStart(2, '0')}-01`;
    return weeksBetween(start, asOf).map(weekOf);
  }

  return {
    async planRebalance(p: { familyId: string; week: string; asOf: string }): Promise<RebalancePlan> {
      const f = await getFamily(ctx.prisma, p.familyId);
      const plan: RebalancePlan = { fork: null, merge: null, reinvest: [] };
      if (!f || f.status !== 'OPEN') return plan;
      const values = new Map<string, number>();
      for (const a of f.accounts) values.set(a.id, await valueOf(a));
      const gen = f.accounts.find((a) => a.kind === 'GEN');
      if (gen) {
        const fp = planFork({ family: f.id, genValue: values.get(gen.id)!, genCash: gen.cashCents, base: gen.baseCents, week: p.week, fork: ctx.protocol.fork });
        if (fp) plan.fork = { child: fp.child, entries: fp.entries, newBase: fp.newBase, surplus: fp.surplus };
      }
      if (f.parentFamilyId) {
        const familyValue = [...values.values()].reduce((s, v) => s + v, 0);
        // Open options stay with their account: the merge waits until they are gone (mergeWaitsFor).
        const held = await accountPositions(
          ctx.prisma,
          f.accounts.map((a) => a.id),
        );
        const openOptions = mergeWaitsFor(held.map((h) => ({ ...h, account: h.accountId }))).length;
        const entries = planMerge({
          family: f.id,
          parent: f.parentFamilyId,
          familyValue,
          cash: Object.fromEntries(f.accounts.map((a) => [a.id, a.cashCents])),
          week: p.week,
          merge: ctx.protocol.merge,
          openOptions,
        });
        if (entries) plan.merge = { parent: f.parentFamilyId, entries };
        else if (openOptions > 0 && familyValue >= ctx.protocol.merge.thresholdCents) ctx.logger.info('merge waits for open options to end', { family: f.id, openOptions });
      }
      // Reinvest at the quarter's last weekly close: the next close falls in another quarter.
      if (quarterOf(p.asOf) !== quarterOf(addDays(p.asOf, 7))) {
        const weeks = quarterWeeks(p.asOf);
        for (const a of f.accounts.filter((x) => x.kind === 'REV' || x.kind === 'COM')) {
          plan.reinvest.push(...planReinvest({ account: a.id, premiumCents: await netPremium(ctx.prisma, a.id, weeks), quarter: quarterOf(p.asOf), reinvest: ctx.protocol.reinvest }));
        }
      }
      ctx.logger.info('rebalance planned', { family: f.id, week: p.week, fork: plan.fork?.child ?? null, merge: !!plan.merge, reinvest: plan.reinvest.length });
      return plan;
    },

    async applyFork(p: { familyId: string; week: string; fork: ForkDto }): Promise<{ childFamilyId: string; applied: string[] }> {
      const parent = await getFamily(ctx.prisma, p.familyId);
      const bases = Object.fromEntries(p.fork.entries.filter((e) => e.to.startsWith(`${p.fork.child}:`)).map((e) => [e.to.slice(p.fork.child.length + 1), e.amountCents]));
      await ensureFamily(ctx.prisma, { id: p.fork.child, name: `${parent?.name ?? p.familyId} fork ${p.week}`, parentFamilyId: p.familyId, kinds: ['GEN', 'COM'], bases });
      const applied = await postLedger(ctx.prisma, p.familyId, p.fork.entries, p.week, { surplus: p.fork.surplus });
      await setBase(ctx.prisma, `${p.familyId}:GEN`, p.fork.newBase);
      return { childFamilyId: p.fork.child, applied };
    },

    async applyMerge(p: { familyId: string; week: string; merge: { parent: string; entries: LedgerEntry[] } }): Promise<{ intoFamilyId: string; applied: string[] }> {
      const applied = await postLedger(ctx.prisma, p.familyId, p.merge.entries, p.week);
      // Shares move to the parent's Com-Acc at their cost basis; the closed accounts hold nothing.
      const { moved } = await mergeFamilyInto(ctx.prisma, p.familyId, accountId(p.merge.parent, 'COM'));
      if (moved.length) ctx.logger.info('merge moved positions', { family: p.familyId, into: p.merge.parent, moved });
      return { intoFamilyId: p.merge.parent, applied };
    },

    async applyLedger(p: { familyId: string; week: string; entries: LedgerEntry[] }): Promise<string[]> {
      // A REINVEST lands in the account's LEAPS sleeve: a real account, created on first use.
      for (const e of p.entries) if (e.reason === 'REINVEST' && e.to === leapsId(e.from)) await ensureLeapsSleeve(ctx.prisma, e.from);
      return postLedger(ctx.prisma, p.familyId, p.entries, p.week);
    },
  };
}
