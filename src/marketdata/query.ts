/**
 * The one read path to market data: the store when it holds what was asked for (fresh enough),
 * the broker otherwise, and every answer says which (`source`). Used by request_data, the
 * backtester (store only) and the protocol's weekly bars. Prices in answers are decimal
 * numbers (the §6.1 shapes); the store keeps cents.
 */
import type pg from 'pg';
import type { MarketData } from '../contracts/broker';
import { lastClosedSession, MarketStore } from '../db/marketData';
import { addDays, type IsoDate } from '../domain/calendar';
import type { Bar } from '../domain/indicators';
import { missingTradingDays } from '../domain/marketDataRules';
import { ymdOfIso } from '../domain/instrument';

export type Source = 'store' | 'broker';

export interface QueryOptions {
  /** a stored quote younger than this answers QUOTE */
  freshQuoteMs: number;
  /** a stored chain snapshot younger than this answers OPTION_CHAIN for one expiry */
  freshChainMs: number;
  now?: () => Date;
}

const dollars = (c: number) => c / 100;
const dec = (b: Bar) => ({ date: b.date, open: dollars(b.open), high: dollars(b.high), low: dollars(b.low), close: dollars(b.close) });

export class MarketDataQuery {
  readonly store: MarketStore;
  private readonly now: () => Date;

  constructor(
    store: MarketStore | pg.Pool,
    private readonly o: QueryOptions,
  ) {
    this.store = store instanceof MarketStore ? store : new MarketStore(store);
    this.now = o.now ?? (() => new Date());
  }

  /** Stored daily bars (cents), oldest first: the backtester's and the benchmark's read. */
  storedBars(symbol: string, from: IsoDate, to: IsoDate): Promise<Bar[]> {
    return this.store.bars(symbol, from, to);
  }

  /**
   * Daily bars from the store when it has every trading day of [from, min(to, last closed
   * session)]; else null (the caller asks the broker).
   */
  async freshBars(symbol: string, from: IsoDate, to: IsoDate): Promise<Bar[] | null> {
    const last = lastClosedSession(this.now());
    const upto = to < last ? to : last;
    if (upto < from) return null;
    const bars = await this.store.bars(symbol, from, to);
    if (bars.length === 0) return null;
    return missingTradingDays(
      bars.map((b) => b.date),
      from,
      upto,
    ).length === 0
      ? bars
      : null;
  }

  async dailyBars(md: MarketData | undefined, symbol: string, from: IsoDate, to: IsoDate, broker: () => Promise<unknown>): Promise<{ source: Source; data: unknown }> {
    const stored = await this.freshBars(symbol, from, to);
    if (stored) return { source: 'store', data: { symbol, bars: stored.map(dec) } };
    return { source: 'broker', data: await broker() };
  }

  async quote(symbol: string, broker: () => Promise<unknown>): Promise<{ source: Source; data: unknown }> {
    const q = await this.store.latestQuote(symbol);
    if (q && this.now().getTime() - Date.parse(q.ts) <= this.o.freshQuoteMs) {
      return { source: 'store', data: { symbol, bid: dollars(q.bid), ask: dollars(q.ask), last: dollars(q.last), quote_time: q.ts } };
    }
    return { source: 'broker', data: await broker() };
  }

  async chain(symbol: string, expiry: IsoDate | undefined, broker: () => Promise<unknown>): Promise<{ source: Source; data: unknown }> {
    if (expiry) {
      const c = await this.store.latestChain(symbol, expiry);
      if (c && this.now().getTime() - Date.parse(c.snapshotAt) <= this.o.freshChainMs) {
        const und = c.rows.find((r) => r.underlying)?.underlying;
        const row = (r: (typeof c.rows)[number]) => ({
          symbol,
          expiry: ymdOfIso(expiry),
          strike: dollars(r.strike),
          right: r.right,
          bid: dollars(r.bid),
          ask: dollars(r.ask),
          last: dollars(r.last),
          ...(r.delta !== null && r.delta !== undefined ? { delta: r.delta } : {}),
          ...(r.iv !== null && r.iv !== undefined ? { iv: r.iv } : {}),
          ...(r.underlying ? { underlying: dollars(r.underlying) } : {}),
        });
        return {
          source: 'store',
          data: {
            symbol,
            expiration_date: expiry,
            underlying: und ? dollars(und) : null,
            calls: c.rows.filter((r) => r.right === 'C').map(row),
            puts: c.rows.filter((r) => r.right === 'P').map(row),
            snapshot_at: c.snapshotAt,
          },
        };
      }
    }
    return { source: 'broker', data: await broker() };
  }
}

/** Weekly bars for the protocol from stored daily bars covering a year before `to`, or null if the store lacks any day. */
export async function storedYear(q: MarketDataQuery, symbol: string, to: IsoDate): Promise<Bar[] | null> {
  return q.freshBars(symbol, addDays(to, -365), to);
}
