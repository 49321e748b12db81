/**
 * The simulator's state in one place (clock, market, account, order book) and what happens
 * as time passes: session opens re-try resting orders, closes expire DAY orders, and the close
 * of an expiry day settles option positions. Shared by the TCP server and the admin interface.
 */
import { DateTime } from 'luxon';
import { Account } from './account';
import { ClockMode, NY, SimClock, sessionEvents, weeklyExpiry, yyyymmdd } from './clock';
import { Field } from './codec';
import { Market, MarketOptions } from './market';
import { BookState, OrderBook } from './orders';
import type { Position, SimContract } from './types';
import type { Logger } from '../logger';

export interface CoreOptions extends MarketOptions {
  account: string;
  clock: ClockMode;
  startTime?: Date;
  startingCash?: number;
  firstOrderId?: number;
}

export interface ExpiryEvent {
  symbol: string;
  localSymbol: string;
  quantity: number;
  outcome: string;
  underlying: number;
}

/** What a gateway restart keeps (persist.ts): the account, the order book, the clock, prices. */
export interface CoreState {
  version: 1;
  account: string;
  cash: number;
  positions: Array<{ contract: SimContract; quantity: number; avgCost: number }>;
  book: BookState;
  clock: { virtual: number; offset: number };
  lastProcessed: string;
  prices: Record<string, number>;
  expiries: ExpiryEvent[];
  /**
   * Set when completed orders and executions are kept in the journal beside the file
   * (persist.ts): how many of its bytes belong to this state. Absent: all of them are in `book`.
   */
  historyBytes?: number;
}

export class SimCore {
  readonly clock: SimClock;
  readonly market: Market;
  readonly account: Account;
  readonly book: OrderBook;
  readonly expiries: ExpiryEvent[] = [];
  /** Set by the server: delivers frames to every connection of a clientId. */
  sendToClient: (clientId: number, frames: Field[][]) => void = () => undefined;
  /** Called after any price change, so streaming market data can re-send quotes. */
  priceListeners: Array<() => void> = [];
  private lastProcessed: Date;

  constructor(
    readonly opts: CoreOptions,
    readonly log: Logger,
  ) {
    this.clock = new SimClock(opts.clock, opts.startTime);
    this.market = new Market(this.clock, opts);
    this.account = new Account(opts.account, opts.startingCash ?? 1_000_000, this.market);
    this.book = new OrderBook(
      this.market,
      this.clock,
      this.account,
      (id, f) => {
        this.touch();
        this.sendToClient(id, f);
      },
      opts.firstOrderId ?? 1000,
    );
    this.account.listeners.push(() => this.touch());
    this.lastProcessed = this.clock.now();
  }

  /** Called on every change of state (orders, fills, positions, clock, prices); persist.ts debounces it. */
  onChange: () => void = () => undefined;
  private touch(): void {
    this.onChange();
  }

  private contractOf(c: SimContract): SimContract {
    return this.market.contract(c.symbol, c.secType, c.expiry, c.strike, c.right);
  }

  /** `working`: the book's working orders only (persist.ts journals completed orders and executions). */
  snapshot(opts: { working?: boolean } = {}): CoreState {
    return {
      version: 1,
      account: this.account.id,
      cash: this.account.cash,
      positions: this.account.all().map((p) => ({ contract: p.contract, quantity: p.quantity, avgCost: p.avgCost })),
      book: this.book.snapshot(opts),
      clock: this.clock.state(),
      lastProcessed: this.lastProcessed.toISOString(),
      prices: this.market.allPrices(),
      expiries: this.expiries,
    };
  }

  restore(s: CoreState): void {
    if (s.account !== this.account.id) throw new Error(`simulator state file is for account ${s.account}, not ${this.account.id} (start it fresh)`);
    this.clock.restore(s.clock);
    for (const [sym, px] of Object.entries(s.prices)) this.market.setPrice(sym, px);
    this.account.cash = s.cash;
    for (const p of s.positions) this.account.restore({ contract: this.contractOf(p.contract), account: s.account, quantity: p.quantity, avgCost: p.avgCost });
    this.book.restore(s.book, (c) => this.contractOf(c));
    this.expiries.push(...s.expiries);
    this.lastProcessed = new Date(s.lastProcessed);
    // Sessions that ended while the gateway was down are processed now (expiries after the close).
    this.processTime(false);
  }

  /**
   * Closes `contracts` of an option position the way IB books it: the option leaves at price 0
   * (its premium becomes realised P&L); when `deliver`, the stock moves at the strike (long call
   * / short put: shares in; long put / short call: shares out). Each leg is an execution.
   */
  private settleOption(p: Position, contracts: number, deliver: boolean): void {
    const c = p.contract;
    const optQty = -Math.sign(p.quantity) * contracts;
    const realized = this.account.applyFill(c, optQty, 0, 0);
    this.book.recordLifecycle(c, optQty, 0, realized ?? 0, this.account.id);
    if (!deliver) return;
    const shares = (c.right === 'C' ? 1 : -1) * -optQty * c.multiplier;
    const stk = this.market.contract(c.symbol, 'STK');
    const r2 = this.account.applyFill(stk, shares, c.strike ?? 0, 0);
    this.book.recordLifecycle(stk, shares, c.strike ?? 0, r2, this.account.id);
  }

  /**
   * Assignment of a short option before (or at) expiry, on any day, for all or part of the
   * position (admin POST /assign). Throws when no such short position exists.
   */
  assign(a: { symbol: string; expiry: string; strike: number; right: 'C' | 'P'; quantity: number }): ExpiryEvent {
    const c = this.market.contract(a.symbol, 'OPT', a.expiry, a.strike, a.right);
    const p = this.account.get(c.conId);
    if (!p || p.quantity >= 0) throw new RangeError(`no short position in ${c.localSymbol} to assign`);
    if (!Number.isInteger(a.quantity) || a.quantity < 1 || a.quantity > -p.quantity) throw new RangeError(`quantity must be 1..${-p.quantity}`);
    const quantity = p.quantity;
    const partial = a.quantity < -quantity;
    this.settleOption(p, a.quantity, true);
    const ev = { symbol: c.symbol, localSymbol: c.localSymbol, quantity: -a.quantity, outcome: partial ? 'partially assigned' : 'assigned', underlying: this.market.price(c.symbol) };
    this.expiries.push(ev);
    this.log.info('option assigned', ev);
    return ev;
  }

  /** A position put into the account by hand (admin POST /positions): no order, no execution, no cash. */
  addPosition(a: { symbol: string; secType: 'STK' | 'OPT'; expiry?: string; strike?: number; right?: 'C' | 'P'; quantity: number; avgCost: number }): Position {
    const c = this.market.contract(a.symbol, a.secType, a.expiry, a.strike, a.right);
    return this.account.addPosition(c, a.quantity, a.avgCost);
  }

  setPrice(symbol: string, price: number): void {
    this.market.setPrice(symbol, price);
    this.touch();
    this.afterPriceChange();
  }

  private afterPriceChange(): void {
    this.book.evaluate();
    for (const l of this.priceListeners) l();
  }

  /** Moves the clock to `target`, running every session open/close on the way. */
  advanceTo(target: Date): void {
    this.clock.advanceTo(target);
    this.processTime(true);
  }

  advanceMs(ms: number): void {
    this.advanceTo(new Date(this.clock.now().getTime() + ms));
  }

  toClose(): Date {
    const at = this.clock.nextClose();
    this.advanceTo(at);
    return at;
  }

  toExpiry(): Date {
    const at = this.clock.nextExpiryClose();
    this.advanceTo(at);
    return at;
  }

  /**
   * Catches up with the clock. Prices random-walk only when time is pushed explicitly
   * (`evolve`), so wall-clock runs keep the prices a test has set.
   */
  processTime(evolve = false): void {
    const now = this.clock.now();
    let t = this.lastProcessed;
    const events = sessionEvents(this.lastProcessed, now);
    for (const ev of events) {
      if (evolve) this.market.evolve(yearsBetween(t, ev.at));
      t = ev.at;
      this.market.replayStep(ev.kind);
      if (ev.kind === 'open') {
        this.market.newSession();
        this.book.evaluate();
      } else {
        this.book.evaluate();
        this.book.expireDayOrders(ev.at);
        const day = DateTime.fromJSDate(ev.at, { zone: NY });
        if (weeklyExpiry(day).hasSame(day, 'day') || this.hasExpiring(yyyymmdd(day))) this.expireOptions(yyyymmdd(day));
      }
    }
    if (evolve) this.market.evolve(yearsBetween(t, now));
    this.lastProcessed = now;
    if (evolve || events.length > 0) this.touch();
    if (evolve || events.length > 0) this.afterPriceChange();
  }

  private hasExpiring(date: string): boolean {
    return this.account.all().some((p) => p.contract.secType === 'OPT' && p.contract.expiry === date);
  }

  /** Settles every option that expires on `date` at its underlying's current (closing) price. */
  expireOptions(date: string): void {
    for (const o of this.book.working()) {
      if (o.contract.expiry === date) this.book.cancel(o.clientId, o.orderId);
    }
    for (const p of this.account.all()) {
      const c = p.contract;
      if (c.secType !== 'OPT' || !c.expiry || c.expiry > date) continue;
      const s = this.market.price(c.symbol);
      const quantity = p.quantity;
      const k = c.strike ?? 0;
      const itm = c.right === 'C' ? s > k : s < k;
      // Exercise by exception: in the money by any amount is exercised / assigned, else worthless.
      this.settleOption(p, Math.abs(quantity), itm);
      const outcome = !itm ? 'worthless' : quantity > 0 ? 'exercised' : 'assigned';
      this.expiries.push({ symbol: c.symbol, localSymbol: c.localSymbol, quantity, outcome, underlying: s });
      this.log.info('option expired', { localSymbol: c.localSymbol, quantity, outcome, underlying: s });
    }
  }
}

function yearsBetween(a: Date, b: Date): number {
  return Math.max(0, (b.getTime() - a.getTime()) / (365 * 24 * 3600 * 1000));
}
