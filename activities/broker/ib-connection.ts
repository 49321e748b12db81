/**
 * One managed IB connection: connect, wait for nextValidId, resynchronise the order book,
 * reconnect with exponential backoff after a drop. Every outgoing message takes a token from
 * the shared limiter (the handshake too: IB counts it).
 *
 * A fresh IBApi per attempt, on purpose: @stoqey/ib keeps commands queued while disconnected
 * and replays them on the next connection; a stale placeOrder replayed after a reconnect would
 * bypass the at-most-once check, so an old instance is dropped with everything it queued.
 */
import { EventEmitter } from 'node:events';
import { EventName, IBApi, type CommissionReport, type Contract, type Execution, type Order, type OrderState } from '@stoqey/ib';
import type winston from 'winston';
import { BrokerUnavailableError } from './errors';
import { mapIbError } from './ib-mapping';
import type { CompletedOrder, OrderBook } from './order-book';
import type { TokenBucket } from './rate-limiter';
import { ibTime } from '../../src/domain/ibTime';

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId: number;
  logger: winston.Logger;
  limiter: TokenBucket;
  book: OrderBook;
  /** Per attempt: TCP + handshake + nextValidId. */
  connectTimeoutMs: number;
  resyncTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
}

/** MIN_SERVER_VER.REQ_COMPLETED_ORDERS of the TWS API. */
const MIN_SERVER_VER_COMPLETED_ORDERS = 150;

/** Emits 'synced' (book reflects the broker) and 'down' (connection lost or closed). */
export class IbConnection extends EventEmitter {
  gen = 0;
  ready = false;
  synced = false;
  pacingErrors = 0;
  reconnects = 0;
  private wanted = false;
  private opening = false;
  private ib: IBApi | undefined;
  private nextId = 0;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Request ids far above order ids: IB reports errors by id, and the two share one space. */
  private reqId = 900_000_000;

  constructor(private readonly o: ConnectionOptions) {
    super();
    this.setMaxListeners(0); // one listener per waiting call
  }

  /** Explicitly stopped: calls fail fast instead of silently reconnecting a shut-down adapter. */
  private stopped = false;

  start(): void {
    this.stopped = false;
    this.wanted = true;
    if (!this.ib && !this.retryTimer && !this.opening) this.guarded(this.open(), 'open');
  }

  stop(): void {
    this.stopped = true;
    this.wanted = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.teardown();
  }

  /** Resolves once the book is synchronised on the current connection (connecting if needed). */
  async waitSynced(timeoutMs: number): Promise<void> {
    if (this.synced) return;
    if (this.stopped) throw new BrokerUnavailableError('IB adapter was disconnected; call connect() first');
    this.start();
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        this.off('synced', ok);
        reject(new BrokerUnavailableError(`IB ${this.o.host}:${this.o.port} not connected and synchronised within ${timeoutMs} ms`));
      }, timeoutMs);
      const ok = () => {
        clearTimeout(t);
        resolve();
      };
      this.once('synced', ok);
    });
  }

  /** The request set in flight, and the one that starts when it ends (shared by everyone who asked meanwhile). */
  private refreshing: Promise<void> | undefined;
  private nextRefresh: Promise<void> | undefined;

  /**
   * Asks the broker for its open, executed and completed orders again on the live connection
   * and resolves once the book has taken them in. Concurrent callers share request sets, but a
   * caller never takes the answer to requests sent before it asked: that answer may predate the
   * order it looks for (placed by another client id a moment ago), which would then look lost.
   * So a caller arriving while a set is in flight waits for the next one, started when it ends.
   */
  async refresh(timeoutMs: number): Promise<void> {
    await this.waitSynced(timeoutMs);
    const mine = this.refreshing
      ? (this.nextRefresh ??= this.refreshing.then(() => {
          this.nextRefresh = undefined;
          // One started since (by a caller who came after the last set ended) was sent after we asked too.
          return this.refreshing ?? this.startRefresh();
        }))
      : this.startRefresh();
    await mine;
    await this.waitSynced(timeoutMs); // a resync that failed dropped the connection: the next one resyncs
  }

  private startRefresh(): Promise<void> {
    // Not synchronised (dropped meanwhile): the reconnection's own resync, sent after every
    // waiting caller asked, is the fresh answer; the caller waits for it below.
    if (!this.synced) return Promise.resolve();
    const p: Promise<void> = this.resync(this.gen)
      .catch((e: unknown) => {
        this.o.logger.error('ib connection step failed', { step: 'refresh', error: e instanceof Error ? e.message : String(e) });
        this.drop('refresh failed');
      })
      .finally(() => {
        if (this.refreshing === p) this.refreshing = undefined;
      });
    this.refreshing = p;
    return p;
  }

  takeOrderId(): number {
    return this.nextId++;
  }

  /**
   * Waits for a token, then runs `fn` against the live IBApi — unless the connection changed
   * or lost its sync meanwhile (returns false: the caller re-checks the book and retries).
   */
  async send(fn: (ib: IBApi, gen: number) => void, urgent = false, needSynced = true): Promise<boolean> {
    const gen = this.gen;
    const usable = () => !!this.ib && gen === this.gen && this.ready && (!needSynced || this.synced);
    if (!usable()) return false;
    await this.o.limiter.acquire(1, urgent);
    if (!usable()) {
      // Unused token back: after a drop hundreds of queued orders would otherwise burn a
      // second of budget per 45 of them before the first real message goes out.
      this.o.limiter.refund(1);
      return false;
    }
    fn(this.ib!, gen);
    return true;
  }

  private async open(): Promise<void> {
    const gen = ++this.gen;
    const log = this.o.logger;
    this.opening = true;
    // Hello + START_API count against IB's message budget like any request.
    await this.o.limiter.acquire(1, true);
    await this.o.limiter.acquire(1, true);
    this.opening = false;
    if (gen !== this.gen || !this.wanted) return;
    // maxReqPerSec high: the shared TokenBucket paces. The client's limiter lives per instance
    // (not per process), cannot be counted or slowed after an error 100, and rounds up: it lets
    // ceil(rate/10) through per 100 ms, so 45 gives 50 msgs/s (measured: 50.3/s, error 100).
    const ib = new IBApi({ host: this.o.host, port: this.o.port, maxReqPerSec: 1000 });
    this.ib = ib;
    const live = () => gen === this.gen;
    const guard = setTimeout(() => live() && !this.ready && this.drop(`no nextValidId within ${this.o.connectTimeoutMs} ms`), this.o.connectTimeoutMs);
    ib.on(EventName.nextValidId, (id: number) => {
      if (!live()) return;
      this.nextId = Math.max(this.nextId, id);
      if (this.ready) return;
      clearTimeout(guard);
      this.ready = true;
      this.attempt = 0;
      log.info('ib connected', { gen, nextValidId: id });
      this.guarded(this.resync(gen), 'resync');
    });
    ib.on(EventName.disconnected, () => {
      clearTimeout(guard);
      if (live()) this.drop('disconnected');
    });
    ib.on(EventName.error, (err: Error, code: number, reqId: number) => live() && this.onError(err?.message ?? String(err), code, reqId));
    ib.on(EventName.info, (msg: string, code: number) => live() && this.onError(msg, code, -1));
    ib.on(EventName.openOrder, (orderId: number, _c: Contract, order: Order, st: OrderState) =>
      this.o.book.onOpenOrder(orderId, order.clientId, order.orderRef, order.totalQuantity, {
        type: 'openOrder',
        ibStatus: st.status,
        totalQuantity: order.totalQuantity,
        permId: order.permId,
      }),
    );
    ib.on(EventName.orderStatus, (orderId: number, status: string, filled: number, _rem: number, avg: number, permId?: number, _p?: number, _l?: number, clientId?: number) =>
      this.o.book.onOrderEvent(orderId, clientId, { type: 'orderStatus', ibStatus: status, filled, avgFillPrice: avg, permId }),
    );
    ib.on(EventName.execDetails, (_r: number, _c: Contract, e: Execution) => {
      if (!e.execId || e.orderId === undefined) return;
      // ISO UTC, as the books store every instant: reconciliation compares fill times with the broker's clock.
      this.o.book.onExec(e.orderId, e.clientId, e.orderRef, { type: 'exec', execId: e.execId, time: ibTime(e.time ?? ''), shares: e.shares ?? 0, price: e.price ?? 0, permId: e.permId });
    });
    ib.on(EventName.commissionReport, (r: CommissionReport) => r.execId && this.o.book.onCommission(r.execId, r.commission ?? 0));
    log.debug('ib connecting', { gen, host: this.o.host, port: this.o.port });
    ib.connect(this.o.clientId);
  }

  /**
   * reqAllOpenOrders + reqExecutions({}) + reqCompletedOrders: the book then holds the broker's
   * truth, including orders that ended without fills (cancelled, rejected), which neither of the
   * first two lists: without them a restarted worker would place such an order again.
   */
  private async resync(gen: number): Promise<void> {
    const ib = this.ib!;
    const reqId = this.reqId++;
    // Completed orders need server 150+ (REQ_COMPLETED_ORDERS); every supported TWS/Gateway has it.
    const withCompleted = !(ib.serverVersion > 0 && ib.serverVersion < MIN_SERVER_VER_COMPLETED_ORDERS);
    let openDone = false;
    let execDone = false;
    let completedDone = !withCompleted;
    const completed: CompletedOrder[] = [];
    this.o.book.beginResync();
    let check = () => {};
    const finished = new Promise<void>((resolve) => (check = () => openDone && execDone && completedDone && resolve()));
    const onOpenEnd = () => ((openDone = true), check());
    const onExecEnd = (r: number) => r === reqId && ((execDone = true), check());
    const onCompleted = (_c: Contract, order: Order, st: OrderState) => {
      if (!order.orderRef) return; // not placed through ALL-USE
      completed.push({
        orderRef: order.orderRef,
        permId: order.permId,
        totalQuantity: order.totalQuantity,
        filledQuantity: order.filledQuantity,
        ibStatus: st?.status,
        completedStatus: st?.completedStatus,
      });
    };
    const onCompletedEnd = () => ((completedDone = true), check());
    ib.on(EventName.openOrderEnd, onOpenEnd);
    ib.on(EventName.execDetailsEnd, onExecEnd);
    ib.on(EventName.completedOrder, onCompleted);
    ib.on(EventName.completedOrdersEnd, onCompletedEnd);
    const off = () => {
      ib.off(EventName.openOrderEnd, onOpenEnd);
      ib.off(EventName.execDetailsEnd, onExecEnd);
      ib.off(EventName.completedOrder, onCompleted);
      ib.off(EventName.completedOrdersEnd, onCompletedEnd);
    };
    // Always with a filter object: without one the client throws inside its command queue.
    // Only on this resync's connection: sent on a newer one, the requests' unnumbered end
    // markers (open orders, completed orders) would end that connection's own resync early.
    const sendHere = (fn: (api: IBApi) => void) => (gen === this.gen ? this.send(fn, true, false) : Promise.resolve(false));
    const sent =
      (await sendHere((api) => api.reqAllOpenOrders())) && (await sendHere((api) => api.reqExecutions(reqId, {}))) && (!withCompleted || (await sendHere((api) => api.reqCompletedOrders(true))));
    if (!sent || gen !== this.gen) return off();
    if (!withCompleted) this.o.logger.warn('ib server too old for reqCompletedOrders: orders that ended without fills are invisible after a restart', { serverVersion: ib.serverVersion });
    let timer: NodeJS.Timeout | undefined;
    const ok = await Promise.race([finished.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), this.o.resyncTimeoutMs)))]);
    clearTimeout(timer);
    off();
    if (gen !== this.gen) return;
    if (!ok) return this.drop(`resync not answered within ${this.o.resyncTimeoutMs} ms`);
    const dropped = this.o.book.endResync(gen, completed);
    if (dropped.length) this.o.logger.warn('ib orders never reached the broker; they may be placed again', { refs: dropped.slice(0, 20), count: dropped.length });
    const lost = this.o.book.lastLost;
    if (lost.length) this.o.logger.error('ib orders acknowledged earlier are unknown to the broker now: ended BROKER_LOST_ORDER', { refs: lost.slice(0, 20), count: lost.length });
    this.synced = true;
    this.o.logger.info('ib book synchronised', { gen, orders: this.o.book.size, completed: completed.length });
    this.emit('synced');
  }

  private onError(text: string, code: number, reqId: number): void {
    const log = this.o.logger;
    if (code === 100) {
      // Pacing violation: IB dropped a message. Back off the whole process for a second.
      this.pacingErrors++;
      this.o.limiter.penalize(1000);
    }
    if (reqId > 0) {
      const st = this.o.book.onOrderEvent(reqId, undefined, { type: 'error', code, text });
      if (st) {
        const m = mapIbError(code, text);
        if (m.unknown) log.error('ib unknown error on order: treated as rejected', { orderRef: st.orderRef, code, text });
        else log.log(m.kind === 'warning' ? 'info' : 'warn', 'ib order error', { orderRef: st.orderRef, code, text });
        return;
      }
    }
    if (code === 1101 && this.ready) this.guarded(this.resync(this.gen), 'resync'); // connectivity restored, data lost
    const level = (code >= 2100 && code < 3000) || code === 1102 ? 'debug' : 'warn';
    log.log(level, 'ib message', { code, reqId, text });
  }

  private drop(why: string): void {
    const wasReady = this.ready;
    this.teardown();
    if (!this.wanted) return;
    const delay = Math.min(this.o.reconnectMaxMs, this.o.reconnectBaseMs * 2 ** this.attempt++);
    const jittered = Math.round(delay * (0.75 + Math.random() * 0.25));
    this.o.logger.warn('ib connection lost; reconnecting', { why, wasReady, inMs: jittered, attempt: this.attempt });
    this.reconnects++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.wanted && !this.ib && !this.opening) this.guarded(this.open(), 'open');
    }, jittered);
  }

  /** Background steps must never become unhandled rejections: a failure drops the connection. */
  private guarded(p: Promise<void>, step: string): void {
    p.catch((e: unknown) => {
      this.opening = false;
      this.o.logger.error('ib connection step failed', { step, error: e instanceof Error ? e.message : String(e) });
      this.drop(`${step} failed`);
    });
  }

  private teardown(): void {
    const ib = this.ib;
    this.gen++;
    this.ib = undefined;
    this.ready = false;
    this.synced = false;
    if (ib) {
      ib.removeAllListeners();
      ib.on(EventName.error, () => undefined); // late socket errors of a dead instance
      ib.disconnect();
    }
    this.emit('down');
  }
}
