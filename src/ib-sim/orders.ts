/**
 * Order lifecycle: accept / modify / reject, fill against the market model, cancel, expire.
 * Orders and executions live as long as the simulator process, across client reconnects, like
 * a real gateway's; every message is addressed to the order's clientId.
 */
import { randomBytes } from 'node:crypto';
import { Account, commissionFor } from './account';
import { Field } from './codec';
import { Market } from './market';
import { commissionReport, errMsg, executionData, openOrder, orderStatus } from './messages';
import { SimClock } from './clock';
import { Execution, OrderRecord, SimContract, SimOrder } from './types';

export interface PlaceRequest {
  orderId: number;
  contract: SimContract;
  action: 'BUY' | 'SELL';
  quantity: number;
  orderType: 'MKT' | 'LMT';
  limitPrice?: number;
  tif: string;
  account: string;
  orderRef: string;
  transmit: boolean;
}

export interface Faults {
  rejectNext?: { code: number; text: string; symbol?: string };
  delayFillsMs: number;
  partialFillNext?: { fraction: number };
}

export interface BookState {
  nextId: number;
  permSeq: number;
  execSeq: number;
  execPrefix: string;
  orders: Array<Omit<OrderRecord, 'receivedAt' | 'completedAt'> & { receivedAt: string; completedAt?: string }>;
  executions: Array<Omit<Execution, 'time'> & { time: string }>;
}

const WORKING = new Set(['PreSubmitted', 'Submitted']);

/** An order as persisted (dates as ISO text; a fault's fill cap is not kept). A completed order no longer changes. */
export const orderState = (o: OrderRecord): BookState['orders'][number] => ({ ...o, receivedAt: o.receivedAt.toISOString(), completedAt: o.completedAt?.toISOString(), fillCap: undefined });
/** An execution as persisted; executions never change once made. */
export const executionState = (e: Execution): BookState['executions'][number] => ({ ...e, time: e.time.toISOString() });
const r4 = (x: number): number => Math.round(x * 10000) / 10000;
/** TWS keeps order ids per API client: two clients (two workers) may use the same id for two orders. */
const keyOf = (clientId: number, orderId: number): string => `${clientId}:${orderId}`;

export class OrderBook {
  private readonly list: OrderRecord[] = [];
  private readonly byId = new Map<string, OrderRecord>();
  readonly executions: Execution[] = [];
  readonly faults: Faults = { delayFillsMs: 0 };
  private nextId: number;
  private permSeq = 0x1000;
  private execSeq = 0;
  /**
   * Execution ids are unique across simulator restarts, as IB's are: consumers (our
   * database) key fills by execId, and a restarted simulator must not reuse old ids.
   */
  private execPrefix = randomBytes(4).toString('hex');
  /** Orders over this many contracts (or 100× this many shares) fill in chunks of this size. */
  chunkSize = 50;

  constructor(
    private readonly market: Market,
    private readonly clock: SimClock,
    private readonly account: Account,
    /** Sends frames to every connection of a clientId. */
    private readonly send: (clientId: number, frames: Field[][]) => void,
    firstOrderId = 1000,
  ) {
    this.nextId = firstOrderId;
  }

  nextValidId(): number {
    return this.nextId;
  }
  /** The newest order with this id (of any client). */
  get(id: number): OrderRecord | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.orderId === id) return this.list[i];
    return undefined;
  }
  working(clientId?: number): OrderRecord[] {
    return this.list.filter((o) => WORKING.has(o.status) && (clientId === undefined || o.clientId === clientId));
  }

  orders(): SimOrder[] {
    return this.list.map((o) => ({
      orderId: o.orderId,
      clientId: o.clientId,
      orderRef: o.orderRef,
      symbol: o.contract.symbol,
      secType: o.contract.secType as SimOrder['secType'],
      expiry: o.contract.expiry,
      strike: o.contract.strike,
      right: o.contract.right,
      action: o.action,
      quantity: o.quantity,
      orderType: o.orderType,
      limitPrice: o.limitPrice,
      tif: o.tif,
      account: o.account,
      status: o.status,
      filled: o.filled,
      avgFillPrice: o.avgFillPrice,
      receivedAt: o.receivedAt.toISOString(),
    }));
  }

  place(clientId: number, req: PlaceRequest): void {
    const existing = this.byId.get(keyOf(clientId, req.orderId));
    if (existing) return this.modify(clientId, existing, req);
    this.nextId = Math.max(this.nextId, req.orderId + 1);
    const o: OrderRecord = { ...req, clientId, permId: this.permSeq++, status: 'Submitted', filled: 0, commissionPaid: 0, receivedAt: this.clock.now() };
    this.list.push(o);
    this.byId.set(keyOf(clientId, o.orderId), o);
    const rej = this.faults.rejectNext;
    if (rej && (!rej.symbol || rej.symbol.toUpperCase() === o.contract.symbol)) {
      this.faults.rejectNext = undefined;
      this.finish(o, 'Inactive');
      this.send(clientId, [errMsg(o.orderId, rej.code, rej.text), orderStatus(o)]);
      return;
    }
    if (this.faults.partialFillNext) {
      o.fillCap = Math.max(0, Math.min(1, this.faults.partialFillNext.fraction));
      this.faults.partialFillNext = undefined;
    }
    // Held (transmit=0) and out-of-hours orders wait as PreSubmitted, like TWS.
    if (!o.transmit || !this.clock.isOpen()) o.status = 'PreSubmitted';
    this.send(clientId, [openOrder(o), orderStatus(o)]);
    this.scheduleFill(o);
  }

  private finish(o: OrderRecord, status: 'Filled' | 'Cancelled' | 'Inactive'): void {
    o.status = status;
    o.completedAt = this.clock.now();
  }

  /** Orders that reached a final state (REQ_COMPLETED_ORDERS), in arrival order. */
  completed(): OrderRecord[] {
    return this.list.filter((o) => o.completedAt !== undefined);
  }

  /** PLACE_ORDER with the id of a working order modifies it; any other reuse is error 103. */
  private modify(clientId: number, o: OrderRecord, req: PlaceRequest): void {
    const same = o.contract.conId === req.contract.conId && o.action === req.action;
    if (!WORKING.has(o.status) || !same) {
      this.send(clientId, [errMsg(req.orderId, 103, 'Duplicate order id')]);
      return;
    }
    if (req.quantity <= o.filled) {
      this.send(clientId, [errMsg(req.orderId, 201, `Order rejected - reason:The new quantity must exceed the ${o.filled} already filled`)]);
      return;
    }
    Object.assign(o, { quantity: req.quantity, orderType: req.orderType, limitPrice: req.limitPrice, tif: req.tif, transmit: req.transmit, orderRef: req.orderRef || o.orderRef });
    o.status = o.transmit && this.clock.isOpen() ? 'Submitted' : 'PreSubmitted';
    this.send(o.clientId, [openOrder(o), orderStatus(o)]);
    this.scheduleFill(o);
  }

  cancel(clientId: number, orderId: number): void {
    // Its own order, or (e.g. clientId 0) a working order of another client with that id.
    const o = this.byId.get(keyOf(clientId, orderId)) ?? this.list.find((x) => x.orderId === orderId && WORKING.has(x.status));
    if (!o) return this.send(clientId, [errMsg(orderId, 10147, `OrderId ${orderId} that needs to be cancelled is not found.`)]);
    if (!WORKING.has(o.status)) {
      return this.send(clientId, [errMsg(orderId, 10148, `OrderId ${orderId} that needs to be cancelled cannot be cancelled, state: ${o.status}.`)]);
    }
    this.finish(o, 'Cancelled');
    const frames = [orderStatus(o), errMsg(orderId, 202, 'Order Canceled - reason:')];
    this.send(o.clientId, frames);
    // A different client (e.g. clientId 0) that asked for the cancel hears the outcome too.
    if (clientId !== o.clientId) this.send(clientId, frames);
  }

  cancelAll(): void {
    for (const o of this.working()) this.cancel(o.clientId, o.orderId);
  }

  /**
   * Session close at `close`: DAY orders expire (TWS reports them Cancelled). One received after
   * that close (a wall-clock timer notices the close up to a second late) waits for the next session.
   */
  expireDayOrders(close: Date): void {
    for (const o of this.working()) {
      if (o.tif !== 'DAY' || o.receivedAt.getTime() >= close.getTime()) continue;
      this.finish(o, 'Cancelled');
      this.send(o.clientId, [orderStatus(o)]);
    }
  }

  /**
   * Re-tries every working order, e.g. after a price move or at the open. A partial_fill_next
   * cap lasts until the next such market event, then the remainder may fill.
   */
  evaluate(): void {
    for (const o of this.working()) {
      o.fillCap = undefined;
      if (o.status === 'PreSubmitted' && o.transmit && this.clock.isOpen()) {
        o.status = 'Submitted';
        this.send(o.clientId, [orderStatus(o)]);
      }
      this.scheduleFill(o);
    }
  }

  /**
   * An execution the broker books without an order: an option expiring (closed at 0), an
   * assignment or exercise (option closed at 0, stock delivered at the strike). orderId 0, no
   * orderRef, commission 0; reported by REQ_EXECUTIONS like any fill, as IB lists them the day
   * they happen.
   */
  recordLifecycle(contract: SimContract, signedQty: number, price: number, realizedPnl: number | undefined, account: string): Execution {
    this.execSeq++;
    const e: Execution = {
      execId: `${this.execPrefix}.00000000.${String(this.execSeq).padStart(2, '0')}.01`,
      orderId: 0,
      clientId: 0,
      permId: 0,
      contract,
      side: signedQty > 0 ? 'BOT' : 'SLD',
      shares: Math.abs(signedQty),
      price,
      cumQty: Math.abs(signedQty),
      avgPrice: price,
      orderRef: '',
      account,
      time: this.clock.now(),
      commission: 0,
      realizedPnl,
    };
    this.executions.push(e);
    return e;
  }

  /**
   * Everything that must outlive a gateway restart (persist.ts writes it to a file). `working`:
   * the orders not yet completed and no executions (persist.ts journals the rest once each).
   */
  snapshot(opts: { working?: boolean } = {}): BookState {
    return {
      nextId: this.nextId,
      permSeq: this.permSeq,
      execSeq: this.execSeq,
      execPrefix: this.execPrefix,
      orders: (opts.working ? this.list.filter((o) => o.completedAt === undefined) : this.list).map(orderState),
      executions: opts.working ? [] : this.executions.map(executionState),
    };
  }

  /** Every order in arrival order, as held (read only: persist.ts journals the completed ones). */
  records(): readonly OrderRecord[] {
    return this.list;
  }

  restore(s: BookState, contract: (c: SimContract) => SimContract): void {
    this.nextId = Math.max(this.nextId, s.nextId);
    this.permSeq = s.permSeq;
    this.execSeq = s.execSeq;
    this.execPrefix = s.execPrefix;
    for (const r of s.orders) {
      const o: OrderRecord = { ...r, contract: contract(r.contract), receivedAt: new Date(r.receivedAt), completedAt: r.completedAt ? new Date(r.completedAt) : undefined };
      this.list.push(o);
      this.byId.set(keyOf(o.clientId, o.orderId), o);
    }
    for (const e of s.executions) this.executions.push({ ...e, contract: contract(e.contract), time: new Date(e.time) });
  }

  private pending = new Set<string>();

  private scheduleFill(o: OrderRecord): void {
    if (this.faults.delayFillsMs > 0) {
      const k = keyOf(o.clientId, o.orderId);
      if (this.pending.has(k)) return;
      this.pending.add(k);
      const t = setTimeout(() => {
        this.pending.delete(k);
        this.tryFill(o);
      }, this.faults.delayFillsMs);
      t.unref();
      return;
    }
    this.tryFill(o);
  }

  /** Fills what the market allows now: all of it, or chunks for large orders, or the fault's fraction. */
  private tryFill(o: OrderRecord): void {
    if (o.status !== 'Submitted' || !this.clock.isOpen()) return;
    const capQty = o.fillCap === undefined ? o.quantity : Math.floor(o.quantity * o.fillCap);
    const chunk = o.contract.secType === 'OPT' ? this.chunkSize : this.chunkSize * 100;
    while (o.status === 'Submitted' && o.filled < capQty) {
      const q = this.market.quote(o.contract);
      const px = o.action === 'BUY' ? q.ask : q.bid;
      // A limit order trades when the touch reaches it, at the touch (price improvement).
      if (!(px > 0)) return;
      if (o.orderType === 'LMT' && (o.limitPrice === undefined || (o.action === 'BUY' ? px > o.limitPrice : px < o.limitPrice))) return;
      this.fill(o, Math.min(chunk, capQty - o.filled), px);
    }
  }

  private fill(o: OrderRecord, qty: number, price: number): void {
    const cum = o.filled + qty;
    const avg = r4(((o.avgFillPrice ?? 0) * o.filled + price * qty) / cum);
    const totalCommission = commissionFor(o.contract, cum, avg);
    const commission = Math.round((totalCommission - o.commissionPaid) * 100) / 100;
    o.filled = cum;
    o.avgFillPrice = avg;
    o.lastFillPrice = price;
    o.commissionPaid = totalCommission;
    if (o.filled >= o.quantity) this.finish(o, 'Filled');
    const realizedPnl = this.account.applyFill(o.contract, o.action === 'BUY' ? qty : -qty, price, commission);
    this.execSeq++;
    const e: Execution = {
      execId: `${this.execPrefix}.${o.permId.toString(16).padStart(8, '0')}.${String(this.execSeq).padStart(2, '0')}.01`,
      orderId: o.orderId,
      clientId: o.clientId,
      permId: o.permId,
      contract: o.contract,
      side: o.action === 'BUY' ? 'BOT' : 'SLD',
      shares: qty,
      price,
      cumQty: cum,
      avgPrice: avg,
      orderRef: o.orderRef,
      account: o.account,
      time: this.clock.now(),
      commission,
      realizedPnl,
    };
    this.executions.push(e);
    const frames: Field[][] = [executionData(-1, e)];
    if (o.status === 'Filled') frames.push(openOrder(o));
    frames.push(orderStatus(o), commissionReport(e));
    this.send(o.clientId, frames);
  }
}
