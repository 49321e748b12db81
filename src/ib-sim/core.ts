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
import { OrderBook } from './orders';
import type { Logger } from '../logger';

export interface CoreOptions extends MarketOptions {
  account: string;
  clock: ClockMode;
  startTime?: Date;
  startingCash?: number;
  firstOrderId?: number;
}

export interface ExpiryEvent { symbol: string; localSymbol: string; quantity: number; outcome: string; underlying: number }

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

  constructor(readonly opts: CoreOptions, readonly log: Logger) {
    this.clock = new SimClock(opts.clock, opts.startTime);
    this.market = new Market(this.clock, opts);
    this.account = new Account(opts.account, opts.startingCash ?? 1_000_000, this.market);
    this.book = new OrderBook(this.market, this.clock, this.account, (id, f) => this.sendToClient(id, f), opts.firstOrderId ?? 1000);
    this.lastProcessed = this.clock.now();
  }

  /** Forgets every order, execution and position (a gateway restarted without its account); prices and clock stay. */
  resetAccount(): void {
    this.book.reset();
    this.account.reset(this.opts.startingCash ?? 1_000_000);
    this.expiries.length = 0;
  }

  setPrice(symbol: string, price: number): void {
    this.market.setPrice(symbol, price);
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
      const outcome = this.account.expireOption(p, s);
      this.expiries.push({ symbol: c.symbol, localSymbol: c.localSymbol, quantity, outcome, underlying: s });
      this.log.info('option expired', { localSymbol: c.localSymbol, quantity, outcome, underlying: s });
    }
  }
}

function yearsBetween(a: Date, b: Date): number {
  return Math.max(0, (b.getTime() - a.getTime()) / (365 * 24 * 3600 * 1000));
}
