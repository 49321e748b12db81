/**
 * The broker port: what activities need from a broker, in ALL-USE's vocabulary.
 * `ib-adapter.ts` implements it over @stoqey/ib (the only importer of that package).
 * Prices here are decimal numbers as the broker reports them; callers convert to cents.
 */
import type { OrderStatus } from './instruction';

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
  /**
   * IB order id; 0 = unknown: an order a restarted adapter knows only from reqCompletedOrders
   * (ended without fills: IB's completed-order record carries no order id; permId does identify it).
   */
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
  /** Connected and the order book resynchronised with the broker since the last (re)connect. */
  isSynced?(): boolean;
  /** The broker's current view of the order with this ref, or null if the broker never saw it. */
  findOrder(orderRef: string): Promise<BrokerOrderState | null>;
  /**
   * Searches the broker afresh for the order with this ref (its open, executed and completed
   * orders, not a cached view); null = the broker has no trace of it. Absent = findOrder is fresh.
   */
  searchOrder?(orderRef: string): Promise<BrokerOrderState | null>;
  /** Places the order unless one with the same orderRef already exists; returns its state. */
  placeOrder(req: BrokerOrderRequest): Promise<BrokerOrderState>;
  /** Requests cancellation; resolves when the broker acknowledged the request (not the cancel). */
  cancelOrder(orderRef: string): Promise<void>;
  /**
   * Resolves with the order's state once it is terminal (and its commissions are in),
   * or with the latest state when `timeoutMs` elapses first. It must wait (event-driven or on
   * a timer) even for an order it does not know: callers poll it in a loop.
   */
  waitForUpdate(orderRef: string, timeoutMs: number): Promise<BrokerOrderState | null>;
  /** How long a message sent now would wait in the adapter's pacing queue (ms); absent = never queues. */
  pacingBacklogMs?(): number;
  /** Quotes, history, chains and account views (Protocol Engine); absent in order-only brokers. */
  marketData?: MarketData;
  /**
   * Calls `listener` each time the session is (re)established and the order book resynchronised
   * (the first connect included); `n` counts sessions from 1. Returns the unsubscribe function.
   * The worker starts a reconciliation on each (src/reconcileTrigger.ts).
   */
  onReconnect?(listener: (n: number) => void): () => void;
}

/**
 * One execution as the broker reports it (reqExecutions + its commission report). Orders of
 * ALL-USE carry their instruction id as `orderRef`; executions the broker books without an
 * order (expiry, assignment, exercise) have `orderId` 0 and no orderRef: an option closed at
 * price 0 and, when delivered, the stock at the strike.
 */
export interface BrokerExecution {
  execId: string;
  orderId: number;
  orderRef: string;
  /** ISO 8601 UTC */
  time: string;
  symbol: string;
  secType: 'STK' | 'OPT';
  expiry?: string;
  strike?: number;
  right?: 'C' | 'P';
  side: 'BUY' | 'SELL';
  shares: number;
  price: number;
  commission?: number;
  /** The broker's realised P&L of this execution (net of commissions), when it closed something. */
  realizedPnl?: number;
}

/** A daily or weekly bar; `date` YYYY-MM-DD (the bar's first day, as IB labels it). */
export interface MarketBar {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  /** shares traded (when the broker gives it) */
  volume?: number;
}

export interface OptionQuote {
  symbol: string;
  /** YYYYMMDD */
  expiry: string;
  strike: number;
  right: 'C' | 'P';
  bid: number;
  ask: number;
  last: number;
  /** model delta, signed (negative for puts) */
  delta?: number;
  iv?: number;
  underlying?: number;
  gamma?: number;
  vega?: number;
  theta?: number;
  /** contracts open (when the broker gives it) */
  openInterest?: number;
}

export interface BrokerPosition {
  account: string;
  symbol: string;
  secType: 'STK' | 'OPT';
  expiry?: string;
  strike?: number;
  right?: 'C' | 'P';
  quantity: number;
  avgCost: number;
}

/** Read-only market and account data (ib-marketdata.ts implements it over @stoqey/ib). */
export interface MarketData {
  /** Bars ending at `end` (YYYYMMDD HH:mm:ss US/Eastern; '' = now). */
  bars(symbol: string, barSize: '1 day' | '1 week', duration: string, end?: string): Promise<MarketBar[]>;
  stockQuote(symbol: string): Promise<{ bid: number; ask: number; last: number }>;
  /** Listed expirations (YYYYMMDD, sorted) and strikes of the symbol's options. */
  expirations(symbol: string): Promise<{ expirations: string[]; strikes: number[] }>;
  optionQuote(symbol: string, expiry: string, strike: number, right: 'C' | 'P'): Promise<OptionQuote>;
  /** Quotes with greeks for one expiry and right, strikes within [minStrike, maxStrike]. */
  optionChain(symbol: string, expiry: string, right: 'C' | 'P', minStrike: number, maxStrike: number): Promise<OptionQuote[]>;
  positions(): Promise<BrokerPosition[]>;
  accountSummary(): Promise<Record<string, number>>;
  /** The account's cash (TotalCashValue), as the broker reports it. */
  accountCash?(): Promise<number>;
  /** Executions at or after `since`, each once (deduplicated by execId), with commissions. */
  executionsSince?(since: Date): Promise<BrokerExecution[]>;
  /** The broker's clock (the simulator's virtual time in manual mode). */
  now(): Promise<Date>;
  close(): Promise<void>;
  /** The pacer's counters (historical requests, snapshots, waits); absent = no pacer. */
  pacing?(): PacerStats;
}

/** Counters of the market-data pacer (activities/broker/md-pacer.ts): IB's historical pacing and lines. */
export interface PacerStats {
  historical: number;
  snapshots: number;
  /** total ms historical requests spent queued */
  historicalWaitMs: number;
  maxLinesInUse: number;
}
