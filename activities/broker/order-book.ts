/**
 * The adapter's view of the broker's orders, keyed by orderRef (our idempotency key).
 * IB keys orders by (clientId, orderId) and executions by execId; this class keeps the indexes
 * and buffers events that arrive before the event that names their order.
 */
import { completedToOrderStatus, mapIbError } from './ib-mapping';
import { applyEvent, isTerminalStatus, newOrderState, type OrderEvent } from './order-state';
import type { BrokerOrderState } from '../../src/contracts/broker';

interface Entry {
  state: BrokerOrderState;
  /** Order quantity; 0 while only executions (no openOrder) were seen: unknown until resync ends. */
  total: number;
  /** The broker has said anything about this order (so it exists there). */
  acked: boolean;
  /** Connection generation of our placement; undefined when learnt from the broker. */
  placedGen?: number;
  /** Seen in the current resync's open orders. */
  openSeen: boolean;
  /** Seen anywhere in the current resync: open orders, executions or completed orders. */
  seen?: boolean;
}

export type Listener = (state: BrokerOrderState, ev: OrderEvent) => void;

/** One COMPLETED_ORDER of a resync (IB gives no orderId or clientId there: the orderRef is the key). */
export interface CompletedOrder {
  orderRef: string;
  permId?: number;
  totalQuantity?: number;
  filledQuantity?: number;
  /** orderState.status: Filled, Cancelled, ApiCancelled, Inactive ... */
  ibStatus?: string;
  /** IB's free text, e.g. "Cancelled by Trader", "Filled Size: 100", "Rejected". */
  completedStatus?: string;
}

const MAX_BUFFERED = 10_000;

export class OrderBook {
  private readonly byRef = new Map<string, Entry>();
  private readonly byId = new Map<string, string>();
  private readonly byExec = new Map<string, string>();
  private readonly early = new Map<string, OrderEvent[]>(); // by id key or `exec:<execId>`
  private readonly listeners = new Map<string, Set<Listener>>();
  /** Refs the last resync found lost: acknowledged, still working in the book, unknown to the broker. */
  lastLost: string[] = [];

  constructor(private readonly clientId: number) {}

  private key(orderId: number, clientId?: number): string {
    // IB reports clientId 0 / absent for our own orders in some paths: treat as ours.
    return `${clientId || this.clientId}:${orderId}`;
  }

  get(ref: string): BrokerOrderState | null {
    return this.byRef.get(ref)?.state ?? null;
  }

  isAcked(ref: string): boolean {
    return this.byRef.get(ref)?.acked ?? false;
  }

  get size(): number {
    return this.byRef.size;
  }

  /** Records our own placement before the message leaves, so events can never outrun it. */
  create(ref: string, orderId: number, total: number, gen: number): BrokerOrderState {
    const e: Entry = { state: newOrderState(ref, orderId, total), total, acked: false, placedGen: gen, openSeen: false };
    this.byRef.set(ref, e);
    this.byId.set(this.key(orderId), ref);
    this.replay(this.key(orderId), ref);
    return e.state;
  }

  remove(ref: string): void {
    const e = this.byRef.get(ref);
    if (!e) return;
    this.byRef.delete(ref);
    this.byId.delete(this.key(e.state.brokerOrderId));
  }

  on(ref: string, fn: Listener): () => void {
    let set = this.listeners.get(ref);
    if (!set) this.listeners.set(ref, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.listeners.delete(ref);
    };
  }

  onOpenOrder(orderId: number, clientId: number | undefined, ref: string | undefined, total: number | undefined, ev: OrderEvent): void {
    const k = this.key(orderId, clientId);
    const known = this.byId.get(k) ?? (ref || undefined);
    if (!known) return; // not placed through ALL-USE (no orderRef): not ours to track
    let e = this.byRef.get(known);
    if (!e) {
      // Learnt from the broker: placed by an earlier process (restart) or before a reconnect.
      e = { state: newOrderState(known, orderId, total ?? 0), total: total ?? 0, acked: true, openSeen: false };
      this.byRef.set(known, e);
    } else if (e.state.brokerOrderId !== orderId) {
      // Same ref under another id: the broker's record wins (the caller logs it).
      this.byId.delete(this.key(e.state.brokerOrderId));
      e.state = { ...e.state, brokerOrderId: orderId };
    }
    this.byId.set(k, known);
    if (total && total > 0) e.total = total;
    e.openSeen = true;
    e.seen = true;
    this.apply(known, ev);
    this.replay(k, known);
  }

  onOrderEvent(orderId: number, clientId: number | undefined, ev: OrderEvent): BrokerOrderState | null {
    const k = this.key(orderId, clientId);
    const ref = this.byId.get(k);
    if (!ref) {
      // Errors for unknown ids are usually about other requests: the caller logs them.
      if (ev.type !== 'error') this.buffer(k, ev);
      return null;
    }
    return this.apply(ref, ev);
  }

  onExec(orderId: number, clientId: number | undefined, ref: string | undefined, ev: Extract<OrderEvent, { type: 'exec' }>): void {
    const k = this.key(orderId, clientId);
    const known = this.byId.get(k) ?? (ref || undefined);
    if (!known) return;
    let e = this.byRef.get(known);
    if (!e) {
      e = { state: newOrderState(known, orderId, 0), total: 0, acked: true, openSeen: false };
      this.byRef.set(known, e);
      this.byId.set(k, known);
    }
    this.byExec.set(ev.execId, known);
    e.seen = true;
    this.apply(known, ev);
    this.replay(`exec:${ev.execId}`, known);
  }

  onCommission(execId: string, commission: number): void {
    const ev: OrderEvent = { type: 'commission', execId, commission };
    const ref = this.byExec.get(execId);
    if (ref) this.apply(ref, ev);
    else this.buffer(`exec:${execId}`, ev);
  }

  /** Start of a resync: open-order flags are recomputed from the broker's answer. */
  beginResync(): void {
    for (const e of this.byRef.values()) e.openSeen = e.seen = false;
  }

  /**
   * End of a resync. `completed` (reqCompletedOrders) gives the final state of orders that are
   * neither open nor (fully) told by their executions: cancelled or rejected without fills, and
   * partially filled then cancelled. Applied first, so none of them is taken for "never arrived".
   * Returns the refs dropped because we placed them on an older connection and the broker has
   * no trace of them (never arrived): they may be placed again.
   */
  endResync(gen: number, completed: readonly CompletedOrder[] = []): string[] {
    this.applyCompleted(completed);
    const dropped: string[] = [];
    this.lastLost = [];
    for (const [ref, e] of [...this.byRef]) {
      if (!e.acked && e.placedGen !== undefined && e.placedGen < gen) {
        this.remove(ref);
        dropped.push(ref);
      } else if (e.acked && !e.seen && e.placedGen !== gen && !isTerminalStatus(e.state.status)) {
        // The broker acknowledged it once and now lists it nowhere (not open, no execution, not
        // completed): a gateway that restarted without its orders. Waiting would never end; the
        // order is ended here with a reason the reconciliation case records (never placed again).
        this.byId.delete(this.key(e.state.brokerOrderId));
        this.apply(ref, {
          type: 'lost',
          reason: `BROKER_LOST_ORDER: acknowledged as ${e.state.status} (order id ${e.state.brokerOrderId}), absent from the broker's open, completed and executed orders after a resync`,
        });
        this.lastLost.push(ref);
      } else if (e.placedGen === undefined && !e.openSeen && e.total === 0) {
        // Known only by its fills, no longer open, and not among the completed orders (a gateway
        // without reqCompletedOrders, or one that forgot it): the fills stand for it, FILLED.
        e.total = e.state.filledQuantity;
        this.apply(ref, { type: 'orderStatus', ibStatus: 'Unknown' });
      }
    }
    return dropped;
  }

  private applyCompleted(list: readonly CompletedOrder[]): void {
    const byRef = new Map<string, CompletedOrder[]>();
    for (const c of list) if (c.orderRef) byRef.set(c.orderRef, [...(byRef.get(c.orderRef) ?? []), c]);
    for (const [ref, recs] of byRef) {
      const e = this.byRef.get(ref);
      // Several orders under one ref exist only when IB refused a placement as a whole (e.g. a
      // duplicate id) and we placed again: the permId says which one the book already follows.
      let rec: CompletedOrder | undefined;
      if (e?.state.permId) rec = recs.find((r) => r.permId === e.state.permId);
      else if (!e?.openSeen) rec = recs.reduce((best, r) => ((r.filledQuantity ?? 0) >= (best.filledQuantity ?? 0) ? r : best));
      const status = rec && completedToOrderStatus(rec.ibStatus, rec.completedStatus);
      if (!rec || !status) continue;
      if (e) e.seen = true;
      const total = rec.totalQuantity && rec.totalQuantity > 0 ? rec.totalQuantity : 0;
      if (!e) {
        // Finished before this process saw it (a restarted worker). IB does not say its orderId:
        // brokerOrderId 0 = unknown, permId identifies it.
        this.byRef.set(ref, { state: newOrderState(ref, 0, total), total, acked: true, openSeen: false, seen: true });
      } else if (e.total === 0 && total > 0) {
        e.total = total; // known by its fills only: now the quantity is known too
      }
      this.apply(ref, { type: 'completed', status, filled: rec.filledQuantity, permId: rec.permId, completedStatus: rec.completedStatus });
    }
  }

  private apply(ref: string, ev: OrderEvent): BrokerOrderState | null {
    const e = this.byRef.get(ref);
    if (!e) return null;
    // A dropped request (pacing, duplicate id) about an order the broker already has says
    // nothing about that order (e.g. a paced-out cancel): listeners hear it, the state stays.
    const droppedRequest = ev.type === 'error' && e.acked && mapIbError(ev.code, ev.text).retryable;
    if (ev.type !== 'commission' && ev.type !== 'lost') e.acked = true;
    if (!droppedRequest) e.state = applyEvent(e.state, e.total, ev);
    for (const fn of [...(this.listeners.get(ref) ?? [])]) fn(e.state, ev);
    return e.state;
  }

  private buffer(k: string, ev: OrderEvent): void {
    if (this.early.size >= MAX_BUFFERED) this.early.delete(this.early.keys().next().value!);
    const list = this.early.get(k) ?? [];
    list.push(ev);
    this.early.set(k, list);
  }

  private replay(k: string, ref: string): void {
    const list = this.early.get(k);
    if (!list) return;
    this.early.delete(k);
    for (const ev of list) this.apply(ref, ev);
  }
}
