/**
 * Market data (snapshot and streaming), contract details, option-chain parameters and
 * historical bars. Streaming subscriptions are re-sent whenever a price changes.
 */
import { DateTime } from 'luxon';
import { Field, Fields } from './codec';
import { barDate, csvHistory, HistoryError, makeBars, parseBarSize, parseDuration, parseEnd, weeklyOf, type Bar } from './history';
import { PacingViolation } from './pacing';
import { contractData, errMsg, OUT } from './messages';
import { NO_SECDEF, parseContract, RequestError } from './parse';
import type { Connection, GatewayServer, Handler } from './server';
import type { Quote, SimContract } from './types';

const IN = {
  REQ_MKT_DATA: 1,
  CANCEL_MKT_DATA: 2,
  REQ_CONTRACT_DATA: 9,
  REQ_HISTORICAL_DATA: 20,
  CANCEL_HISTORICAL_DATA: 25,
  REQ_MARKET_DATA_TYPE: 59,
  REQ_SEC_DEF_OPT_PARAMS: 78,
} as const;

/** Live tick ids and their delayed equivalents (market data type 3/4). */
const TICKS = { bid: [1, 66], ask: [2, 67], last: [4, 68], bidSize: [0, 69], high: [6, 72], low: [7, 73], volume: [8, 74], close: [9, 75], open: [14, 76] };
const OPT_TICKS = [
  [10, 80],
  [11, 81],
  [12, 82],
  [13, 83],
] as const;
const marketDataTypes = new WeakMap<Connection, number>();

function quoteFrames(srv: GatewayServer, c: Connection, reqId: number, k: SimContract): Field[][] {
  const type = marketDataTypes.get(c) ?? 1;
  const d = type >= 3 ? 1 : 0;
  const q: Quote = srv.core.market.quote(k);
  const tp = (tick: readonly number[], price: number, size: Field = ''): Field[] => [OUT.TICK_PRICE, 3, reqId, tick[d], price, size, 0];
  const frames: Field[][] = [
    [OUT.MARKET_DATA_TYPE, 1, reqId, type],
    tp(TICKS.bid, q.bid, q.bidSize),
    // The client never synthesizes BID_SIZE from TICK_PRICE(BID) (§4.7): send it explicitly.
    [OUT.TICK_SIZE, 1, reqId, TICKS.bidSize[d], q.bidSize],
    tp(TICKS.ask, q.ask, q.askSize),
    tp(TICKS.last, q.last, 1),
  ];
  if (k.secType !== 'OPT') {
    const day = srv.core.market.dayStats(k.symbol);
    frames.push(tp(TICKS.high, day.high), tp(TICKS.low, day.low), tp(TICKS.close, day.close), tp(TICKS.open, day.open), [OUT.TICK_SIZE, 1, reqId, TICKS.volume[d], 1_000_000]);
  } else {
    // Every computation tick carries a real undPrice and pvDividend: IBApiNext keeps them in one
    // shared slot, so a "not computed" tick would erase the underlying price (§4.8).
    const prices = [q.bid, q.ask, q.last, q.model];
    OPT_TICKS.forEach((tick, i) =>
      frames.push([OUT.TICK_OPTION_COMPUTATION, reqId, tick[d], 1, q.iv ?? -1, q.delta ?? -2, prices[i], 0, q.gamma ?? -2, q.vega ?? -2, q.theta ?? -2, q.undPrice ?? -1]),
    );
  }
  return frames;
}

const r2 = (x: number): number => Math.round(x * 100) / 100;

function assertListed(srv: GatewayServer, k: SimContract): void {
  if (k.secType === 'OPT' && srv.core.market.expiryClose(k.expiry ?? '') <= srv.core.clock.now().getTime()) throw new RequestError(200, `${NO_SECDEF} (expired)`);
}

/** Every listed option matching a partial OPT contract (symbol and any of expiry, strike, right). */
function matchingOptions(srv: GatewayServer, k: SimContract): SimContract[] {
  const m = srv.core.market;
  const out: SimContract[] = [];
  for (const exp of m.expirations()) {
    if (k.expiry && k.expiry !== exp) continue;
    for (const strike of m.strikes(k.symbol)) {
      if (k.strike && Math.abs(k.strike - strike) > 1e-9) continue;
      for (const right of ['C', 'P'] as const) if (!k.right || k.right === right) out.push(m.contract(k.symbol, 'OPT', exp, strike, right));
    }
  }
  return out;
}

export function dataHandlers(srv: GatewayServer): Array<[number, Handler]> {
  const { core } = srv;
  core.priceListeners.push(() => {
    for (const c of srv.conns) for (const [reqId, k] of c.mktData) c.send(quoteFrames(srv, c, reqId, k));
  });
  return [
    [
      IN.REQ_MARKET_DATA_TYPE,
      (c, t) => {
        marketDataTypes.set(c, new Fields(t, 2).intOr(1));
      },
    ],
    [
      IN.REQ_MKT_DATA,
      (c, t) => {
        const reqId = new Fields(t, 2).int('reqId');
        const k = parseContract(t, 3, core.market);
        assertListed(srv, k);
        const dn = t[15] === '1' ? 3 : 0; // deltaNeutral flag: +conId, delta, price
        const snapshot = t[17 + dn] === '1' || t[18 + dn] === '1';
        if (!snapshot && c.mktData.has(reqId)) throw new RequestError(322, `Duplicate ticker id ${reqId}`);
        const streams = [...srv.conns].reduce((n, x) => n + x.mktData.size, 0);
        try {
          srv.pacing.takeLine(streams, snapshot);
        } catch (e) {
          throw e instanceof PacingViolation ? new RequestError(e.code, e.message) : e;
        }
        if (!snapshot) {
          c.send(quoteFrames(srv, c, reqId, k));
          c.mktData.set(reqId, k);
          return;
        }
        // A snapshot holds its line until it is answered (IB: up to ~11 s; snapshotMs here).
        const answer = () => {
          srv.pacing.releaseLine();
          c.send(quoteFrames(srv, c, reqId, k));
          c.send([[OUT.TICK_SNAPSHOT_END, 1, reqId]]);
        };
        if (srv.pacing.limits.snapshotMs > 0) setTimeout(answer, srv.pacing.limits.snapshotMs);
        else answer();
      },
    ],
    [
      IN.CANCEL_MKT_DATA,
      (c, t) => {
        c.mktData.delete(new Fields(t, 2).int('reqId'));
      },
    ],
    [
      IN.REQ_CONTRACT_DATA,
      (c, t) => {
        const reqId = new Fields(t, 2).int('reqId');
        const k = parseContract(t, 3, core.market, true);
        // IB answers a symbol it does not list with error 200, not with invented details.
        if (!core.market.isListed(k.symbol)) throw new RequestError(200, NO_SECDEF);
        const list = k.secType !== 'OPT' ? [k] : 'partial' in k && k.partial ? matchingOptions(srv, k) : [k];
        if (list.length === 0 || (k.secType === 'OPT' && !('partial' in k && k.partial) && core.market.expiryClose(k.expiry ?? '') <= core.clock.now().getTime())) {
          throw new RequestError(200, NO_SECDEF);
        }
        const und = core.market.contract(k.symbol, 'STK');
        c.send([...list.map((x) => contractData(reqId, x, { longName: `${x.symbol} (simulated)`, underConId: und.conId, minTick: 0.01 })), [OUT.CONTRACT_DATA_END, 1, reqId]]);
      },
    ],
    [
      IN.REQ_SEC_DEF_OPT_PARAMS,
      (c, t) => {
        const f = new Fields(t, 1);
        const reqId = f.int('reqId');
        const symbol = f.str().toUpperCase();
        if (!symbol || !core.market.isListed(symbol)) throw new RequestError(200, NO_SECDEF);
        const und = core.market.contract(symbol, 'STK');
        const exps = core.market.expirations();
        const strikes = core.market.strikes(symbol);
        const row = (exch: string): Field[] => [OUT.SECDEF_OPT_PARAM, reqId, exch, und.conId, symbol, '100', exps.length, ...exps, strikes.length, ...strikes];
        c.send([row('SMART'), row('CBOE'), [OUT.SECDEF_OPT_PARAM_END, reqId]]);
      },
    ],
    [
      IN.REQ_HISTORICAL_DATA,
      (c, t) => {
        const reqId = new Fields(t, 1).int('reqId');
        const k = parseContract(t, 2, core.market);
        try {
          srv.pacing.historical(t.slice(2, 21).join('|'), String(k.conId));
        } catch (e) {
          if (e instanceof PacingViolation) throw new RequestError(e.code, e.message);
          throw e;
        }
        try {
          const end = parseEnd(t[15] ?? '', core.clock.now());
          const size = parseBarSize(t[16] ?? '');
          const dur = parseDuration(t[17] ?? '');
          const price = k.secType !== 'OPT' ? core.market.price(k.symbol) : core.market.quote(k).last;
          const daily = size.as('days') === 1 && k.secType === 'STK';
          const weekly = size.as('days') === 7 && k.secType === 'STK';
          // A CSV replay answers daily and weekly history from its rows (weekly: aggregated as IB does).
          const csv = daily || weekly ? srv.history.csv.get(k.symbol) : undefined;
          const today = DateTime.fromJSDate(core.clock.now(), { zone: 'America/New_York' }).toISODate() ?? '';
          let bars: Bar[] = csv
            ? weekly
              ? weeklyOf(csvHistory(csv, end, dur))
              : csvHistory(csv, end, dur)
            : daily && srv.history.anchored && (srv.history.mode === 'anchored' || (srv.history.mode === 'auto' && (t[15] ?? '').trim() !== ''))
              ? srv.history.anchored.bars(k.symbol, price, core.market.vol(k.symbol), end, dur, today)
              : makeBars(k.localSymbol, price, core.market.vol(k.symbol), end, dur, size, t[18] !== '0', core.opts.seed ?? 42);
          if (daily && srv.history.badBars.size > 0) {
            // An injected bad bar: high below low on that day (admin POST /bad_data {bad_bar}).
            bars = bars.map((b) => (srv.history.badBars.has(`${k.symbol}|${b.time.toISODate()}`) ? { ...b, high: r2(b.low * 0.98) } : b));
          }
          const fmt = (d: DateTime): string => d.toFormat('yyyyMMdd  HH:mm:ss');
          const frame: Field[] = [OUT.HISTORICAL_DATA, reqId, fmt(end.minus(dur)), fmt(end), bars.length];
          for (const b of bars) frame.push(barDate(b.time, size, t[20] ?? '1'), b.open, b.high, b.low, b.close, b.volume, b.wap, b.count);
          c.send([frame]);
        } catch (e) {
          if (!(e instanceof HistoryError)) throw e;
          c.send([errMsg(reqId, 162, `Historical Market Data Service error message:${e.message}`)]);
        }
      },
    ],
    [IN.CANCEL_HISTORICAL_DATA, () => undefined],
  ];
}
