/**
 * Positions and performance against a hand-worked example (stock, so every number is set by
 * the test: the simulator fills a buy at price + 0.01 and a sell at price − 0.01; IB's stock
 * commission is max($1, $0.005/share) per order, charged once across its partial fills).
 *
 *   #1 price 100  BUY 100 MKT            100 @ 100.01                 comm 1.00
 *   #2 price 110  BUY 200 LMT 125 GTC    100 @ 110.01 (partial fill)  comm 1.00
 *      price 120                         100 @ 120.01 (rest)          comm 0.00 (order total 1.00)
 *      position 300 @ (10001 + 11001 + 12001) / 300 = 110.01
 *   #3 price 130  SELL 150 MKT           150 @ 129.99  realized (129.99 − 110.01) × 150 = +2997.00, comm 1.00
 *   #4 price 100  SELL  50 MKT            50 @  99.99  realized ( 99.99 − 110.01) ×  50 =  −501.00, comm 1.00
 *   left: 100 @ 110.01. Last fill mark 99.99: market value 9999.00, unrealized −1002.00.
 *   Broker mark (quote mid) at price 105: market value 10500.00, unrealized −501.00.
 *   Performance: realized net of commissions as IB reports it (cost 33005 / 300 = 110.01667 with the
 *   buys' commissions): #3 129.99 × 150 − 1 − 110.01667 × 150 = +2995.00, #4 99.99 × 50 − 1 −
 *   110.01667 × 50 = −502.33: 2492.67; 2 closing trades (1 won, 1 lost), commissions 4.00.
 */
import { expect } from 'chai';
import { createApp, startServer, type RunningServer } from '../../src/api/app';
import { appDeps, BASE, call, newClient, securedApi, submit, trade, uniq, waitStatus, type Secured, type TestClient } from './api-kit';

describe('STAR-LAB API: positions and performance, worked example', function () {
  this.timeout(120_000);
  let s: Secured;
  let c: TestClient;
  let lastFillApi: RunningServer;
  before(async () => {
    s = await securedApi();
    c = await newClient(s.sys);
    lastFillApi = await startServer(createApp(appDeps(s.sys, { marketData: undefined })), 0);
  });
  after(() => lastFillApi.close());

  it('when several fills, a partial fill and two closing trades happen, then positions and performance match to the cent', async () => {
    const sim = s.sys.simulator!;
    const strategy = uniq('MIS_META');
    const tag = uniq('SEG_PF');
    const stock = (trade_action: string, quantity: number, over: Record<string, unknown> = {}) => ({
      starlab_strategy_id: strategy,
      scheme_type: 'MIS',
      symbol: 'META',
      trade_action,
      quantity,
      order_type: 'MARKET',
      time_in_force: 'DAY',
      client_order_id: uniq('pf'),
      account_tag: tag,
      ...over,
    });

    sim.setPrice('META', 100);
    const o1 = await trade(s, c, stock('BUY_STOCK', 100));
    expect([o1.average_fill_price, o1.commission]).to.deep.equal([100.01, 1]);

    sim.setPrice('META', 110);
    sim.fault({ partial_fill_next: { fraction: 0.5 } });
    const ack2 = await submit(s, c, stock('BUY_STOCK', 200, { order_type: 'LIMIT', limit_price: 125, time_in_force: 'GTC' }));
    const partial = await waitStatus(s, c, ack2.body.all_use_order_id, ['PARTIALLY_FILLED']);
    expect([partial.filled_quantity, partial.average_fill_price]).to.deep.equal([100, 110.01]);
    sim.setPrice('META', 120);
    const o2 = await waitStatus(s, c, ack2.body.all_use_order_id, ['FILLED']);
    expect([o2.filled_quantity, o2.average_fill_price, o2.commission]).to.deep.equal([200, 115.01, 1]);

    sim.setPrice('META', 130);
    await trade(s, c, stock('SELL_STOCK', 150));
    sim.setPrice('META', 100);
    await trade(s, c, stock('SELL_STOCK', 50));

    const pos = await call(lastFillApi, 'GET', `${BASE}/trading/positions/${strategy}`, undefined, c.auth);
    expect(pos.body).to.deep.equal([
      {
        symbol: 'META',
        position_type: 'LONG_STOCK',
        quantity: 100,
        average_entry_price: 110.01,
        market_value: 9999,
        unrealized_pnl: -1002,
        all_use_order_id_open: o1.all_use_order_id,
        mark_source: 'LAST_FILL',
      },
    ]);
    const perf = await call(lastFillApi, 'GET', `${BASE}/trading/performance/${strategy}`, undefined, c.auth);
    expect(perf.body).to.deep.equal({
      starlab_strategy_id: strategy,
      realized_pnl: 2492.67,
      unrealized_pnl: -1002,
      total_trades: 2,
      winning_trades: 1,
      losing_trades: 1,
      commissions_paid: 4,
    });

    // With the broker's market data, the mark is the quote's mid.
    sim.setPrice('META', 105);
    const live = await call(s.api, 'GET', `${BASE}/trading/positions/${strategy}`, undefined, c.auth);
    expect(live.body[0]).to.include({ market_value: 10500, unrealized_pnl: -501, mark_source: 'BROKER' });
    const livePerf = await call(s.api, 'GET', `${BASE}/trading/performance/${strategy}`, undefined, c.auth);
    expect(livePerf.body).to.include({ realized_pnl: 2492.67, unrealized_pnl: -501 });
  });
});
