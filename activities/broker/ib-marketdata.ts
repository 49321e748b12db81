/**
 * Market data over @stoqey/ib (IBApiNext) on its own client id, so quote and history requests
 * never queue behind order traffic: bars, option chains with model greeks, positions, account
 * summary and the broker's clock (which is the simulator's virtual time in manual mode).
 * Prices stay decimal numbers as IB sends them; activities convert to cents.
 */
import { BarSizeSetting, ConnectionState, IBApiNext, SecType, WhatToShow, type Contract } from '@stoqey/ib';
import type winston from 'winston';
import { DateTime } from 'luxon';
import type { BrokerExecution, MarketBar, MarketData, OptionQuote } from '../../src/contracts/broker';
import { isoOfYmd } from '../../src/domain/instrument';
import { ibTime } from '../../src/domain/ibTime';
import { MarketDataPacer, type PacerLimits } from './md-pacer';
import { optionContract, stockContract } from './ib-contracts';

export interface IbMarketDataOptions {
  host: string;
  port: number;
  clientId: number;
  logger: winston.Logger;
  /** IBApiNext's own throttle (default 40/s: below IB's 50). */
  maxReqPerSec?: number;
  connectTimeoutMs?: number;
  /** IB's historical pacing and line limits (default IB's); every request goes through the pacer. */
  limits?: Partial<PacerLimits>;
}

const stk = stockContract;
const opt = optionContract;
// IBApiNext tick ids: 1 bid, 2 ask, 4 last; 10041 model delta, 10039 model IV, 10002 underlying.
const TICK = { bid: 1, ask: 2, last: 4, delta: 10041, iv: 10039, und: 10002, gamma: 10042, vega: 10043, theta: 10044, callOi: 27, putOi: 28 } as const;
const ymd = isoOfYmd;

export { ibTime } from '../../src/domain/ibTime';

export function createIbMarketData(o: IbMarketDataOptions): MarketData {
  let api: IBApiNext | undefined;
  let ready: Promise<IBApiNext> | undefined;
  const pacer = new MarketDataPacer(o.limits);

  function connect(): Promise<IBApiNext> {
    ready ??= new Promise<IBApiNext>((resolve, reject) => {
      const next = new IBApiNext({ host: o.host, port: o.port, reconnectInterval: 2000, maxReqPerSec: o.maxReqPerSec ?? 40 });
      api = next;
      next.errorSubject.subscribe((e) => o.logger.debug('ib market data message', { code: e.code, reqId: e.reqId, text: e.error?.message }));
      const t = setTimeout(() => {
        sub.unsubscribe();
        ready = undefined;
        next.disconnect();
        reject(new Error(`IB market data ${o.host}:${o.port} not connected within ${o.connectTimeoutMs ?? 10_000} ms`));
      }, o.connectTimeoutMs ?? 10_000);
      const sub = next.connectionState.subscribe((s) => {
        if (s !== ConnectionState.Connected) return;
        clearTimeout(t);
        setImmediate(() => sub.unsubscribe());
        resolve(next);
      });
      next.connect(o.clientId);
    });
    return ready;
  }

  /** First emission of an IBApiNext observable (its initial complete list), then unsubscribe. */
  function first<T>(subscribe: (cb: (v: T) => void, err: (e: unknown) => void) => { unsubscribe(): void }, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const t = setTimeout(() => finish(() => reject(new Error('IB market data request timed out'))), timeoutMs);
      const finish = (f: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(t);
        setImmediate(() => sub.unsubscribe());
        f();
      };
      const sub = subscribe(
        (v) => finish(() => resolve(v)),
        (e) => finish(() => reject(e instanceof Error ? e : new Error(String((e as { error?: Error }).error?.message ?? e)))),
      );
    });
  }

  async function optionQuote(symbol: string, expiry: string, strike: number, right: 'C' | 'P'): Promise<OptionQuote> {
    const next = await connect();
    const snap = await pacer.line(() => next.getMarketDataSnapshot(opt(symbol, expiry, strike, right), '', false));
    const v = (k: number) => snap.get(k)?.value;
    return {
      symbol,
      expiry,
      strike,
      right,
      bid: v(TICK.bid) ?? 0,
      ask: v(TICK.ask) ?? 0,
      last: v(TICK.last) ?? 0,
      delta: v(TICK.delta),
      iv: v(TICK.iv),
      underlying: v(TICK.und),
      gamma: v(TICK.gamma),
      vega: v(TICK.vega),
      theta: v(TICK.theta),
      openInterest: v(right === 'C' ? TICK.callOi : TICK.putOi),
    };
  }

  const md: MarketData = {
    async bars(symbol, barSize, duration, end = '') {
      const size = barSize === '1 week' ? BarSizeSetting.WEEKS_ONE : BarSizeSetting.DAYS_ONE;
      const next = await connect();
      const bars = await pacer.historical(`${symbol}|${barSize}|${duration}|${end}`, symbol, () => next.getHistoricalData(stk(symbol), end || undefined, duration, size, WhatToShow.TRADES, 1, 1));
      return bars.map((b): MarketBar => ({ date: ymd(b.time ?? ''), open: b.open ?? 0, high: b.high ?? 0, low: b.low ?? 0, close: b.close ?? 0, volume: b.volume ?? undefined }));
    },
    async stockQuote(symbol) {
      const next = await connect();
      const snap = await pacer.line(() => next.getMarketDataSnapshot(stk(symbol), '', false));
      return { bid: snap.get(TICK.bid)?.value ?? 0, ask: snap.get(TICK.ask)?.value ?? 0, last: snap.get(TICK.last)?.value ?? 0 };
    },
    async expirations(symbol) {
      const rows = await (await connect()).getSecDefOptParams(symbol, '', SecType.STK, 0);
      const smart = rows.find((r) => r.exchange === 'SMART') ?? rows[0];
      return { expirations: [...(smart?.expirations ?? [])].sort(), strikes: [...(smart?.strikes ?? [])].sort((a, b) => a - b) };
    },
    optionQuote,
    async optionChain(symbol, expiry, right, minStrike, maxStrike) {
      const { strikes } = await this.expirations(symbol);
      const wanted = strikes.filter((k) => k >= minStrike && k <= maxStrike);
      return Promise.all(wanted.map((k) => optionQuote(symbol, expiry, k, right)));
    },
    async positions() {
      const next = await connect();
      const update = await first<{ all: ReadonlyMap<string, readonly { account: string; contract: Contract; pos: number; avgCost?: number }[]> }>((cb, err) =>
        next.getPositions().subscribe({ next: cb, error: err }),
      );
      return [...update.all.values()].flat().map((p) => ({
        account: p.account,
        symbol: p.contract.symbol ?? '',
        secType: p.contract.secType === SecType.OPT ? ('OPT' as const) : ('STK' as const),
        expiry: p.contract.lastTradeDateOrContractMonth,
        strike: p.contract.strike,
        right: p.contract.right,
        quantity: p.pos,
        avgCost: p.avgCost ?? 0,
      }));
    },
    async accountSummary() {
      const next = await connect();
      const update = await first<{ all: ReadonlyMap<string, ReadonlyMap<string, ReadonlyMap<string, { value: string }>>> }>((cb, err) =>
        next.getAccountSummary('All', 'NetLiquidation,TotalCashValue,BuyingPower,AvailableFunds').subscribe({ next: cb, error: err }),
      );
      const out: Record<string, number> = {};
      for (const tags of update.all.values()) for (const [tag, byCcy] of tags) for (const v of byCcy.values()) out[tag] = Number(v.value);
      return out;
    },
    async accountCash() {
      const s = await md.accountSummary();
      if (s.TotalCashValue === undefined) throw new Error('the broker reported no TotalCashValue');
      return s.TotalCashValue;
    },
    async executionsSince(since) {
      const next = await connect();
      // The filter is coarse (a day early, New York time); the exact cut is made below. IBApiNext
      // returns each row twice (dedupe by execId).
      const filter = { time: `${DateTime.fromJSDate(since, { zone: 'America/New_York' }).minus({ days: 1 }).toFormat('yyyyMMdd HH:mm:ss')} US/Eastern` };
      const [details, reports] = await Promise.all([next.getExecutionDetails(filter), next.getCommissionReport(filter)]);
      const commission = new Map(reports.map((r) => [r.execId, r]));
      const out = new Map<string, BrokerExecution>();
      for (const d of details) {
        const e = d.execution;
        const k = d.contract;
        if (!e.execId || out.has(e.execId)) continue;
        const r = commission.get(e.execId);
        const pnl = r?.realizedPNL;
        out.set(e.execId, {
          execId: e.execId,
          orderId: e.orderId ?? 0,
          orderRef: e.orderRef ?? '',
          time: ibTime(e.time ?? ''),
          symbol: k.symbol ?? '',
          secType: k.secType === SecType.OPT ? 'OPT' : 'STK',
          ...(k.secType === SecType.OPT ? { expiry: k.lastTradeDateOrContractMonth, strike: k.strike, right: k.right } : {}),
          side: e.side === 'SLD' ? 'SELL' : 'BUY',
          shares: e.shares ?? 0,
          price: e.price ?? 0,
          ...(r?.commission !== undefined ? { commission: r.commission } : {}),
          // IB sends Double.MAX_VALUE for "no realised P&L".
          ...(pnl !== undefined && Math.abs(pnl) < 1e300 ? { realizedPnl: pnl } : {}),
        });
      }
      return [...out.values()].filter((x) => x.time >= since.toISOString());
    },
    async now() {
      return new Date((await (await connect()).getCurrentTime()) * 1000);
    },
    pacing: () => ({ ...pacer.stats }),
    async close() {
      api?.disconnect();
      api = undefined;
      ready = undefined;
    },
  };
  return md;
}
