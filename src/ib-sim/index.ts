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
import { readBars, ReplayOptions } from './replay';
import { AnchoredHistory } from './history';
import { SimPacing, type MarketDataLimits } from './pacing';
import { DateTime } from 'luxon';
import { GatewayServer } from './server';
import { orderHandlers } from './handlers';
import { dataHandlers } from './requests';
import type { BadData, ClockCommand, ExecutionView, Fault, PositionView, Simulator } from './api';
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
  /** One strike spacing in dollars (see MarketOptions.strikeStep). */
  strikeStep?: number;
  /** The backtester's option quote rule (see MarketOptions.optionQuote). */
  optionQuote?: { tick: number; halfSpread: number; minHalfSpread: number };
  /** Risk-free rate of the option model (default 0.04). */
  riskFree?: number;
  /**
   * File the account (positions, cash, orders, executions, clock, prices) is kept in, so it
   * outlives a restart of the gateway (e.g. <DATA_DIR>/ib-sim-account.json). Absent: in memory only.
   */
  stateFile?: string;
  /** Ignore (and overwrite) the state file: a new, empty account. */
  fresh?: boolean;
  /** IB's historical pacing and line limits (default IB's: 60/10 min, 15 s, 6/2 s, 100 lines). */
  marketDataLimits?: Partial<MarketDataLimits>;
  /**
   * Daily history: 'anchored' serves one fixed path per symbol, so chunked backfills join without
   * seams; 'live' ends every request at the current price; 'auto' (default) is anchored for a
   * request with an explicit end date (a backfill) and live for one ending now.
   */
  history?: 'live' | 'anchored' | 'auto';
  /** Serve these symbols' daily history from a CSV by its own dates (date,open,high,low,close[,volume]). */
  historyCsv?: { symbol: string; csv: string }[];
}

export type { AddPositionRequest, AssignRequest, BadData, ClockCommand, ExecutionView, Fault, PositionView, Simulator } from './api';

export function applyBadData(core: SimCore, server: GatewayServer, cmd: BadData): void {
  if ('bad_bar' in cmd) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(String(cmd.bad_bar.date))) throw new RangeError('bad_bar.date must be YYYY-MM-DD');
    server.history.badBars.add(`${String(cmd.bad_bar.symbol).toUpperCase()}|${cmd.bad_bar.date}`);
  } else if ('crossed_quote' in cmd) core.market.bad.crossed.add(String(cmd.crossed_quote.symbol).toUpperCase());
  else if ('chain_arbitrage' in cmd) core.market.bad.chainArbitrage.add(String(cmd.chain_arbitrage.symbol).toUpperCase());
  else if ('clear' in cmd) {
    server.history.badBars.clear();
    core.market.bad.crossed.clear();
    core.market.bad.chainArbitrage.clear();
  } else throw new RangeError(`unknown bad data ${JSON.stringify(cmd)}`);
}

export function viewExecution(e: Execution): ExecutionView {
  return {
    execId: e.execId,
    orderId: e.orderId,
    clientId: e.clientId,
    orderRef: e.orderRef,
    localSymbol: e.contract.localSymbol,
    side: e.side,
    shares: e.shares,
    price: e.price,
    cumQty: e.cumQty,
    avgPrice: e.avgPrice,
    commission: e.commission,
    realizedPnl: e.realizedPnl,
    time: e.time.toISOString(),
  };
}

export function viewPosition(p: Position): PositionView {
  const c = p.contract;
  return {
    account: p.account,
    symbol: c.symbol,
    secType: c.secType,
    expiry: c.expiry,
    strike: c.strike,
    right: c.right,
    conId: c.conId,
    localSymbol: c.localSymbol,
    quantity: p.quantity,
    avgCost: Math.round(p.avgCost * 10000) / 10000,
  };
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
  interface Running {
    core: SimCore;
    server: GatewayServer;
    port: number;
    timer?: NodeJS.Timeout;
    persister?: Persister;
  }

  async function boot(port: number, fresh: boolean): Promise<Running> {
    const core = new SimCore(
      {
        account,
        clock: opts.clock ?? 'open',
        prices: opts.prices,
        seed: opts.seed,
        vols: opts.vols,
        startTime: opts.startTime === undefined ? undefined : new Date(opts.startTime),
        startingCash: opts.startingCash,
        firstOrderId: opts.firstOrderId,
        stockHalfSpread: opts.stockHalfSpread,
        priceModel: opts.priceModel,
        replay: opts.replay,
        strikeStep: opts.strikeStep,
        optionQuote: opts.optionQuote,
        riskFree: opts.riskFree,
      },
      log,
    );
    let persister: Persister | undefined;
    if (opts.stateFile) {
      const saved = fresh ? undefined : readState(opts.stateFile);
      if (saved) core.restore(saved);
      log.info(saved ? 'simulator account restored' : 'simulator account started fresh', { file: opts.stateFile, positions: core.account.all().length, orders: core.book.orders().length });
      persister = persistCore(core, opts.stateFile, { restored: saved });
    }
    const server = new GatewayServer(core, account, [orderHandlers, dataHandlers]);
    if (opts.pacingLimit !== undefined) server.pacingLimit = opts.pacingLimit > 0 ? opts.pacingLimit : Infinity;
    server.pacing = new SimPacing(opts.marketDataLimits);
    server.history.mode = opts.history ?? 'auto';
    server.history.anchored = new AnchoredHistory(DateTime.fromJSDate(core.clock.now(), { zone: 'America/New_York' }).toISODate() ?? '', opts.seed ?? 42);
    for (const h of opts.historyCsv ?? []) server.history.csv.set(h.symbol.toUpperCase(), readBars(h.csv));
    // A path built on the first request would block the gateway for a few hundred ms (and bunch
    // the requests queued behind it, as a network hiccup would): build the configured symbols' now.
    if (opts.history === 'anchored') for (const sym of Object.keys(opts.prices ?? {})) server.history.anchored.warm(sym.toUpperCase(), core.market.price(sym), core.market.vol(sym));
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
    setVol: (s, v) => run.core.market.setVol(s, v),
    price: (s) => run.core.market.price(s),
    positions: () => run.core.account.all().map(viewPosition),
    executions: () => run.core.book.executions.map(viewExecution),
    cash: () => Math.round(run.core.account.cash * 100) / 100,
    accountSummary: () => run.core.account.summary(),
    fault: (f) => applyFault(run.core, run.server, f),
    clock: (cmd) => applyClock(run.core, cmd),
    now: () => run.core.clock.now(),
    clientIds: () => [...run.server.conns].flatMap((c) => (c.clientId === undefined ? [] : [c.clientId])),
    chain: (s) => ({ expirations: run.core.market.expirations(), strikes: run.core.market.strikes(s) }),
    assign: (a) => {
      run.core.assign(a);
    },
    addPosition: (a) => viewPosition(run.core.addPosition(a)),
    restart: async (o = {}) => {
      await stopRunning(run);
      run = await boot(run.port, o.fresh ?? false);
      log.info('IB gateway simulator restarted', { port: run.port, fresh: o.fresh ?? false });
    },
    pacingStats: () => ({ ...run.server.pacing.stats }),
    badData: (cmd) => applyBadData(run.core, run.server, cmd),
    close: async () => {
      await Promise.all([stopRunning(run), admin?.close()]);
    },
  };
  const admin = opts.adminPort === undefined || opts.adminPort === null ? undefined : await startAdmin(sim, opts.adminPort, host, log);
  if (admin) (sim as { adminPort?: number }).adminPort = admin.port;
  log.info('IB gateway simulator listening', { host, port: run.port, adminPort: admin?.port, account, clock: run.core.clock.mode });
  return sim;
}
