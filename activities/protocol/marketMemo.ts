/**
 * A per-worker memo of the broker's market data (bars, expirations, chains, quotes), keyed by
 * the request and the market's as-of instant, so that 100 families asking for the same TSLA
 * chain on the same day cause one broker request, not 100 (each request queues on the one
 * market-data session's pacing and costs the adapter and the broker CPU: docs/OPERATIONS.md,
 * "The weekly cycle's scaling").
 *
 * Never stale across days or bars: every key carries the as-of of the business clock
 * (`asOfBar`). While the exchange is open that is the current bar (`barMs`, 5 s by default),
 * so a re-price a bar later asks the broker again; while it is closed it is the last session's
 * close, because nothing trades until the next open (the Friday cycle's collection after the
 * close, a Monday entry before the open). Concurrent asks share one request; a failed request
 * is forgotten at once (the next ask tries again). Bounded: the least recently used entries go
 * first beyond `maxEntries`.
 *
 * Values are shared between callers: they are frozen (one level) so no caller can change
 * another's copy.
 */
import { DateTime } from 'luxon';
import { marketSession } from '../../src/domain/calendar';
import type { Clock } from '../../src/contracts/clock';
import type { MarketData } from '../../src/contracts/broker';

export interface MarketHours {
  open: string;
  close: string;
  earlyClose: string;
  timeZone: string;
}

export interface MarketMemoOptions {
  /** Most entries kept (default 2,000: every symbol's chains, quotes and bars of a week several times over). */
  maxEntries?: number;
  /** Length of a bar while the exchange is open, ms (default 5,000). */
  barMs?: number;
}

/**
 * The instant market data is as of at `now`: `bar:<n>` (the n-th `barMs` bar since the epoch)
 * while a session is open, `close:<UTC close>` of the latest session that closed at or before
 * `now` otherwise. Pure.
 */
export function asOfBar(now: Date, hours: MarketHours, barMs: number): string {
  const t = now.getTime();
  let day = DateTime.fromMillis(t, { zone: hours.timeZone }).toISODate()!;
  const today = marketSession(day, hours);
  if (today && t >= Date.parse(today.openUtc) && t < Date.parse(today.closeUtc)) return `bar:${Math.floor(t / barMs)}`;
  // Closed: the latest close at or before now (today's after the close; otherwise an earlier trading day's).
  for (let i = 0; i < 15; i++) {
    const s = marketSession(day, hours);
    if (s && Date.parse(s.closeUtc) <= t) return `close:${s.closeUtc}`;
    day = DateTime.fromISO(day, { zone: hours.timeZone }).minus({ days: 1 }).toISODate()!;
  }
  // No session in 15 days (never on the exchange calendar): fall back to the day, still never stale across days.
  return `day:${DateTime.fromMillis(t, { zone: hours.timeZone }).toISODate()!}`;
}

const freeze = <T>(v: T): T => {
  if (Array.isArray(v)) for (const x of v) if (x && typeof x === 'object') Object.freeze(x);
  return v && typeof v === 'object' ? Object.freeze(v) : v;
};

interface Entry {
  value: Promise<unknown>;
  /** process time (ms) after which the entry is not served */
  until: number;
}

export class MarketMemo {
  private readonly entries = new Map<string, Entry>();
  readonly maxEntries: number;
  readonly barMs: number;
  private readonly nowMs: () => number;
  /** Asks answered from the memo / asks that went to the broker (for tests and logs). */
  hits = 0;
  misses = 0;

  /** `nowMs`: the process's own clock (real time, not the business clock), injectable for tests. */
  constructor(opts: MarketMemoOptions & { nowMs?: () => number } = {}) {
    this.maxEntries = opts.maxEntries ?? 2000;
    this.barMs = opts.barMs ?? 5000;
    this.nowMs = opts.nowMs ?? (() => performance.now());
    if (!(Number.isInteger(this.maxEntries) && this.maxEntries > 0)) throw new RangeError(`MarketMemo: bad maxEntries ${this.maxEntries}`);
    if (!(Number.isInteger(this.barMs) && this.barMs > 0)) throw new RangeError(`MarketMemo: bad barMs ${this.barMs}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The value under `key`, loading it once; callers asking while it loads share the load.
   * `maxAgeMs`: the entry is also dropped that long after its load started, in the process's
   * own time (Infinity: only the key, i.e. its as-of, decides).
   */
  get<T>(key: string, load: () => Promise<T>, maxAgeMs = Infinity): Promise<T> {
    const now = this.nowMs();
    const found = this.entries.get(key);
    this.entries.delete(key); // re-inserted below: Map order is the recency order
    if (found && found.until > now) {
      this.hits++;
      this.entries.set(key, found);
      return found.value as Promise<T>;
    }
    this.misses++;
    const value = load().then(freeze);
    const entry: Entry = { value, until: now + maxAgeMs };
    this.entries.set(key, entry);
    // A failure is not remembered: only this ask and those sharing it see it.
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

/**
 * `md` with its market-data reads answered through `memo`, keyed by the request and its as-of
 * bar on `clock`; the account, the clock and the session's own calls go straight through.
 */
export function memoizedMarketData(md: MarketData, memo: MarketMemo, clock: Clock, hours: MarketHours): MarketData {
  /**
   * Through the memo under the request and its as-of. An in-session entry also ages out after one
   * bar of the process's own time: a simulated or manual clock can stand still while prices move.
   */
  const memoized = <T>(parts: (string | number)[], load: () => Promise<T>): Promise<T> => {
    const at = asOfBar(clock.now(), hours, memo.barMs);
    return memo.get(`${parts.join('|')}|${at}`, load, at.startsWith('bar:') ? memo.barMs : Infinity);
  };
  return {
    bars: (symbol, barSize, duration, end = '') => memoized(['bars', symbol, barSize, duration, end], () => md.bars(symbol, barSize, duration, end)),
    stockQuote: (symbol) => memoized(['stk', symbol], () => md.stockQuote(symbol)),
    expirations: (symbol) => memoized(['exp', symbol], () => md.expirations(symbol)),
    optionQuote: (symbol, expiry, strike, right) => memoized(['opt', symbol, expiry, strike, right], () => md.optionQuote(symbol, expiry, strike, right)),
    optionChain: (symbol, expiry, right, lo, hi) => memoized(['chain', symbol, expiry, right, lo, hi], () => md.optionChain(symbol, expiry, right, lo, hi)),
    positions: () => md.positions(),
    accountSummary: () => md.accountSummary(),
    now: () => md.now(),
    close: () => md.close(),
    ...(md.accountCash ? { accountCash: () => md.accountCash!() } : {}),
    ...(md.executionsSince ? { executionsSince: (since: Date) => md.executionsSince!(since) } : {}),
    ...(md.pacing ? { pacing: () => md.pacing!() } : {}),
  };
}
