/**
 * Step 1 of the weekly cycle: collect and validate the week's bars and next week's option
 * chains for every underlying a family trades. A symbol whose data fails validation is left
 * out with its reason (planning then skips it) rather than failing the whole family.
 */
import type { SymbolMarket } from '../../src/domain/protocol-cycle';
import { cycleDates } from '../../src/domain/protocol-cycle';
import { accountPositions, getFamily } from '../../src/db/accounts';
import { regimeHistoryWeeks, type Bar } from '../../src/domain/indicators';
import { chainWindowOf, type ChainQuote } from '../../src/domain/signals';
import { toCents, ymdOf, type ProtocolCtx } from './context';
import { poolOf } from '../../src/db/client';
import { toWeekly } from '../../src/domain/indicators';
import { MarketDataQuery } from '../../src/marketdata/query';

export interface WeekMarket {
  week: string;
  asOf: string;
  symbols: Record<string, SymbolMarket>;
  invalid: { symbol: string; reason: string }[];
}

const toBar = (b: { date: string; open: number; high: number; low: number; close: number }): Bar => ({
  date: b.date,
  open: toCents(b.open),
  high: toCents(b.high),
  low: toCents(b.low),
  close: toCents(b.close),
});

export function marketActivities(ctx: ProtocolCtx) {
  /** The chain around the money for the right the account sells: out of the money up to the configured window. */
  async function chainOf(symbol: string, expiry: string, right: 'C' | 'P', close: number): Promise<ChainQuote[]> {
    const [lo, hi] = chainWindowOf(right, close, ctx.protocol.signals.chainWindow, ctx.protocol.signals.chainWindowInTheMoney);
    const quotes = await ctx.shared().optionChain(symbol, ymdOf(expiry), right, lo, hi);
    return quotes.filter((q) => q.delta !== undefined && q.ask >= q.bid && q.bid >= 0).map((q) => ({ strike: toCents(q.strike), delta: q.delta!, bid: toCents(q.bid), ask: toCents(q.ask) }));
  }

  return {
    async collectWeekMarket(p: { familyId: string; asOf: string }): Promise<WeekMarket> {
      const family = await getFamily(ctx.prisma, p.familyId);
      if (!family) throw new Error(`unknown family ${p.familyId}`);
      const dates = cycleDates(p.asOf);
      const rights = new Map<string, Set<'C' | 'P'>>();
      const { config: familyConfig } = await ctx.config({ familyId: p.familyId });
      for (const a of family.accounts) {
        const cfg = (await ctx.config({ familyId: p.familyId, accountId: a.id })).config.accounts[a.kind];
        for (const s of cfg.underlyings) {
          const set = rights.get(s) ?? new Set();
          set.add(cfg.instrument === 'CASH_SECURED_PUT' ? 'P' : 'C');
          rights.set(s, set);
        }
      }
      // Whole lots held in any account are covered with calls (assigned shares in Gen/Rev-Acc too).
      const mult = familyConfig.market.contractMultiplier;
      for (const pos of await accountPositions(
        ctx.prisma,
        family.accounts.map((a) => a.id),
      ))
        if (pos.secType === 'STK' && pos.quantity >= mult) rights.set(pos.symbol, (rights.get(pos.symbol) ?? new Set<'C' | 'P'>()).add('C'));
      const md = ctx.shared(); // every family asks for the same bars and chains: one broker request per as-of
      const brokerNow = await md.now();
      // History ends at the week's close when the broker's clock is past it (backfill).
      const closeEnd = dates.close ? `${ymdOf(dates.close)} ${familyConfig.market.close}:00 US/Eastern` : ''; // the regular close (config market.close), New York time
      const end = dates.close && brokerNow.toISOString().slice(0, 10) > dates.close ? closeEnd : '';
      const out: WeekMarket = { week: dates.week, asOf: p.asOf, symbols: {}, invalid: [] };
      // Weekly bars (ATR, regimes) from the market-data store when it holds every trading day of
      // the year before the close; the broker otherwise (labelled like IB's: the week's first day).
      const pool = poolOf(ctx.prisma);
      const store = pool ? new MarketDataQuery(pool, { freshQuoteMs: 0, freshChainMs: 0, now: () => brokerNow }) : undefined;
      // Enough weeks for the regimes to be defined at the latest bar (PROTOCOL §4), not just a year.
      const historyWeeks = regimeHistoryWeeks(familyConfig.regime);
      const storedWeekly = async (symbol: string): Promise<Bar[] | null> => {
        const to = dates.close && brokerNow.toISOString().slice(0, 10) > dates.close ? dates.close : brokerNow.toISOString().slice(0, 10);
        const daily = await store?.freshBars(symbol, new Date(Date.parse(`${to}T00:00:00Z`) - historyWeeks * 7 * 86_400_000).toISOString().slice(0, 10), to).catch(() => null);
        return daily ? toWeekly(daily).map((w) => ({ date: w.firstDate, open: w.open, high: w.high, low: w.low, close: w.close })) : null;
      };
      for (const [symbol, rs] of [...rights].sort(([a], [b]) => a.localeCompare(b))) {
        try {
          const weekly = (await storedWeekly(symbol)) ?? (await md.bars(symbol, '1 week', `${historyWeeks} W`, end)).map(toBar);
          const last = weekly.at(-1);
          if (!last || last.close <= 0 || weekly.some((b) => b.low > b.high)) throw new Error('no valid weekly bars');
          const { expirations } = await md.expirations(symbol);
          const expiry = dates.nextExpiry && expirations.includes(ymdOf(dates.nextExpiry)) ? dates.nextExpiry : null;
          let chain: ChainQuote[] = [];
          if (expiry) for (const r of rs) chain = chain.concat(await chainOf(symbol, expiry, r, last.close / 100));
          out.symbols[symbol] = { symbol, closeCents: last.close, weekly, expiry: expiry ?? '', chain };
          if (!expiry) out.invalid.push({ symbol, reason: `next expiry ${dates.nextExpiry ?? '?'} not listed (broker clock ${brokerNow.toISOString()})` });
        } catch (err) {
          out.invalid.push({ symbol, reason: err instanceof Error ? err.message : String(err) });
        }
      }
      ctx.logger.info('week market collected', { family: p.familyId, week: dates.week, symbols: Object.keys(out.symbols).length, invalid: out.invalid });
      return out;
    },
  };
}
