/**
 * The broker port: what activities need from a broker, in ALL-USE's vocabulary.
 * `ib-adapter.ts` implements it over @stoqey/ib (the only importer of that package).
 * Prices here are decimal numbers as the broker reports them; callers convert to cents.
 */
import type { OrderStatus } from '../../src/contracts/instruction';

export interface BrokerOrderRequest {
  /** Idempotency key: carried as IB orderRef; one broker order per ref, ever. */
  orderRef: string;
  symbol: string;
  secType: 'STK' | 'OPT';
  /** Options only: YYYYMMDD. */
  expiry?: string;
  strike?: number;
  right?: 'C' | 'P';
  action: 'BUY' | 'SELL';
  quantity: number;
  orderType: 'MKT' | 'LMT';
  limitPrice?: number;
  tif: 'DAY' | 'GTC';
}

export interface BrokerFill {
  execId: string;
  time: string;
  shares: number;
  price: number;
  /** Filled in once the commission report for this execution arrives. */
  commission?: number;
}

export interface BrokerOrderState {
  orderRef: string;
  brokerOrderId: number;
  permId?: number;
  status: OrderStatus;
  filledQuantity: number;
  remainingQuantity: number;
  avgFillPrice?: number;
  /** Sum of commission reports received so far. */
  commission: number;
  fills: BrokerFill[];
  /** Set when status is REJECTED or CANCELLED by the broker: `IB_<code>: text`. */
  reason?: string;
  /** True once every fill has its commission report (terminal FILLED may precede them). */
  commissionsComplete: boolean;
}

export interface Broker {
  /** Connects (idempotent) and resolves once the broker accepts orders (next valid id received). */
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  /** The broker's current view of the order with this ref, or null if the broker never saw it. */
  findOrder(orderRef: string): Promise<BrokerOrderState | null>;
  /** Places the order unless one with the same orderRef already exists; returns its state. */
  placeOrder(req: BrokerOrderRequest): Promise<BrokerOrderState>;
  /** Requests cancellation; resolves when the broker acknowledged the request (not the cancel). */
  cancelOrder(orderRef: string): Promise<void>;
  /**
   * Resolves with the order's state once it is terminal (and its commissions are in),
   * or with the latest state when `timeoutMs` elapses first.
   */
  waitForUpdate(orderRef: string, timeoutMs: number): Promise<BrokerOrderState | null>;
}
