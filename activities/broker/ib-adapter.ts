/**
 * The Broker port over Interactive Brokers (@stoqey/ib). One instance per worker process:
 * it owns the connection, the order book (by orderRef) and the message-rate limiter.
 *
 * At most once: an order is placed only after the book was synchronised with the broker on the
 * current connection and holds nothing for its orderRef; concurrent calls for one ref share one
 * promise. The orderRef travels in IB's `orderRef` field, so a restarted worker finds its orders:
 * working ones (open orders), filled ones (executions) and those that ended without fills,
 * cancelled or rejected (completed orders; see IbConnection.resync).
 */
import type winston from 'winston';
import { BrokerDeclinedError, BrokerUnavailableError, UnknownOrderError } from './errors';
import { IbConnection } from './ib-connection';
import { mapIbError } from './ib-mapping';
import { toIbContract, toIbOrder, validateRequest } from './ib-orders';
import { createIbMarketData } from './ib-marketdata';
import type { PacerLimits } from './md-pacer';
import { OrderBook } from './order-book';
import { isTerminalStatus, type OrderEvent } from './order-state';
import { TokenBucket } from './rate-limiter';
import type { Broker, BrokerOrderRequest, BrokerOrderState } from '../../src/contracts/broker';

export interface IbBrokerOptions {
  host: string;
  port: number;
  clientId: number;
  account: string;
  logger: winston.Logger;
  /** Process-wide budget for messages to IB (default 45; IB disconnects above 50). */
  maxMsgsPerSec?: number;
  /** How long a call waits for a connected, synchronised book (default 10 s). */
  connectTimeoutMs?: number;
  /** How long placeOrder/cancelOrder wait for the broker's first answer (default 5 s). */
  ackTimeoutMs?: number;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** Client id of the separate market-data connection (Protocol Engine; default clientId + 100). */
  marketDataClientId?: number;
  /** IB's historical pacing and market-data line limits the market-data path keeps to (default IB's). */
  marketDataLimits?: Partial<PacerLimits>;
}

export interface IbBrokerStats {
  msgsSent: number;
  pacingErrors: number;
  reconnects: number;
  ordersSent: number;
  limitMsgsPerSec: number;
}

export interface IbBroker extends Broker {
  isSynced(): boolean;
  onReconnect(listener: (n: number) => void): () => void;
  /** The process-wide pacing queue every message to IB goes through (metrics, benchmarks, tests). */
  readonly limiter: TokenBucket;
  /** Counters for benchmarks and metrics. */
  stats(): IbBrokerStats;
}

const MAX_PLACE_ATTEMPTS = 4;
type AckResult = { kind: 'ack'; ev: OrderEvent } | { kind: 'down' } | { kind: 'timeout' };

export function createIbBroker(opts: IbBrokerOptions): IbBroker {
  const logger = opts.logger.child({ component: 'ib-broker', clientId: opts.clientId });
  const limit = opts.maxMsgsPerSec ?? 45;
  const limiter = new TokenBucket({ ratePerSec: limit });
  const book = new OrderBook(opts.clientId);
  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
  const ackTimeoutMs = opts.ackTimeoutMs ?? 5_000;
  const conn = new IbConnection({
    host: opts.host,
    port: opts.port,
    clientId: opts.clientId,
    logger,
    limiter,
    book,
    connectTimeoutMs,
    resyncTimeoutMs: connectTimeoutMs,
    reconnectBaseMs: opts.reconnectBaseMs ?? 250,
    reconnectMaxMs: opts.reconnectMaxMs ?? 15_000,
  });
  const inflight = new Map<string, Promise<BrokerOrderState>>();
  /** Broker sessions since this adapter was created (1 = the first connect), counted before any listener hears one. */
  let sessions = 0;
  conn.on('synced', () => void sessions++);
  let ordersSent = 0;

  /** The next thing the broker says about `ref`, a connection loss, or the timeout. */
  function nextEvent(ref: string, timeoutMs: number): Promise<AckResult> {
    return new Promise((resolve) => {
      const done = (r: AckResult) => {
        clearTimeout(t);
        off();
        conn.off('down', onDown);
        resolve(r);
      };
      const off = book.on(ref, (_s, ev) => {
        if (ev.type !== 'commission') done({ kind: 'ack', ev });
      });
      const onDown = () => done({ kind: 'down' });
      conn.on('down', onDown);
      const t = setTimeout(() => done({ kind: 'timeout' }), timeoutMs);
    });
  }

  async function placeOnce(req: BrokerOrderRequest): Promise<BrokerOrderState> {
    const ref = req.orderRef;
    for (let attempt = 1; ; attempt++) {
      await conn.waitSynced(connectTimeoutMs);
      const existing = book.get(ref);
      if (existing) return existing; // the broker (or this process) already has it: never twice
      const box: { ack?: Promise<AckResult> } = {};
      const sent = await conn.send((ib, gen) => {
        const id = conn.takeOrderId();
        // Book and listener first (all synchronous): no broker answer can slip past them.
        book.create(ref, id, req.quantity, gen);
        box.ack = nextEvent(ref, ackTimeoutMs);
        ib.placeOrder(id, toIbContract(req), toIbOrder(req, opts.account));
        ordersSent++;
      });
      if (!sent || !box.ack) continue; // connection changed while queued for a token: re-check after resync
      const r = await box.ack;
      if (r.kind === 'down' && !book.isAcked(ref)) continue; // the resync decides whether it arrived
      const state = book.get(ref);
      if (r.kind === 'ack' && r.ev.type === 'error' && state?.status === 'REJECTED') {
        const m = mapIbError(r.ev.code, r.ev.text);
        // IB dropped it (pacing, duplicate id): nothing exists under this ref, so a retry is safe.
        if (m.retryable && attempt < MAX_PLACE_ATTEMPTS) {
          logger.warn('ib order not accepted; retrying with a fresh id', { orderRef: ref, reason: m.reason, attempt });
          book.remove(ref);
          continue;
        }
      }
      if (r.kind === 'timeout') logger.warn('ib order not acknowledged yet', { orderRef: ref, ackTimeoutMs });
      if (state) return state;
    }
  }

  const broker: IbBroker = {
    async connect() {
      conn.start();
      await conn.waitSynced(connectTimeoutMs);
    },
    async disconnect() {
      conn.stop();
    },
    isConnected: () => conn.ready,
    isSynced: () => conn.synced,
    async findOrder(orderRef) {
      await conn.waitSynced(connectTimeoutMs);
      return book.get(orderRef);
    },
    async searchOrder(orderRef) {
      // A fresh reqAllOpenOrders + reqExecutions + reqCompletedOrders (shared by concurrent callers).
      await conn.refresh(connectTimeoutMs);
      return book.get(orderRef);
    },
    placeOrder(req) {
      try {
        validateRequest(req);
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
      const running = inflight.get(req.orderRef);
      if (running) return running;
      const p = placeOnce(req).finally(() => inflight.delete(req.orderRef));
      inflight.set(req.orderRef, p);
      return p;
    },
    async cancelOrder(orderRef) {
      for (let attempt = 1; ; attempt++) {
        await conn.waitSynced(connectTimeoutMs);
        const st = book.get(orderRef);
        if (!st) throw new UnknownOrderError(orderRef);
        if (isTerminalStatus(st.status)) return; // nothing left to cancel
        const box: { ack?: Promise<AckResult> } = {};
        const sent = await conn.send((ib) => {
          box.ack = nextEvent(orderRef, ackTimeoutMs);
          ib.cancelOrder(st.brokerOrderId);
        });
        if (!sent || !box.ack) continue;
        const r = await box.ack;
        if (r.kind === 'down') continue; // cancelling twice is harmless
        if (r.kind === 'timeout') throw new BrokerUnavailableError(`no answer to cancel of ${orderRef} within ${ackTimeoutMs} ms`);
        if (r.ev.type !== 'error') return;
        const m = mapIbError(r.ev.code, r.ev.text);
        if (m.retryable && attempt < MAX_PLACE_ATTEMPTS) continue; // paced out: send again
        if (m.retryable) throw new BrokerUnavailableError(`cancel of ${orderRef} not accepted: ${m.reason}`);
        if (m.kind === 'cancel-failed') throw new BrokerDeclinedError(orderRef, m.reason);
        return;
      }
    },
    async waitForUpdate(orderRef, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const done = (s: BrokerOrderState | null) => !!s && isTerminalStatus(s.status) && s.commissionsComplete;
      if (!book.get(orderRef) && !conn.synced) await conn.waitSynced(timeoutMs).catch(() => undefined);
      const now = book.get(orderRef);
      // An order missing from the book is waited for like any other (it may still be learnt):
      // answering null at once would let a caller's loop spin without the event loop turning.
      if (done(now)) return now;
      return new Promise((resolve) => {
        const finish = () => {
          clearTimeout(t);
          off();
          resolve(book.get(orderRef));
        };
        const off = book.on(orderRef, (s) => done(s) && finish());
        const t = setTimeout(finish, Math.max(0, deadline - Date.now()));
      });
    },
    marketData: createIbMarketData({ host: opts.host, port: opts.port, clientId: opts.marketDataClientId ?? opts.clientId + 100, logger, limits: opts.marketDataLimits }),
    limiter,
    pacingBacklogMs: () => limiter.backlogMs(),
    onReconnect(listener: (n: number) => void) {
      const on = () => listener(sessions);
      conn.on('synced', on);
      return () => void conn.off('synced', on);
    },
    stats: () => ({ msgsSent: limiter.taken, pacingErrors: conn.pacingErrors, reconnects: conn.reconnects, ordersSent, limitMsgsPerSec: limit }),
  };
  return broker;
}
