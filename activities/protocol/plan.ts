/**
 * Steps 4–5 of the weekly cycle: next week's orders from the regimes and signals (domain
 * planAccount), saved once per client_order_id so a re-run places the same orders, and each
 * placement attempt priced at that moment (mid, then towards the bid, then skipped).
 */
import { Context } from '@temporalio/activity';
import { allUseOrderId, requestHash } from '../../src/contracts/ids';
import type { TradeAction, TradeInstruction } from '../../src/contracts/instruction';
import { asAction, isPut, isSell } from '../../src/domain/instrument';
import { accountPositions, getFamily, listFamilies } from '../../src/db/accounts';
import { plansOf, recordEntry, savePlans, type ProtocolOrderRow } from '../../src/db/protocolOrders';
import { previousWeekTypes } from '../../src/db/weekTypes';
import { marketSession, weekOf } from '../../src/domain/calendar';
import { fromDecimal, toDecimal } from '../../src/domain/money';
import { accountValue, cycleDates, entryDayOf, planAccount, weeksBetween, type AccountSnapshot } from '../../src/domain/protocol-cycle';
import { entryAtMarket, type EntryAtMarket } from '../../src/domain/engine';
import { chainWindowOf, limitPriceForAttempt, repriceDeadline, type ChainQuote } from '../../src/domain/signals';
import type { Regime } from '../../src/domain/indicators';
import type { Level } from '../../src/domain/levels';
import type { WeekType } from '../../src/domain/weekTypes';
import type { PositionLevel } from '../../src/contracts/workflows/positionMonitor';
import { INSTRUCTION_INPUT_VERSION, type TradeInstructionInput } from '../../src/contracts/workflows/tradeInstruction';
import { attemptClientOrderId, type AttemptPlan } from '../../src/contracts/workflows/placement';
import { protocolClientOrderId, type PlannedEntry } from '../../src/contracts/workflows/weeklyCycle';
import { INTERNAL_CLIENT, toCents, ymdOf, type ProtocolCtx } from './context';
import type { WeekMarket } from './market';
import { levelsOf } from './monitor';
import { isTerminal } from '../../src/contracts/orderStatus';
import { instructionExists, instructionProgress } from '../../src/db/instructionQueries';

const OPENING = ['OPEN', 'BUY_SHARES'];
/** How long a re-price wait lets an instruction take to reach the broker (risk check, pacing) before it counts anyway. */
const ARRIVAL_GRACE_MS = 5 * 60_000;
const toEntry = (r: ProtocolOrderRow): PlannedEntry => ({
  clientOrderId: r.clientOrderId,
  accountId: r.accountId,
  symbol: r.symbol,
  action: r.tradeAction,
  quantity: r.quantity,
  entryDay: r.entryDay,
  ...(typeof r.detail?.configVersion === 'number' ? { configVersion: r.detail.configVersion } : {}),
});

export function planActivities(ctx: ProtocolCtx) {
  const mult = ctx.protocol.market.contractMultiplier;

  async function snapshot(
    accountId: string,
    kind: AccountSnapshot['kind'],
    cashCents: number,
    nextWeek: string,
    marks: Readonly<Record<string, number>>,
    levels: PositionLevel[],
  ): Promise<AccountSnapshot> {
    const positions = await accountPositions(ctx.prisma, [accountId]);
    const shares: Record<string, { quantity: number; costBasisCents: number }> = {};
    const callsWritten: Record<string, number> = {};
    const atRiskCents: Record<string, number> = {};
    const holdings = [];
    for (const p of positions) {
      const avg = fromDecimal(p.avgPrice, 'HALF_EVEN');
      if (p.secType === 'STK') {
        shares[p.symbol] = { quantity: p.quantity, costBasisCents: avg };
        holdings.push({ quantity: p.quantity, markCents: marks[p.symbol] ?? avg, multiplier: 1 });
        continue;
      }
      holdings.push({ quantity: p.quantity, markCents: avg, multiplier: mult });
      if (p.right === 'C' && p.quantity < 0) callsWritten[p.symbol] = (callsWritten[p.symbol] ?? 0) - p.quantity;
      if (p.right === 'P' && p.quantity < 0) atRiskCents[p.symbol] = (atRiskCents[p.symbol] ?? 0) - p.quantity * p.strikeCents * mult;
    }
    const prev = (await previousWeekTypes(ctx.prisma, accountId, nextWeek)) as Record<string, WeekType>;
    const maxOpenLevel: Record<string, Level> = {};
    for (const l of levels.filter((x) => x.accountId === accountId)) maxOpenLevel[l.symbol] = Math.max(maxOpenLevel[l.symbol] ?? 0, l.level) as Level;
    return { accountId, kind, cashCents, valueCents: accountValue(cashCents, holdings), shares, callsWritten, atRiskCents, previousWeekType: prev, maxOpenLevel };
  }

  /**
   * PROTOCOL §6 step 5, decided at entry and not on the Friday before: the decision core's
   * entryAtMarket (the backtester's very call) sizes the entry and chooses its strike from the
   * account's books, the underlying's price and the chain as they are now; the Friday plan only
   * said the entry was due (and with which regime and target delta). The size, strike and the
   * entry's underlying price are recorded with the order (the monitor measures a level's move
   * from that price).
   */
  async function decideAtEntry(row: ProtocolOrderRow): Promise<EntryAtMarket> {
    const family = await getFamily(ctx.prisma, row.familyId);
    const account = family?.accounts.find((a) => a.id === row.accountId && a.status === 'OPEN');
    if (!account) return { ok: false, reason: 'ACCOUNT_CLOSED' };
    const { config } = await ctx.config({ familyId: row.familyId, accountId: row.accountId });
    const action = asAction(row.tradeAction);
    const right = action === 'BUY_STOCK' ? null : isPut(action) ? 'P' : 'C';
    // Shared: every family entering the same symbol at this bar prices from the same quote and chain (the worker's market memo).
    const spot = toCents((await ctx.shared().stockQuote(row.symbol)).last);
    let chain: ChainQuote[] = [];
    if (right && row.expiry) {
      const [lo, hi] = chainWindowOf(right, spot / 100, config.signals.chainWindow, config.signals.chainWindowInTheMoney);
      chain = (await ctx.shared().optionChain(row.symbol, ymdOf(row.expiry), right, lo, hi))
        .filter((q) => q.delta !== undefined && q.ask >= q.bid && q.bid >= 0)
        .map((q) => ({ strike: toCents(q.strike), delta: q.delta!, bid: toCents(q.bid), ask: toCents(q.ask) }));
    }
    // The level gate needs the family's levels only when the account has a short option open in the symbol.
    const open = (await accountPositions(ctx.prisma, [row.accountId])).some((x) => x.symbol === row.symbol && x.secType === 'OPT' && x.quantity < 0);
    const levels = open ? await levelsOf(ctx, row.familyId) : [];
    const books = await snapshot(account.id, account.kind, account.cashCents, row.week, { [row.symbol]: spot }, levels);
    const planned = row.detail?.regime as Pick<Regime, 'trend' | 'vol'> | undefined;
    const regime: Regime = { trend: planned?.trend ?? 'NEUTRAL', vol: planned?.vol ?? 'NORMAL', atr: row.atrCents ?? undefined };
    const decided = entryAtMarket(books, config.accounts[account.kind], config, { symbol: row.symbol, closeCents: spot, regime, expiry: row.expiry ?? '', chain });
    if (decided.ok && decided.order.action !== action) return { ok: false, reason: `PLAN_CHANGED: ${decided.order.action} at entry, ${action} planned` };
    if (decided.ok)
      await recordEntry(ctx.prisma, row.clientOrderId, {
        strikeCents: decided.order.strikeCents ?? null,
        underlyingCents: spot,
        delta: decided.quote?.delta ?? null,
        quantity: decided.order.quantity,
      });
    return decided;
  }

  return {
    async cycleDates(asOf: string) {
      return cycleDates(asOf);
    },

    /** Each week's closing day from `from` to `to` (Friday, or Thursday before a Friday holiday). */
    async weeksToRun(p: { from: string; to: string }): Promise<string[]> {
      return weeksBetween(p.from, p.to).map((f) => cycleDates(f).close ?? f);
    },

    /** Open families that existed before `week`: a fork founded in week W trades from W+1. */
    async listOpenFamilies(p: { week: string; only?: string[] }): Promise<string[]> {
      const foundedIn = (id: string) => id.slice(id.lastIndexOf('/') + 1);
      // `only`: those families and their forks (ids `<family>/<week>`).
      const chosen = (id: string) => !p.only || p.only.some((o) => id === o || id.startsWith(`${o}/`));
      return (await listFamilies(ctx.prisma, 'OPEN')).filter((f) => chosen(f.id) && (!f.parentFamilyId || foundedIn(f.id) < p.week)).map((f) => f.id);
    },

    async planWeek(p: { familyId: string; asOf: string; market: WeekMarket }): Promise<PlannedEntry[]> {
      const dates = cycleDates(p.asOf);
      const nextWeek = weekOf(dates.nextMonday);
      const existing = (await plansOf(ctx.prisma, { familyId: p.familyId, week: nextWeek })).filter((r) => OPENING.includes(r.purpose));
      if (existing.length > 0) return existing.map(toEntry); // the first plan of a week is the plan
      const family = await getFamily(ctx.prisma, p.familyId);
      if (!family || family.status !== 'OPEN') return [];
      const markets = Object.fromEntries(Object.entries(p.market.symbols).filter(([, m]) => m.expiry && m.chain.length > 0));
      const rows: ProtocolOrderRow[] = [];
      // Positions still open over the weekend (rolled, or longer-dated) gate new entries by level.
      const levels = await levelsOf(ctx, p.familyId);
      const closes = Object.fromEntries(Object.entries(p.market.symbols).map(([k, m]) => [k, m.closeCents]));
      for (const a of family.accounts.filter((x) => x.status === 'OPEN')) {
        // The configuration in force for this account now; its version is recorded with each order.
        const { version: configVersion, config } = await ctx.config({ familyId: p.familyId, accountId: a.id });
        const cfg = config.accounts[a.kind];
        const entryDay = entryDayOf(cfg, dates.nextMonday);
        if (!entryDay) continue;
        const snap = await snapshot(a.id, a.kind, a.cashCents, nextWeek, closes, levels);
        const plan = planAccount(snap, cfg, config, markets);
        if (plan.skipped.length) ctx.logger.info('symbols skipped', { account: a.id, week: nextWeek, skipped: plan.skipped });
        const n = new Map<string, number>();
        for (const o of plan.orders) {
          n.set(o.symbol, (n.get(o.symbol) ?? 0) + 1);
          rows.push({
            clientOrderId: protocolClientOrderId(p.familyId, a.kind, nextWeek, o.symbol, n.get(o.symbol)!),
            familyId: p.familyId,
            accountId: a.id,
            week: nextWeek,
            symbol: o.symbol,
            purpose: o.action === 'BUY_STOCK' ? 'BUY_SHARES' : 'OPEN',
            tradeAction: o.action,
            quantity: o.quantity,
            strikeCents: o.strikeCents ?? null,
            expiry: o.expiry ?? null,
            underlyingCents: o.underlyingCents,
            atrCents: o.atrCents ?? null,
            entryDay,
            detail: { regime: o.regime, targetDelta: o.targetDelta, costBasisCents: snap.shares[o.symbol]?.costBasisCents, configVersion },
          });
        }
      }
      await savePlans(ctx.prisma, rows);
      return (await plansOf(ctx.prisma, { familyId: p.familyId, week: nextWeek })).filter((r) => OPENING.includes(r.purpose)).map(toEntry);
    },

    /**
     * One placement attempt: the instruction priced now, or what an earlier run already placed.
     * `round` > 0: a retry on a later entry day (or of a roll leg) — new client_order_ids, and an
     * entry chooses its strike again from the chain as it is then.
     */
    async prepareAttempt(p: { clientOrderId: string; attempt: number; round?: number }): Promise<AttemptPlan> {
      const [row] = await plansOf(ctx.prisma, { clientOrderId: p.clientOrderId });
      if (!row) throw new Error(`unknown protocol order ${p.clientOrderId}`);
      const coid = attemptClientOrderId(row.clientOrderId, p.attempt, p.round ?? 0);
      const id = allUseOrderId(INTERNAL_CLIENT, coid);
      if (await instructionExists(ctx.prisma, id)) return { kind: 'EXISTS', allUseOrderId: id };
      const action = row.tradeAction as TradeAction;
      const stock = action === 'BUY_STOCK';
      if (stock && p.attempt > 0) return { kind: 'SKIP', reason: 'market order: no re-price' };
      if (OPENING.includes(row.purpose) && p.attempt === 0) {
        const decided = await decideAtEntry(row);
        if (!decided.ok) return { kind: 'SKIP', reason: decided.reason };
        row.quantity = decided.order.quantity;
        row.strikeCents = decided.order.strikeCents ?? row.strikeCents;
      }
      let limit: number | undefined;
      if (!stock) {
        const q = await ctx.md().optionQuote(row.symbol, ymdOf(row.expiry!), Number(toDecimal(row.strikeCents!)), isPut(action) ? 'P' : 'C');
        const side = isSell(action) ? 'SELL' : 'BUY';
        const start = Number(row.detail?.startAttempt ?? 0);
        const c = limitPriceForAttempt(p.attempt + start, toCents(q.bid), toCents(q.ask), side, ctx.protocol.signals);
        if (c === 'SKIP' || c <= 0) return { kind: 'SKIP', reason: c === 'SKIP' ? 'no fill after the last re-price' : 'no bid' };
        limit = Number(toDecimal(c));
      }
      const kind = row.accountId.slice(row.familyId.length + 1);
      const instruction: TradeInstruction = {
        starlab_strategy_id: `ALLUSE_${kind}`,
        scheme_type: 'WIS',
        symbol: row.symbol,
        trade_action: action,
        quantity: row.quantity,
        order_type: stock ? 'MARKET' : 'LIMIT',
        time_in_force: ctx.protocol.signals.timeInForce,
        client_order_id: coid,
        ...(limit !== undefined ? { limit_price: limit } : {}),
        ...(row.expiry ? { expiration_date: row.expiry, strike_price: Number(toDecimal(row.strikeCents!)) } : {}),
      };
      const input: TradeInstructionInput = {
        allUseOrderId: id,
        clientName: INTERNAL_CLIENT,
        source: 'INTERNAL',
        requestHash: requestHash(instruction),
        instruction,
        accountId: row.accountId,
        receivedAt: ctx.clock.now().toISOString(),
        inputVersion: INSTRUCTION_INPUT_VERSION,
      };
      return { kind: 'PLACE', input };
    },

    /**
     * Waits (heartbeating) until the instruction is terminal or `waitMs` has passed since its order
     * reached the broker (domain `repriceDeadline`); reads the database.
     */
    async awaitTerminal(p: { allUseOrderId: string; waitMs: number }): Promise<{ status: string; filledQuantity: number }> {
      // Never outlive the activity's own timeout, or every retry would start the wait afresh.
      const { startToCloseTimeoutMs } = Context.current().info;
      const startedAt = Date.now();
      let arrivedAt: number | null = null;
      for (let first = true; ; first = false) {
        const st = await instructionProgress(ctx.prisma, p.allUseOrderId);
        // Seen arriving now, or (already there at the first look: a retried wait) when its row was
        // written, never later than now (the database's clock may run ahead of this process's).
        if (arrivedAt === null && st.arrivedAt) arrivedAt = first ? Math.min(st.arrivedAt.getTime(), Date.now()) : Date.now();
        const deadline = repriceDeadline({ startedAt, arrivedAt, waitMs: p.waitMs, arrivalGraceMs: ARRIVAL_GRACE_MS, capMs: Math.max(0, startToCloseTimeoutMs - 30_000) });
        if (isTerminal(st.status) || Date.now() >= deadline) return { status: st.status, filledQuantity: st.filledQuantity };
        Context.current().heartbeat();
        await new Promise((res) => setTimeout(res, 250));
      }
    },

    /** The entry day's session open (UTC ISO), or null when the exchange is closed that day. */
    async entryTime(day: string): Promise<string | null> {
      return marketSession(day, ctx.protocol.market)?.openUtc ?? null;
    },

    /**
     * Waits until the broker's clock reaches `at`. Live, it has already (the workflow slept
     * until then); against the simulator's manual clock it is the simulated market's time.
     */
    async awaitBrokerTime(at: string): Promise<string> {
      const target = Date.parse(at);
      for (;;) {
        const now = await ctx.md().now();
        if (now.getTime() >= target) return now.toISOString();
        Context.current().heartbeat(now.toISOString());
        await Context.current().sleep(500); // rejects when the activity is cancelled (workflow gone, worker stopping)
      }
    },
  };
}
