/**
 * The simulator's programmatic surface (what index.ts returns and admin.ts serves over HTTP),
 * in a module of its own so that admin.ts and index.ts do not import each other.
 */
import type { SimOrder } from './types';
import type { PacingStats } from './pacing';

export interface AssignRequest {
  symbol: string;
  expiry: string;
  strike: number;
  right: 'C' | 'P';
  quantity: number;
}
export interface AddPositionRequest {
  symbol: string;
  secType: 'STK' | 'OPT';
  expiry?: string;
  strike?: number;
  right?: 'C' | 'P';
  quantity: number;
  avgCost: number;
}

/** Bad market data to serve (admin POST /bad_data), so validation can be tested end to end. */
export type BadData = { bad_bar: { symbol: string; date: string } } | { crossed_quote: { symbol: string } } | { chain_arbitrage: { symbol: string } } | { clear: true };

export type Fault =
  | { drop_connections: true }
  | { refuse_connections_ms: number }
  | { reject_next: { code: number; text: string; symbol?: string } }
  | { delay_fills_ms: number }
  | { partial_fill_next: { fraction: number } }
  | { pacing: { limit_per_s: number } };

export type ClockCommand = { advance_to: string | Date } | { advance_ms: number } | { to_close: true } | { to_expiry: true };

export interface PositionView {
  account: string;
  symbol: string;
  secType: string;
  expiry?: string;
  strike?: number;
  right?: string;
  conId: number;
  localSymbol: string;
  quantity: number;
  avgCost: number;
}

export interface Simulator {
  readonly port: number;
  readonly adminPort?: number;
  orders(): SimOrder[];
  setPrice(symbol: string, price: number): void;
  /** Sets a symbol's annual volatility (its options' Black-Scholes input), e.g. the parity check's per-day estimate. */
  setVol(symbol: string, vol: number): void;
  close(): Promise<void>;
  price(symbol: string): number;
  positions(): PositionView[];
  /** Every fill, in order (also GET /executions). */
  executions(): ExecutionView[];
  cash(): number;
  accountSummary(): Record<string, number>;
  /** Applies one fault (same vocabulary as POST /faults). */
  fault(f: Fault): void;
  /** Moves simulated time forward (same vocabulary as POST /clock); returns the new time. */
  clock(cmd: ClockCommand): Date;
  now(): Date;
  /** Client ids of the API connections open now (a test waits for a disconnect to land). */
  clientIds(): number[];
  /** Option chain the simulator lists for a symbol. */
  chain(symbol: string): { expirations: string[]; strikes: number[] };
  /** Assigns all or part of a short option position now, on any day (POST /assign). */
  assign(a: AssignRequest): void;
  /** Puts a position into the account by hand: no order, no execution, no cash (POST /positions). */
  addPosition(a: AddPositionRequest): PositionView;
  /**
   * Stops the gateway (every client disconnected) and starts it again on the same ports: the
   * account comes back from the state file, or empty when `fresh` (POST /restart).
   */
  restart(o?: { fresh?: boolean }): Promise<void>;
  /** Historical requests served and pacing / line-limit violations (also GET /pacing). */
  pacingStats(): PacingStats;
  /** Serves bad data from now on (same vocabulary as POST /bad_data). */
  badData(cmd: BadData): void;
}

export interface ExecutionView {
  execId: string;
  orderId: number;
  clientId: number;
  orderRef: string;
  localSymbol: string;
  side: 'BOT' | 'SLD';
  shares: number;
  price: number;
  cumQty: number;
  avgPrice: number;
  commission: number;
  realizedPnl?: number;
  time: string;
}
