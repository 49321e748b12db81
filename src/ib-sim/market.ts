/**
 * Market model: stock prices (configured, or derived from the symbol so they are stable run to
 * run), seedable GBM moves when the clock advances, weekly + monthly option chains, and
 * Black-Scholes quotes with a bid/ask spread.
 */
import { DateTime } from 'luxon';
import { blackScholes } from './bs';
import { closeOf, fromYyyymmdd, isTradingDay, NY, SimClock, weeklyExpiry, yyyymmdd } from './clock';
import { Replay, ReplayOptions } from './replay';
import { Quote, Right, SecType, SimContract } from './types';

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: tiny deterministic PRNG, so a seed reproduces a whole price path. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (x: number, tick: number): number => Math.round(x / tick) * tick;
const r2 = (x: number): number => Math.round(x * 100) / 100;

export interface MarketOptions {
  prices?: Record<string, number>;
  vols?: Record<string, number>;
  seed?: number;
  /** Half the stock bid/ask spread in dollars (default 0.01). */
  stockHalfSpread?: number;
  /** 'gbm' (default): prices random-walk when the clock is advanced; 'static': only setPrice moves them. */
  priceModel?: 'gbm' | 'static';
  riskFree?: number;
  /** Symbols whose prices replay daily bars from a CSV instead of GBM. */
  replay?: ReplayOptions[];
  /** Symbols listed besides LISTED_SYMBOLS and those given prices (contract details answer only listed ones). */
  listed?: string[];
  /** One strike spacing in dollars for every price (default: the listed increments of strikeStep). */
  strikeStep?: number;
  /**
   * Option quotes from the model price rounded to `tick` first, then ± max(minHalfSpread,
   * halfSpread × that mid) (the backtester's quote rule, for the parity check); default: the
   * listed-market rule below (ticks of 0.05 above $3, about 2 % each side).
   */
  optionQuote?: { tick: number; halfSpread: number; minHalfSpread: number };
}

/**
 * What the simulated exchange lists: contract details and option parameters answer these
 * (plus every symbol given a price by configuration, replay, setPrice or the admin API); any
 * other symbol gets IB's error 200 "No security definition has been found for the request".
 */
export const LISTED_SYMBOLS: readonly string[] = [
  'AAPL',
  'ABBV',
  'ADBE',
  'AMD',
  'AMZN',
  'AVGO',
  'BA',
  'BAC',
  'BRK B',
  'C',
  'COST',
  'CRM',
  'CSCO',
  'CVX',
  'DIA',
  'DIS',
  'GE',
  'GOOG',
  'GOOGL',
  'GS',
  'HD',
  'IBM',
  'INTC',
  'IWM',
  'JNJ',
  'JPM',
  'KO',
  'LLY',
  'MA',
  'MCD',
  'META',
  'MRK',
  'MS',
  'MSFT',
  'NDX',
  'NFLX',
  'NKE',
  'NVDA',
  'ORCL',
  'PEP',
  'PFE',
  'PG',
  'QQQ',
  'RUT',
  'SPX',
  'SPY',
  'T',
  'TLT',
  'TSLA',
  'UNH',
  'V',
  'VIX',
  'VZ',
  'WFC',
  'WMT',
  'XLE',
  'XLF',
  'XOM',
];

export class Market {
  private readonly prices = new Map<string, number>();
  private readonly vols = new Map<string, number>();
  private readonly rng: () => number;
  /** Day high/low/open/volume for TICK_PRICE 6/7/14 and 8. */
  private readonly session = new Map<string, { open: number; high: number; low: number; close: number }>();

  constructor(
    private readonly clock: SimClock,
    private readonly opts: MarketOptions = {},
  ) {
    for (const x of opts.listed ?? []) this.listedSymbols.add(x.toUpperCase());
    for (const [s, p] of Object.entries(opts.prices ?? {})) this.setPrice(s, p);
    for (const [s, v] of Object.entries(opts.vols ?? {})) this.vols.set(s.toUpperCase(), v);
    this.rng = prng(opts.seed ?? 42);
    for (const r of opts.replay ?? []) {
      const rp = new Replay(r);
      this.replays.set(rp.symbol, rp);
      this.setPrice(rp.symbol, rp.current());
    }
  }

  private readonly replays = new Map<string, Replay>();
  private readonly listedSymbols = new Set<string>(LISTED_SYMBOLS);

  /** Whether the simulated exchange lists this symbol (see LISTED_SYMBOLS). */
  isListed(symbol: string): boolean {
    return this.listedSymbols.has(symbol.toUpperCase());
  }

  /** Bad data a test injected (admin POST /bad_data): crossed stock quotes, an at-the-money call bid above its underlying. */
  readonly bad = { crossed: new Set<string>(), chainArbitrage: new Set<string>() };

  /** Session boundary for replayed symbols: the row's open at the open, its close at the close. */
  replayStep(kind: 'open' | 'close'): void {
    for (const [s, rp] of this.replays) this.setPrice(s, kind === 'open' ? rp.open() : rp.close());
  }

  get riskFree(): number {
    return this.opts.riskFree ?? 0.04;
  }

  price(symbol: string): number {
    const s = symbol.toUpperCase();
    let p = this.prices.get(s);
    if (p === undefined) {
      p = 100 + (fnv1a(s) % 400);
      this.assignPrice(s, p);
    }
    return p;
  }

  /** Sets a price and lists the symbol (configuration, replay, tests, the admin API). */
  setPrice(symbol: string, price: number): void {
    this.assignPrice(symbol, price);
    this.listedSymbols.add(symbol.toUpperCase());
  }

  private assignPrice(symbol: string, price: number): void {
    if (!(price > 0) || !Number.isFinite(price)) throw new RangeError(`bad price ${price} for ${symbol}`);
    const s = symbol.toUpperCase();
    const p = r2(price);
    this.prices.set(s, p);
    const day = this.session.get(s);
    if (!day) this.session.set(s, { open: p, high: p, low: p, close: p });
    else Object.assign(day, { high: Math.max(day.high, p), low: Math.min(day.low, p) });
  }

  symbols(): string[] {
    return [...this.prices.keys()];
  }
  allPrices(): Record<string, number> {
    return Object.fromEntries(this.prices);
  }

  /** Annual volatility: configured, else 20-60 % derived from the symbol. */
  vol(symbol: string): number {
    const s = symbol.toUpperCase();
    return this.vols.get(s) ?? 0.2 + (fnv1a(s + ':vol') % 41) / 100;
  }

  setVol(symbol: string, vol: number): void {
    this.vols.set(symbol.toUpperCase(), vol);
  }

  dayStats(symbol: string): { open: number; high: number; low: number; close: number } {
    this.price(symbol);
    return this.session.get(symbol.toUpperCase())!;
  }

  /** GBM step over `years` for every known symbol (zero drift: the simulator has no opinion). */
  evolve(years: number): void {
    if (this.opts.priceModel === 'static' || years <= 0) return;
    for (const s of [...this.prices.keys()].sort()) {
      if (this.replays.has(s)) continue;
      const v = this.vol(s);
      // Box-Muller from the seeded PRNG; sorted symbols keep the draw order reproducible.
      const z = Math.sqrt(-2 * Math.log(1 - this.rng())) * Math.cos(2 * Math.PI * this.rng());
      this.assignPrice(s, Math.max(0.01, this.price(s) * Math.exp(-0.5 * v * v * years + v * Math.sqrt(years) * z)));
    }
  }

  /** New trading day: today's close becomes the reference close, high/low restart. */
  newSession(): void {
    for (const [s, p] of this.prices) this.session.set(s, { open: p, high: p, low: p, close: p });
  }

  private readonly registry = new Map<number, SimContract>();

  byConId(conId: number): SimContract | undefined {
    return this.registry.get(conId);
  }

  contract(symbol: string, secType: SecType, expiry?: string, strike?: number, right?: Right): SimContract {
    const c = this.makeContract(symbol, secType, expiry, strike, right);
    // Partial option contracts (search templates) are not registered: they have no conId of their own.
    if (secType !== 'OPT' || (expiry && strike && right)) this.registry.set(c.conId, c);
    return c;
  }

  private makeContract(symbol: string, secType: SecType, expiry?: string, strike?: number, right?: Right): SimContract {
    const s = symbol.toUpperCase();
    if (secType !== 'OPT') {
      const conId = 1_000_000 + (fnv1a(secType === 'STK' ? s : `${s}:${secType}`) % 8_000_000);
      return { conId, symbol: s, secType, multiplier: 1, exchange: secType === 'IND' ? 'CBOE' : 'SMART', currency: 'USD', localSymbol: s, tradingClass: s };
    }
    const k = strike ?? 0;
    const exp = expiry ?? '';
    const occ = `${s.padEnd(6)}${exp.slice(2)}${right ?? ''}${String(Math.round(k * 1000)).padStart(8, '0')}`;
    return {
      conId: 100_000_000 + (fnv1a(occ) % 900_000_000),
      symbol: s,
      secType,
      expiry: exp,
      strike: k,
      right,
      multiplier: 100,
      exchange: 'SMART',
      currency: 'USD',
      localSymbol: occ,
      tradingClass: s,
    };
  }

  /** Epoch ms of the expiry's 16:00 New York close. */
  expiryClose(expiry: string): number {
    return closeOf(fromYyyymmdd(expiry)).toMillis();
  }

  /** Years from now to the expiry's 16:00 New York close. */
  yearsTo(expiry: string): number {
    const ms = this.expiryClose(expiry) - this.clock.now().getTime();
    return Math.max(0, ms / (365 * 24 * 3600 * 1000));
  }

  quote(c: SimContract): Quote {
    const s = this.price(c.symbol);
    if (c.secType !== 'OPT') {
      const hs = this.opts.stockHalfSpread ?? 0.01;
      if (this.bad.crossed.has(c.symbol)) return { bid: r2(s + 0.05), ask: r2(s - 0.05), last: s, bidSize: 100, askSize: 100, model: s };
      return { bid: r2(s - hs), ask: r2(s + hs), last: s, bidSize: 300 + (fnv1a(c.symbol) % 5) * 100, askSize: 400, model: s };
    }
    const vol = this.vol(c.symbol);
    const g = blackScholes(c.right ?? 'C', s, c.strike ?? s, this.yearsTo(c.expiry ?? ''), vol, this.riskFree);
    const fixed = this.opts.optionQuote;
    if (fixed) {
      const mid = round(g.price, fixed.tick);
      const half = Math.max(fixed.minHalfSpread, round(mid * fixed.halfSpread, fixed.tick));
      return {
        bid: r2(Math.max(0, mid - half)),
        ask: r2(mid + half),
        last: r2(mid),
        bidSize: 20,
        askSize: 25,
        model: g.price,
        undPrice: s,
        iv: vol,
        delta: g.delta,
        gamma: g.gamma,
        vega: g.vega,
        theta: g.theta,
      };
    }
    const tick = g.price >= 3 ? 0.05 : 0.01;
    // Wider markets on dearer options, like listed equity options (about 2 % each side).
    const hs = Math.max(tick, round(g.price * 0.02, tick));
    const bid = Math.max(0, round(g.price - hs, tick));
    const ask = Math.max(tick, round(g.price + hs, tick));
    // Injected arbitrage: the call at the listed strike nearest the money bids above the underlying.
    if (c.right === 'C' && this.bad.chainArbitrage.has(c.symbol) && c.strike === this.strikes(c.symbol).reduce((a, k) => (Math.abs(k - s) < Math.abs(a - s) ? k : a))) {
      return { bid: r2(s * 1.2), ask: r2(s * 1.25), last: r2(s * 1.2), bidSize: 20, askSize: 25, model: g.price, undPrice: s, iv: vol, delta: g.delta, gamma: g.gamma, vega: g.vega, theta: g.theta };
    }
    return { bid: r2(bid), ask: r2(ask), last: r2(round(g.price, tick)), bidSize: 20, askSize: 25, model: g.price, undPrice: s, iv: vol, delta: g.delta, gamma: g.gamma, vega: g.vega, theta: g.theta };
  }

  /** Weekly expiries for the next 6 weeks plus monthly (third Friday) for the next 3 months. */
  expirations(): string[] {
    const now = DateTime.fromJSDate(this.clock.now(), { zone: NY });
    const set = new Set<string>();
    for (let w = 0; w < 6; w++) {
      const e = weeklyExpiry(now.plus({ weeks: w }));
      if (closeOf(e) > now) set.add(yyyymmdd(e));
    }
    const monthly = (first: DateTime) => {
      let d = first.plus({ days: ((5 - first.weekday + 7) % 7) + 14 });
      while (!isTradingDay(d)) d = d.minus({ days: 1 });
      if (closeOf(d) > now) set.add(yyyymmdd(d));
    };
    for (let m = 0; m < 4; m++) monthly(now.plus({ months: m }).startOf('month'));
    // LEAPS: the January expirations of the next three years, as the exchanges list them.
    for (let y = 1; y <= 3; y++) monthly(now.plus({ years: y }).startOf('year'));
    return [...set].sort();
  }

  strikeStep(price: number): number {
    if (this.opts.strikeStep) return this.opts.strikeStep;
    return price < 25 ? 0.5 : price < 100 ? 1 : price < 250 ? 2.5 : 5;
  }

  /** Strikes from 70 % to 130 % of the current price on the usual listed increments. */
  strikes(symbol: string): number[] {
    const p = this.price(symbol);
    const step = this.strikeStep(p);
    const out: number[] = [];
    for (let k = Math.ceil((p * 0.7) / step) * step; k <= p * 1.3; k += step) out.push(Math.round(k * 100) / 100);
    return out;
  }
}
