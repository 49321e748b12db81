/**
 * Market-data collection (issue 15): daily bars, option-chain snapshots and quotes of open
 * positions from the broker into the store, validated on the way (src/domain/marketDataRules),
 * and backfill chunks. Idempotent: every row has a unique key (bars by day; snapshots and
 * quotes by the workflow's slot time, passed in), so a retried activity stores nothing twice.
 * The broker's market-data path paces every request (md-pacer.ts); a pacing error from the
 * gateway anyway (a restart that forgot the last 10 minutes) is waited out and counted.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { poolOf, type PrismaClient } from '../src/db/client';
import { MarketStore } from '../src/db/marketData';
import { addDays, isTradingDay, toEpochDay, type IsoDate } from '../src/domain/calendar';
import { DEFAULT_PROTOCOL, type ProtocolConfig } from '../src/domain/config';
import type { DailyBarRow, OptionRow, QuoteRow } from '../src/domain/marketDataRules';
import { fromDecimal } from '../src/domain/money';
import type { Logger } from '../src/logger';
import { isoOfYmd, ymdOfIso } from '../src/domain/instrument';
import { systemClock, type Clock } from '../src/contracts/clock';
import { marketDataSettings, type MarketDataSettings } from '../src/marketdata/settings';
import { mdGapDays, mdQuarantinedRows, mdQuarantinedTotal, mdRowsTotal, mdStaleTradingDays } from '../src/metrics';
import type { Broker, MarketBar, MarketData, OptionQuote } from '../src/contracts/broker';

export interface MarketDataDeps {
  prisma: PrismaClient;
  broker: Broker;
  logger: Logger;
  protocol?: ProtocolConfig;
  settings?: MarketDataSettings;
  /** business time (quality as of now, retention cut-off); the machine's by default */
  clock?: Clock;
}

export interface CollectResult {
  symbols: string[];
  fetched: number;
  inserted: number;
  quarantined: number;
  skipped?: string;
}

export interface BackfillChunk {
  symbol: string;
  from: IsoDate;
  to: IsoDate;
}

export interface BackfillChunkResult {
  rows: number;
  inserted: number;
  quarantined: number;
  requests: number;
  pacingErrors: number;
}

const cents = (x: number): number => fromDecimal(Math.round(x * 10_000) / 10_000, 'HALF_UP');
const ymd = (d: IsoDate): string => ymdOfIso(d);
const iso = isoOfYmd;

export function toBarRow(symbol: string, b: MarketBar): DailyBarRow {
  return { symbol, date: b.date, open: cents(b.open), high: cents(b.high), low: cents(b.low), close: cents(b.close), volume: b.volume ?? 0 };
}

export function toOptionRow(q: OptionQuote, snapshotAt: string): OptionRow {
  const f = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? null : x);
  return {
    symbol: q.symbol,
    snapshotAt,
    expiry: iso(q.expiry),
    strike: cents(q.strike),
    right: q.right,
    bid: cents(Math.max(0, q.bid)),
    ask: cents(Math.max(0, q.ask)),
    last: cents(Math.max(0, q.last)),
    iv: f(q.iv),
    delta: f(q.delta),
    gamma: f(q.gamma),
    vega: f(q.vega),
    theta: f(q.theta),
    openInterest: f(q.openInterest),
    underlying: q.underlying !== undefined && q.underlying > 0 ? cents(q.underlying) : null,
  };
}

const isPacing = (err: unknown): boolean => (err as { code?: number }).code === 162 && /pacing/i.test(String((err as Error).message ?? ''));

export function createMarketDataActivities(deps: MarketDataDeps) {
  const logger = deps.logger.child({ component: 'market-data' });
  const settings = deps.settings ?? marketDataSettings();
  const clock = deps.clock ?? systemClock;
  let store: MarketStore | undefined;
  const db = (): MarketStore => {
    const pool = poolOf(deps.prisma);
    if (!pool) throw ApplicationFailure.nonRetryable('the market-data store needs a client from getPrisma (its pg pool)', 'NoPool');
    return (store ??= new MarketStore(pool));
  };
  const md = (): MarketData => {
    if (!deps.broker.marketData) throw ApplicationFailure.nonRetryable('the broker has no market data port', 'NoMarketData');
    return deps.broker.marketData;
  };
  const protocol = deps.protocol ?? DEFAULT_PROTOCOL;
  const beat = () => {
    try {
      Context.current().heartbeat();
    } catch {
      /* not in an activity (direct call from a test or the benchmark) */
    }
  };
  const count = (kind: string, r: { inserted: number; quarantined: number }) => {
    mdRowsTotal.inc({ kind }, r.inserted);
    if (r.quarantined > 0) mdQuarantinedTotal.inc({ kind }, r.quarantined);
  };

  async function underlyingsAndHeld(held: boolean): Promise<string[]> {
    const set = new Set<string>([...Object.values(protocol.accounts).flatMap((a) => a.underlyings), ...settings.extraSymbols]);
    if (held) for (const p of await md().positions()) if (p.quantity !== 0) set.add(p.symbol.toUpperCase());
    return [...set].sort();
  }

  /** Bars for [from, to] in one paced request; a pacing error anyway is waited out and counted. */
  async function fetchBars(symbol: string, from: IsoDate, to: IsoDate): Promise<{ bars: MarketBar[]; requests: number; pacingErrors: number }> {
    const days = toEpochDay(to) - toEpochDay(from) + 1;
    const duration = days > 365 ? `${Math.ceil(days / 365)} Y` : `${days} D`;
    let pacingErrors = 0;
    for (let attempt = 1; ; attempt++) {
      beat();
      const hb = setInterval(beat, 5_000);
      try {
        const bars = await md().bars(symbol, '1 day', duration, `${ymd(to)} 23:59:59 US/Eastern`);
        return { bars: bars.filter((b) => b.date >= from && b.date <= to), requests: attempt, pacingErrors };
      } catch (err) {
        if (!isPacing(err) || attempt >= 5) throw err;
        pacingErrors++;
        logger.warn('historical pacing violation despite the pacer; waiting', { symbol, from, to, attempt });
        await new Promise((r) => setTimeout(r, Math.min(60_000, 2_000 * attempt)));
      } finally {
        clearInterval(hb);
      }
    }
  }

  return {
    /** Daily bars of the last `days` calendar days for the protocol's underlyings and every held symbol. */
    async mdCollectDailyBars(p: { days?: number; symbols?: string[] } = {}): Promise<CollectResult> {
      const now = await md().now();
      const to = now.toISOString().slice(0, 10);
      const from = addDays(to, -(p.days ?? 10));
      const symbols = p.symbols ?? (await underlyingsAndHeld(true));
      const out: CollectResult = { symbols, fetched: 0, inserted: 0, quarantined: 0 };
      for (const symbol of symbols) {
        const { bars } = await fetchBars(symbol, from, to);
        const r = await db().ingestBars(
          bars.map((b) => toBarRow(symbol, b)),
          'ib:collect',
        );
        count('bar', r);
        out.fetched += bars.length;
        out.inserted += r.inserted;
        out.quarantined += r.quarantined;
      }
      // Per-symbol data quality for the dashboards (the worker's /metrics).
      for (const q of await db().quality(clock.now(), symbols)) {
        mdStaleTradingDays.set({ symbol: q.symbol }, q.stale_trading_days ?? -1);
        mdGapDays.set({ symbol: q.symbol }, q.gaps);
        mdQuarantinedRows.set({ symbol: q.symbol }, q.quarantined);
      }
      logger.info('daily bars collected', out);
      return out;
    },

    /**
     * Chain snapshots of the underlyings: expiries within `weeks`, strikes within ±window of the
     * underlying, both rights. `slot` (the workflow's time) is the snapshot's key.
     */
    async mdCollectChains(p: { slot: string; symbols?: string[]; weeks?: number; window?: number }): Promise<CollectResult> {
      const m = md();
      const symbols = p.symbols ?? (await underlyingsAndHeld(false));
      const weeks = p.weeks ?? settings.chainWeeks;
      const window = p.window ?? settings.chainWindow;
      const now = await m.now();
      const until = ymd(addDays(now.toISOString().slice(0, 10), weeks * 7));
      const out: CollectResult = { symbols, fetched: 0, inserted: 0, quarantined: 0 };
      for (const symbol of symbols) {
        const listed = await m.expirations(symbol);
        const s = await m.stockQuote(symbol);
        const px = s.last > 0 ? s.last : (s.bid + s.ask) / 2;
        if (!(px > 0)) throw ApplicationFailure.retryable(`no price for ${symbol}`, 'NoPrice');
        const [lo, hi] = [px * (1 - window), px * (1 + window)];
        const strikes = listed.strikes.filter((k) => k >= lo && k <= hi).map(cents);
        for (const expiry of listed.expirations.filter((e) => e <= until)) {
          beat();
          const quotes = (await Promise.all((['C', 'P'] as const).map((r) => m.optionChain(symbol, expiry, r, lo, hi)))).flat();
          const r = await db().ingestChain(
            quotes.map((q) => toOptionRow(q, p.slot)),
            'ib:collect',
            strikes,
          );
          count('chain', r);
          out.fetched += quotes.length;
          out.inserted += r.inserted;
          out.quarantined += r.quarantined;
        }
      }
      logger.info('chain snapshots collected', out);
      return out;
    },

    /**
     * Quotes of every open position (stock or option); `slot` keys them. When to run is the
     * Schedule's business (session hours, trading days), so the simulator's always-open clock works too.
     */
    async mdCollectQuotes(p: { slot: string }): Promise<CollectResult> {
      const m = md();
      const now = await m.now();
      const positions = (await m.positions()).filter((x) => x.quantity !== 0);
      const rows: QuoteRow[] = [];
      for (const x of positions) {
        beat();
        if (x.secType === 'OPT' && x.expiry && x.strike !== undefined && x.right) {
          const q = await m.optionQuote(x.symbol, x.expiry, x.strike, x.right);
          rows.push({ contract: `${x.symbol} ${x.expiry} ${x.right} ${x.strike}`, symbol: x.symbol, ts: p.slot, bid: cents(q.bid), ask: cents(q.ask), last: cents(q.last) });
        } else {
          const q = await m.stockQuote(x.symbol);
          rows.push({ contract: x.symbol, symbol: x.symbol, ts: p.slot, bid: cents(q.bid), ask: cents(q.ask), last: cents(q.last) });
        }
      }
      const r = await db().ingestQuotes(rows, 'ib:collect', now);
      count('quote', r);
      const out = { symbols: [...new Set(rows.map((r) => r.symbol))], fetched: rows.length, inserted: r.inserted, quarantined: r.quarantined };
      logger.info('position quotes collected', out);
      return out;
    },

    /** Quotes of the given stock symbols (request_data freshness, tests); `slot` keys them. */
    async mdCollectStockQuotes(p: { slot: string; symbols: string[] }): Promise<CollectResult> {
      const m = md();
      const now = await m.now();
      const rows: QuoteRow[] = [];
      for (const symbol of p.symbols) {
        const q = await m.stockQuote(symbol);
        rows.push({ contract: symbol, symbol, ts: p.slot, bid: cents(q.bid), ask: cents(q.ask), last: cents(q.last) });
      }
      const r = await db().ingestQuotes(rows, 'ib:collect', now);
      count('quote', r);
      return { symbols: p.symbols, fetched: rows.length, inserted: r.inserted, quarantined: r.quarantined };
    },

    /** One backfill request: the symbol's daily bars in [from, to], validated into the store. */
    async mdBackfillChunk(c: BackfillChunk): Promise<BackfillChunkResult> {
      const { bars, requests, pacingErrors } = await fetchBars(c.symbol, c.from, c.to);
      const r = await db().ingestBars(
        bars.map((b) => toBarRow(c.symbol, b)),
        'ib:backfill',
      );
      count('bar', r);
      return { rows: bars.length, inserted: r.inserted, quarantined: r.quarantined, requests, pacingErrors };
    },

    /** Trading days of [from, to] (the backfill's denominator). */
    async mdTradingDays(p: { from: IsoDate; to: IsoDate }): Promise<number> {
      let n = 0;
      for (let d = p.from; d <= p.to; d = addDays(d, 1)) if (isTradingDay(d)) n++;
      return n;
    },

    /** Retention of intraday data: drops quote/chain partitions past their window. */
    async mdRetention(): Promise<string[]> {
      const dropped = await db().dropExpiredPartitions(clock.now(), { quoteDays: settings.quoteRetentionDays, chainDays: settings.chainRetentionDays });
      if (dropped.length) logger.info('market-data partitions dropped', { dropped });
      return dropped;
    },
  };
}

export type MarketDataActivities = ReturnType<typeof createMarketDataActivities>;
