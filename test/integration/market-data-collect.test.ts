/**
 * Collection on the real system (Temporal, PostgreSQL, simulator): the scheduled runs store
 * bars, chain snapshots and position quotes; bad data served by the simulator ends in
 * quarantine with its reason; request_data answers from the store and says so.
 */
import { expect } from 'chai';
import { MARKET_DATA_SCHEDULE_IDS } from '../../src/marketdata/schedules';
import { poolOf } from '../../src/db/client';
import { MarketStore } from '../../src/db/marketData';
import type { System } from '../../src/system';
import { marketDataCollect } from '../../workflows/marketDataCollect';
import { BASE, call, newClient, securedApi, type Secured } from './api-kit';
import { until } from './_system';

// Small chains for the test run (read when the worker's activities are created).
process.env.MD_CHAIN_WEEKS ??= '1';
process.env.MD_CHAIN_WINDOW ??= '0.03';

describe('market data collection (system)', function () {
  this.timeout(180_000);
  let s: Secured;
  let sys: System;
  let store: MarketStore;
  const count = async (sql: string, params: unknown[] = []) => Number((await store.pool.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
  const admin = async (path: string, body: unknown) => {
    const r = await fetch(`http://127.0.0.1:${sys.simulator!.adminPort}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status, await r.clone().text()).to.equal(200);
  };
  const collect = (kind: 'bars' | 'chains' | 'quotes', symbols?: string[]) =>
    sys.client.workflow.execute(marketDataCollect, { taskQueue: sys.config.temporalTaskQueue, workflowId: `md-test-${kind}-${Date.now()}`, args: [{ kind, ...(symbols ? { symbols } : {}) }] });

  before(async () => {
    s = await securedApi();
    sys = s.sys;
    store = new MarketStore(poolOf(sys.prisma)!);
    await sys.broker.connect();
    // The simulator lists only known symbols (IB's error 200 otherwise): these test symbols get a price.
    for (const [symbol, price] of [
      ['CRSQ', 50],
      ['BADB', 80],
      ['ARBC', 120],
    ] as const)
      sys.simulator!.setPrice(symbol, price);
    for (const symbol of ['AAPL', 'CRSQ']) {
      await sys.broker.placeOrder({ orderRef: `md-test-${symbol}-${process.pid}`, symbol, secType: 'STK', action: 'BUY', quantity: 10, orderType: 'MKT', tif: 'DAY' });
    }
    // Other tests may hold AAPL options at the shared simulator: wait for each symbol's shares.
    await until(
      async () => new Set((await sys.broker.marketData!.positions()).filter((p) => p.secType === 'STK' && ['AAPL', 'CRSQ'].includes(p.symbol)).map((p) => p.symbol)).size === 2,
      20_000,
      'positions',
    );
  });

  it('when the market-data schedules are triggered, then bars, chain snapshots and position quotes are stored', async () => {
    for (const id of [MARKET_DATA_SCHEDULE_IDS.bars, MARKET_DATA_SCHEDULE_IDS.chains, MARKET_DATA_SCHEDULE_IDS.quotes]) {
      const d = await sys.client.schedule.getHandle(id).describe();
      expect(d.spec.calendars?.length, id).to.be.greaterThan(0);
      await sys.client.schedule.getHandle(id).trigger();
    }
    // Each triggered run is a workflow: wait for all three to complete.
    for (const id of [MARKET_DATA_SCHEDULE_IDS.bars, MARKET_DATA_SCHEDULE_IDS.chains, MARKET_DATA_SCHEDULE_IDS.quotes]) {
      const run = await until(async () => (await sys.client.schedule.getHandle(id).describe()).info.recentActions.at(-1)?.action, 30_000, `${id} started`);
      await sys.client.workflow.getHandle(run.workflow.workflowId, run.workflow.firstExecutionRunId).result();
    }
    expect(await count(`SELECT count(DISTINCT symbol) AS n FROM md_daily_bar`)).to.be.greaterThanOrEqual(7);
    expect(await count(`SELECT count(*) AS n FROM md_option_snapshot`)).to.be.greaterThan(0);
    expect(await count(`SELECT count(*) AS n FROM md_quote WHERE symbol = 'AAPL'`)).to.be.greaterThan(0);
    const held = await count(`SELECT count(*) AS n FROM md_daily_bar WHERE symbol = 'CRSQ'`);
    expect(held, 'a held symbol gets its daily bars too').to.be.greaterThan(0);
    const chain = await store.pool.query(`SELECT DISTINCT "right" FROM md_option_snapshot`);
    expect(chain.rows.map((r) => r.right).sort()).to.deep.equal(['C', 'P']);
    const g = await store.pool.query(`SELECT count(*) AS n FROM md_option_snapshot WHERE iv IS NOT NULL AND delta IS NOT NULL AND gamma IS NOT NULL AND theta IS NOT NULL`);
    expect(Number(g.rows[0].n)).to.be.greaterThan(0);
    // A second run of the same bars adds nothing (unique keys).
    const before = await count(`SELECT count(*) AS n FROM md_daily_bar`);
    const again = await collect('bars');
    expect(again).to.deep.include({ inserted: 0 });
    expect(await count(`SELECT count(*) AS n FROM md_daily_bar`)).to.equal(before);
  });

  it('when the simulator serves a bad bar, a crossed quote and a chain with an arbitrage, then each ends in quarantine with its reason', async () => {
    const now = await sys.broker.marketData!.now();
    let day = new Date(now.getTime() - 3 * 86_400_000).toISOString().slice(0, 10);
    while ([0, 6].includes(new Date(`${day}T12:00:00Z`).getUTCDay())) day = new Date(Date.parse(`${day}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    await admin('/bad_data', { bad_bar: { symbol: 'BADB', date: day } });
    await admin('/bad_data', { crossed_quote: { symbol: 'CRSQ' } });
    await admin('/bad_data', { chain_arbitrage: { symbol: 'ARBC' } });
    try {
      await collect('bars', ['BADB']);
      await collect('chains', ['ARBC']);
      await collect('quotes');
    } finally {
      await admin('/bad_data', { clear: true });
    }
    const q = await store.quarantined();
    const bar = q.find((r) => r.symbol === 'BADB');
    expect(bar, JSON.stringify(q)).to.deep.include({ kind: 'BAR', rule: 'BAR_OHLC' });
    expect(bar!.reason).to.match(/high .* < low/);
    expect(bar!.rowTime.slice(0, 10)).to.equal(day);
    const crossed = q.find((r) => r.symbol === 'CRSQ');
    expect(crossed).to.deep.include({ kind: 'QUOTE', rule: 'QUOTE_CROSSED' });
    expect(crossed!.reason).to.match(/bid \d+ > ask \d+/);
    const arb = q.find((r) => r.symbol === 'ARBC' && r.rule === 'CHAIN_ARBITRAGE');
    expect(arb, JSON.stringify(q.filter((r) => r.symbol === 'ARBC'))).to.deep.include({ kind: 'CHAIN' });
    expect(arb!.reason).to.match(/call bid \d+ > underlying \d+/);
    // Quarantined rows are not used: the bad day is not in the store, the good days are.
    expect(await store.bars('BADB', day, day)).to.deep.equal([]);
    expect(await count(`SELECT count(*) AS n FROM md_daily_bar WHERE symbol = 'BADB'`)).to.be.greaterThan(3);
  });

  it('when request_data asks for stored data, then it is answered from the store and says so; otherwise from the broker', async () => {
    const c = await newClient(sys);
    const ask = (body: unknown) => call(s.api, 'POST', `${BASE}/data_notifications/request_data`, body, c.auth);
    // The latest stored week (collected in one piece): an earlier backfill may have left older ranges
    // the store does not hold end to end, and those are rightly answered from the broker.
    const { rows } = await store.pool.query<{ first: string; last: string }>(
      `SELECT min(day)::text AS first, max(day)::text AS last FROM (SELECT day FROM md_daily_bar WHERE symbol = 'AAPL' ORDER BY day DESC LIMIT 5) d`,
    );
    const stored = await store.bars('AAPL', rows[0]!.first, rows[0]!.last);
    const bars = await ask({ data_type: 'DAILY_BARS', symbol: 'AAPL', start_date: rows[0]!.first, end_date: rows[0]!.last });
    expect(bars.status, JSON.stringify(bars.body)).to.equal(200);
    expect(bars.body.source).to.equal('store');
    expect(bars.body.data.bars).to.deep.equal(stored.map((b) => ({ date: b.date, open: b.open / 100, high: b.high / 100, low: b.low / 100, close: b.close / 100 })));
    const older = await ask({ data_type: 'DAILY_BARS', symbol: 'AAPL', start_date: '2020-01-02', end_date: rows[0]!.last });
    expect(older.status, JSON.stringify(older.body)).to.equal(200);
    expect(older.body.source).to.equal('broker');
    await collect('quotes');
    const quote = await ask({ data_type: 'QUOTE', symbol: 'AAPL' });
    expect([quote.status, quote.body.source]).to.deep.equal([200, 'store']);
    expect(quote.body.data.bid).to.be.greaterThan(0);
    const other = await ask({ data_type: 'QUOTE', symbol: 'MSFT' });
    expect([other.status, other.body.source]).to.deep.equal([200, 'broker']);
  });
});
