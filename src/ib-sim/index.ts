/**
 * Programmatic API of the IB gateway simulator: start one in-process (tests, `npm start`) or
 * through main.ts (`npm run ib-sim`). Everything a test needs to steer it (faults, clock,
 * prices) is a method here and, when adminPort is set, an HTTP endpoint (admin.ts).
 */
import { createLogger } from '../logger';
import { startAdmin } from './admin';
import { ClockMode } from './clock';
import { SimCore } from './core';
import { ReplayOptions } from './replay';
import { GatewayServer } from './server';
import { orderHandlers } from './handlers';
import { dataHandlers } from './requests';
import type { ClockCommand, ExecutionView, Fault, PositionView, Simulator } from './api';
import type { Execution, Position } from './types';

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
}

export type { ClockCommand, ExecutionView, Fault, PositionView, Simulator } from './api';

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
  const core = new SimCore({
    account, clock: opts.clock ?? 'open', prices: opts.prices, seed: opts.seed, vols: opts.vols,
    startTime: opts.startTime === undefined ? undefined : new Date(opts.startTime), startingCash: opts.startingCash,
    firstOrderId: opts.firstOrderId, stockHalfSpread: opts.stockHalfSpread, priceModel: opts.priceModel,
    replay: opts.replay,
  }, log);
  const server = new GatewayServer(core, account, [orderHandlers, dataHandlers]);
  if (opts.pacingLimit !== undefined) server.pacingLimit = opts.pacingLimit > 0 ? opts.pacingLimit : Infinity;
  const host = opts.host ?? '127.0.0.1';
  const port = await server.listen(opts.port ?? 4002, host);
  // Wall-clock modes: notice session closes (DAY expiry, option expiry) as real time passes.
  const timer = core.clock.mode === 'manual' ? undefined : setInterval(() => core.processTime(false), 1000);
  timer?.unref();
  const sim: Simulator = {
    port,
    orders: () => core.book.orders(),
    setPrice: (s, p) => core.setPrice(s, p),
    price: (s) => core.market.price(s),
    positions: () => core.account.all().map(viewPosition),
    executions: () => core.book.executions.map(viewExecution),
    cash: () => Math.round(core.account.cash * 100) / 100,
    accountSummary: () => core.account.summary(),
    fault: (f) => applyFault(core, server, f),
    clock: (cmd) => applyClock(core, cmd),
    now: () => core.clock.now(),
    clientIds: () => [...server.conns].flatMap((c) => (c.clientId === undefined ? [] : [c.clientId])),
    chain: (s) => ({ expirations: core.market.expirations(), strikes: core.market.strikes(s) }),
    close: async () => {
      if (timer) clearInterval(timer);
      await Promise.all([server.close(), admin?.close()]);
    },
  };
  const admin = opts.adminPort === undefined || opts.adminPort === null ? undefined : await startAdmin(sim, opts.adminPort, host, log);
  if (admin) (sim as { adminPort?: number }).adminPort = admin.port;
  log.info('IB gateway simulator listening', { host, port, adminPort: admin?.port, account, clock: core.clock.mode });
  return sim;
}
