/**
 * The simulator's programmatic surface (what index.ts returns and admin.ts serves over HTTP),
 * in a module of its own so that admin.ts and index.ts do not import each other.
 */
import type { SimOrder } from './types';

export type Fault =
  | { drop_connections: true }
  | { refuse_connections_ms: number }
  | { reject_next: { code: number; text: string; symbol?: string } }
  | { delay_fills_ms: number }
  | { partial_fill_next: { fraction: number } }
  | { pacing: { limit_per_s: number } };

export type ClockCommand = { advance_to: string | Date } | { advance_ms: number } | { to_close: true } | { to_expiry: true };

export interface PositionView {
  account: string; symbol: string; secType: string; expiry?: string; strike?: number; right?: string;
  conId: number; localSymbol: string; quantity: number; avgCost: number;
}

export interface Simulator {
  readonly port: number;
  readonly adminPort?: number;
  orders(): SimOrder[];
  setPrice(symbol: string, price: number): void;
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
}

export interface ExecutionView {
  execId: string; orderId: number; clientId: number; orderRef: string; localSymbol: string; side: 'BOT' | 'SLD';
  shares: number; price: number; cumQty: number; avgPrice: number; commission: number; realizedPnl?: number; time: string;
}
