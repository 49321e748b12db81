/**
 * IB's market-data limits: the simulator refuses what IB refuses (162 for historical pacing,
 * 101 for too many market-data lines), and the broker's pacer queues so none is ever hit.
 * Limits are scaled down (same rules, smaller numbers) so the test runs in seconds.
 */
import { expect } from 'chai';
import { BarSizeSetting, IBApiNext, SecType, WhatToShow } from '@stoqey/ib';
import { createIbMarketData } from '../../activities/broker/ib-marketdata';
import { startSimulator, type Simulator } from '../../src/ib-sim';
import { createLogger } from '../../src/logger';

const LIMITS = { historicalPerWindow: 5, historicalWindowMs: 1_500, identicalMs: 600, perContract: 3, perContractWindowMs: 500, lines: 4 };
const stk = (symbol: string) => ({ symbol, secType: SecType.STK, exchange: 'SMART', currency: 'USD' });

describe('market data pacing (simulator limits, broker pacer)', function () {
  this.timeout(60_000);
  let sim: Simulator;
  const logger = createLogger('test', 'error');

  beforeEach(async () => {
    sim = await startSimulator({ port: 0, prices: { AAPL: 200, MSFT: 400, SPY: 500 }, marketDataLimits: { ...LIMITS, snapshotMs: 150 }, history: 'anchored' });
  });
  afterEach(async () => sim.close());

  it('when a client bursts historical requests and snapshots without pacing, then the simulator answers 162 and 101 like IB', async () => {
    const next = new IBApiNext({ host: '127.0.0.1', port: sim.port, reconnectInterval: 0 });
    next.connect(31);
    try {
      const codes = await Promise.all(
        ['AAPL', 'AAPL', 'AAPL', 'AAPL', 'AAPL', 'AAPL', 'AAPL', 'MSFT', 'SPY', 'SPY'].map((s, i) =>
          next.getHistoricalData(stk(s), '', `${i + 1} M`, BarSizeSetting.DAYS_ONE, WhatToShow.TRADES, 1, 1).then(
            () => 0,
            (e: { code: number }) => e.code,
          ),
        ),
      );
      expect(codes).to.include(162);
      const snaps = await Promise.all(
        ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'].map((s) =>
          next.getMarketDataSnapshot(stk(s), '', false).then(
            () => 0,
            (e: { code: number }) => e.code,
          ),
        ),
      );
      expect(snaps).to.include(101);
      const st = sim.pacingStats();
      expect(st.historical_violations).to.be.greaterThan(0);
      expect(st.line_violations).to.be.greaterThan(0);
    } finally {
      next.disconnect();
    }
  });

  it('when the same burst goes through the broker market-data path, then every request is served and no limit is ever hit', async () => {
    const md = createIbMarketData({ host: '127.0.0.1', port: sim.port, clientId: 32, logger, limits: LIMITS });
    try {
      const t0 = Date.now();
      // 12 historical requests: identical ones, 5 for one contract, more than the window allows.
      const reqs: [string, string][] = [
        ['AAPL', '1 M'],
        ['AAPL', '1 M'],
        ['AAPL', '2 M'],
        ['AAPL', '3 M'],
        ['AAPL', '1 Y'],
        ['MSFT', '1 M'],
        ['SPY', '1 M'],
        ['SPY', '1 M'],
        ['MSFT', '2 M'],
        ['SPY', '2 M'],
        ['MSFT', '1 M'],
        ['AAPL', '1 M'],
      ];
      const bars = await Promise.all(reqs.map(([s, d]) => md.bars(s, '1 day', d)));
      expect(bars.every((b) => b.length > 0)).to.equal(true);
      // 12 requests at 5 per 1.5 s cannot all go at once: the pacer spread them.
      expect(Date.now() - t0).to.be.greaterThan(LIMITS.historicalWindowMs * 2 - 200);
      const quotes = await Promise.all(Array.from({ length: 16 }, (_, i) => md.stockQuote(`S${String.fromCharCode(65 + i)}`)));
      expect(quotes.every((q) => q.bid > 0 && q.ask >= q.bid)).to.equal(true);
      const st = sim.pacingStats();
      expect(st).to.deep.include({ historical_violations: 0, line_violations: 0, historical_requests: 12 });
      expect(st.max_lines_in_use).to.be.at.most(LIMITS.lines);
      expect(md.pacing?.()).to.deep.include({ historical: 12, snapshots: 16 });
    } finally {
      await md.close();
    }
  });

  it('when daily history is anchored, then overlapping requests agree bar for bar (a chunked backfill has no seams)', async () => {
    const md = createIbMarketData({ host: '127.0.0.1', port: sim.port, clientId: 33, logger, limits: LIMITS });
    try {
      const year = await md.bars('SPY', '1 day', '1 Y');
      const month = await md.bars('SPY', '1 day', '1 M');
      const byDate = new Map(year.map((b) => [b.date, b]));
      expect(month.length).to.be.greaterThan(15);
      for (const b of month) expect(byDate.get(b.date)).to.deep.equal(b);
    } finally {
      await md.close();
    }
  });
});
