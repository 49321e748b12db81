/**
 * Programmatic API of the IB gateway simulator: start one in-process (tests, `npm start`) or
 * through main.ts (`npm run ib-sim`). Everything a test needs to steer it (faults, clock,
 * prices) is a method here and, when adminPort is set, an HTTP endpoint (admin.ts).
 */
import { createLogger } from '../logger';
import { startAdmin } from './admin';
import { ClockMode } from './clock';
import { SimCore } from './core';
import { persistCore, readState, type Persister } from './persist';
import { ReplayOptions } from './replay';
import { GatewayServer } from './server';
import type { Execution, Position, SimOrder } from './types';

export type { SimOrder } from './types';

export interface SimulatorOptions {
  port?: number;
  host?: string;
  account?: string;
  prices?: Record<string, number>;
  clock?: ClockMode;
  seed?: number;
  adminPort?: number | null;
  log?: boolean;
  /** Annual volatility per symbol (default 20-60 % derived from the symbol). */
  vols?: Record<string, number>;
  /** Start of virtual time in manual mode (default: now). */
  startTime?: Date | string;
  startingCash?: number;
  firstOrderId?: number;
  /** Half the stock bid/ask spread (default 0.01; 0 fills stock exactly at the set price). */
  stockHalfSpread?: number;
  /** 'gbm' (default) moves prices when the clock is advanced; 'static' never does. */
  priceModel?: 'gbm' | 'static';
  /** Client→server messages per second per connection before error 100 (default 50; 0 = off). */
  pacingLimit?: number;
  /** Replay daily bars from CSV files as these symbols' prices (one row per simulated session). */
  replay?: ReplayOptions[];
  /**
   * File the account (positions, cash, orders, executions, clock, prices) is kept in, so it
   * outlives a restart of the gateway (e.g. <DATA_DIR>/ib-sim-account.json). Absent: in memory only.
   */
  stateFile?: string;
  /** Ignore (and overwrite) the state file: a new, empty account. */
  fresh?: boolean;
}

export interface AssignRequest { symbol: string; expiry: string; strike: number; right: 'C' | 'P'; quantity: number }
export interface AddPositionRequest { symbol: string; secType: 'STK' | 'OPT'; expiry?: string; strike?: number; right?: 'C' | 'P'; quantity: number; avgCost: number }

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
}

export interface ExecutionView {
  execId: string; orderId: number; clientId: number; orderRef: string; localSymbol: string; side: 'BOT' | 'SLD';
  shares: number; price: number; cumQty: number; avgPrice: number; commission: number; realizedPnl?: number; time: string;
}

export function viewExecution(e: Execution): ExecutionView {
  return { execId: e.execId, orderId: e.orderId, clientId: e.clientId, orderRef: e.orderRef, localSymbol: e.contract.localSymbol, side: e.side,
    shares: e.shares, price: e.price, cumQty: e.cumQty, avgPrice: e.avgPrice, commission: e.commission, realizedPnl: e.realizedPnl, time: e.time.toISOString() };
}

export function viewPosition(p: Position): PositionView {
  const c = p.contract;
  return { account: p.account, symbol: c.symbol, secType: c.secType, expiry: c.expiry, strike: c.strike, right: c.right,
    conId: c.conId, localSymbol: c.localSymbol, quantity: p.quantity, avgCost: Math.round(p.avgCost * 10000) / 10000 };
}

export function applyFault(core: SimCore, server: GatewayServer, f: Fault): void {
  if ('drop_connections' in f) server.dropConnections();
  else if ('refuse_connections_ms' in f) server.refuseUntil = Date.now() + Number(f.refuse_connections_ms);
  else if ('reject_next' in f) core.book.faults.rejectNext = { code: Number(f.reject_next.code), text: String(f.reject_next.text), symbol: f.reject_next.symbol };
  else if ('delay_fills_ms' in f) core.book.faults.delayFillsMs = Number(f.delay_fills_ms);
  else if ('partial_fill_next' in f) core.book.faults.partialFillNext = { fraction: Number(f.partial_fill_next.fraction) };
  else if ('pacing' in f) server.pacingLimit = Number(f.pacing.limit_per_s) > 0 ? Number(f.pacing.limit_per_s) : Infinity;
  else throw new RangeError(`unknown fault ${JSON.stringify(f)}`);
}

export function applyClock(core: SimCore, cmd: ClockCommand): Date {
  if ('advance_to' in cmd) {
    const d = new Date(cmd.advance_to);
    if (Number.isNaN(d.getTime())) throw new RangeError(`bad advance_to ${String(cmd.advance_to)}`);
    core.advanceTo(d);
  } else if ('advance_ms' in cmd) {
    const ms = Number(cmd.advance_ms);
    if (!(ms >= 0)) throw new RangeError(`bad advance_ms ${String(cmd.advance_ms)}`);
    core.advanceMs(ms);
  } else if ('to_close' in cmd) core.toClose();
  else if ('to_expiry' in cmd) core.toExpiry();
  else throw new RangeError(`unknown clock command ${JSON.stringify(cmd)}`);
  return core.clock.now();
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const log = createLogger('ib-sim');
  // Quiet unless asked: tests start many simulators. (Logger.silent alone does not stop winston's console transport.)
  if (!opts.log) {
    log.silent = true;
    for (const t of log.transports) t.silent = true;
  }
  const account = opts.account ?? 'DU1234567';
  const host = opts.host ?? '127.0.0.1';
  interface Running { core: SimCore; server: GatewayServer; port: number; timer?: NodeJS.Timeout; persister?: Persister }

  async function boot(port: number, fresh: boolean): Promise<Running> {
    const core = new SimCore({
      account, clock: opts.clock ?? 'open', prices: opts.prices, seed: opts.seed, vols: opts.vols,
      startTime: opts.startTime === undefined ? undefined : new Date(opts.startTime), startingCash: opts.startingCash,
      firstOrderId: opts.firstOrderId, stockHalfSpread: opts.stockHalfSpread, priceModel: opts.priceModel,
      replay: opts.replay,
    }, log);
    let persister: Persister | undefined;
    if (opts.stateFile) {
      const saved = fresh ? undefined : readState(opts.stateFile);
      if (saved) core.restore(saved);
      log.info(saved ? 'simulator account restored' : 'simulator account started fresh', { file: opts.stateFile, positions: core.account.all().length, orders: core.book.orders().length });
      persister = persistCore(core, opts.stateFile);
    }
    const server = new GatewayServer(core, account);
    if (opts.pacingLimit !== undefined) server.pacingLimit = opts.pacingLimit > 0 ? opts.pacingLimit : Infinity;
    const bound = await server.listen(port, host);
    // Wall-clock modes: notice session closes (DAY expiry, option expiry) as real time passes.
    const timer = core.clock.mode === 'manual' ? undefined : setInterval(() => core.processTime(false), 1000);
    timer?.unref();
    return { core, server, port: bound, timer, persister };
  }
  const stopRunning = async (r: Running): Promise<void> => {
    if (r.timer) clearInterval(r.timer);
    r.persister?.stop();
    await r.server.close();
  };

  let run = await boot(opts.port ?? 4002, opts.fresh ?? false);
  const sim: Simulator = {
    port: run.port,
    orders: () => run.core.book.orders(),
    setPrice: (s, p) => run.core.setPrice(s, p),
    price: (s) => run.core.market.price(s),
    positions: () => run.core.account.all().map(viewPosition),
    executions: () => run.core.book.executions.map(viewExecution),
    cash: () => Math.round(run.core.account.cash * 100) / 100,
    accountSummary: () => run.core.account.summary(),
    fault: (f) => applyFault(run.core, run.server, f),
    clock: (cmd) => applyClock(run.core, cmd),
    now: () => run.core.clock.now(),
    chain: (s) => ({ expirations: run.core.market.expirations(), strikes: run.core.market.strikes(s) }),
    assign: (a) => { run.core.assign(a); },
    addPosition: (a) => viewPosition(run.core.addPosition(a)),
    restart: async (o = {}) => {
      await stopRunning(run);
      run = await boot(run.port, o.fresh ?? false);
      log.info('IB gateway simulator restarted', { port: run.port, fresh: o.fresh ?? false });
    },
    close: async () => {
      await Promise.all([stopRunning(run), admin?.close()]);
    },
  };
  const admin = opts.adminPort === undefined || opts.adminPort === null ? undefined : await startAdmin(sim, opts.adminPort, host, log);
  if (admin) (sim as { adminPort?: number }).adminPort = admin.port;
  log.info('IB gateway simulator listening', { host, port: run.port, adminPort: admin?.port, account, clock: run.core.clock.mode });
  return sim;
}
