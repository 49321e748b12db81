/**
 * Stage 2 requests through the real client: market data snapshots, contract details, option
 * chain parameters, historical bars, positions, account summary, modify, chunked fills.
 */
import { expect } from 'chai';
import { BarSizeSetting, Contract, EventName, IBApiNext, OrderAction, OrderType, SecType, WhatToShow } from '@stoqey/ib';
import { startSimulator, Simulator } from '../../src/ib-sim';
import { Client, until, stk, opt } from './ib-sim-kit';

describe('ib-sim market data and account requests (real client)', () => {
  let sim: Simulator;
  let next: IBApiNext;
  let c: Client;
  let expiry: string;
  const nextErrors: Array<{ code: number; message: string }> = [];

  before(async () => {
    sim = await startSimulator({ port: 0, prices: { AAPL: 200, TSLA: 250 }, vols: { AAPL: 0.3 }, startingCash: 100_000 });
    expiry = sim.chain('AAPL').expirations[1]!;
    next = new IBApiNext({ host: '127.0.0.1', port: sim.port, reconnectInterval: 0 });
    next.errorSubject.subscribe((e) => nextErrors.push({ code: e.code, message: e.error.message }));
    next.connect(11);
    c = new Client(sim.port);
    await c.connect(12);
  });
  after(async () => {
    next.disconnect();
    c.disconnect();
    await sim.close();
  });
  afterEach(() => {
    expect(
      nextErrors.filter((e) => e.code === 505),
      'IBApiNext decoder errors',
    ).to.deep.equal([]);
    expect(c.errors(505), 'IBApi decoder errors').to.deep.equal([]);
  });

  it('answers a stock snapshot with bid/ask/last and an explicit bid size', async () => {
    const snap = await next.getMarketDataSnapshot(stk('AAPL'), '', false);
    expect(snap.get(1)?.value).to.equal(199.99); // BID
    expect(snap.get(2)?.value).to.equal(200.01); // ASK
    expect(snap.get(4)?.value).to.equal(200); // LAST
    expect(snap.get(0)?.value).to.be.greaterThan(0); // BID_SIZE: only there because it is sent explicitly
    expect(snap.get(3)?.value).to.be.greaterThan(0); // ASK_SIZE
  });

  it('answers an option snapshot with greeks and the real underlying price', async () => {
    const snap = await next.getMarketDataSnapshot(opt('AAPL', expiry, 200, 'P'), '', false);
    expect(snap.get(10002)?.value, 'OPTION_UNDERLYING').to.equal(200);
    const delta = snap.get(10041)?.value ?? NaN; // MODEL_OPTION_DELTA
    expect(delta).to.be.within(-0.7, -0.3);
    expect(snap.get(10039)?.value, 'MODEL_OPTION_IV').to.equal(0.3);
    expect(snap.get(1)!.value!).to.be.below(snap.get(2)!.value!);
  });

  it('streams quotes until cancelled, and re-sends them when the price moves', async () => {
    c.ib.reqMktData(501, stk('TSLA'), '', false, false);
    await c.waitFor(EventName.tickPrice, (id, type, price) => id === 501 && type === 4 && price === 250);
    sim.setPrice('TSLA', 260);
    await c.waitFor(EventName.tickPrice, (id, type, price) => id === 501 && type === 4 && price === 260);
    c.ib.cancelMktData(501);
  });

  it('returns contract details for STK and OPT, and the whole chain for a partial OPT', async () => {
    const [s] = await next.getContractDetails(stk('AAPL'));
    expect(s!.contract).to.include({ symbol: 'AAPL', secType: 'STK' });
    expect(s!.contract.conId).to.be.greaterThan(0);
    const [o] = await next.getContractDetails(opt('AAPL', expiry, 200, 'C'));
    expect(o!.contract).to.include({ symbol: 'AAPL', secType: 'OPT', strike: 200, right: 'C', lastTradeDateOrContractMonth: expiry });
    expect(o!.underConId).to.equal(s!.contract.conId);
    const puts = await next.getContractDetails({ symbol: 'AAPL', secType: SecType.OPT, lastTradeDateOrContractMonth: expiry, right: 'P' as never, exchange: 'SMART', currency: 'USD' });
    expect(puts.length).to.equal(sim.chain('AAPL').strikes.length);
    await next.getContractDetails(opt('AAPL', '20200117', 200, 'C')).then(
      () => expect.fail('expired contract resolved'),
      (e: { code: number }) => expect(e.code).to.equal(200),
    );
  });

  it('lists weekly and monthly expirations and strikes around the price (sec-def opt params)', async () => {
    const rows = await next.getSecDefOptParams('AAPL', '', SecType.STK, 0);
    const smart = rows.find((r) => r.exchange === 'SMART')!;
    expect(smart.expirations).to.include(expiry);
    expect(smart.expirations.length).to.be.at.least(6);
    expect(smart.strikes).to.include(200);
    expect(Math.min(...smart.strikes)).to.be.below(160);
    expect(Math.max(...smart.strikes)).to.be.above(240);
    expect(smart.multiplier).to.equal(100);
  });

  it('returns historical daily bars that end at the current price', async () => {
    sim.setPrice('AAPL', 200);
    const bars = await next.getHistoricalData(stk('AAPL'), '', '1 M', BarSizeSetting.DAYS_ONE, WhatToShow.TRADES, 1, 1);
    expect(bars.length).to.be.within(18, 24);
    expect(bars[bars.length - 1]!.close).to.equal(200);
    for (const b of bars) expect(b.high!).to.be.at.least(Math.max(b.open!, b.close!));
    expect(bars[0]!.time).to.match(/^\d{8}$/);
    const weeks = await next.getHistoricalData(stk('AAPL'), '20261120 16:00:00 US/Eastern', '1 Y', BarSizeSetting.WEEKS_ONE, WhatToShow.TRADES, 1, 1);
    expect(weeks.length).to.be.within(52, 53);
    expect(weeks[weeks.length - 1]!.time! <= '20261120').to.equal(true);
    const bad = await next.getHistoricalData(stk('AAPL'), '', '1 fortnight', BarSizeSetting.DAYS_ONE, WhatToShow.TRADES, 1, 1).then(
      () => 0,
      (e: { code: number }) => e.code,
    );
    expect(bad).to.equal(162);
  });

  it('reports positions and account summary after fills, and modifies a working order', async () => {
    const id = await next.getNextValidOrderId();
    void next.placeNewOrder(opt('AAPL', expiry, 195, 'P'), { action: OrderAction.SELL, orderType: OrderType.LMT, lmtPrice: 0.05, totalQuantity: 120, tif: 'DAY', transmit: true, orderRef: 'csp-1' });
    // 120 contracts fill in chunks of 50: three executions, cumulative quantities.
    await until(() => sim.orders().some((o) => o.orderRef === 'csp-1' && o.status === 'Filled'), 'csp-1 filled');
    const filled = sim.orders().find((o) => o.orderRef === 'csp-1')!;
    expect(filled).to.include({ status: 'Filled', filled: 120 });
    expect(filled.orderId).to.be.at.least(id);
    // IBApiNext 1.6.10 appends each row to its accumulated array twice (client quirk), so dedupe by execId.
    const execs = [...new Map((await next.getExecutionDetails({})).map((e) => [e.execution.execId, e])).values()];
    expect(execs.filter((e) => e.execution.orderRef === 'csp-1').map((e) => e.execution.cumQty)).to.deep.equal([50, 100, 120]);
    c.ib.reqPositions();
    await c.waitFor(EventName.positionEnd);
    const pos = c.events(EventName.position).map((a) => ({ contract: a[1] as Contract, qty: a[2] as number }));
    expect(pos.find((p) => p.contract.secType === SecType.OPT)).to.deep.include({ qty: -120 });
    c.ib.reqAccountSummary(77, 'All', 'NetLiquidation,TotalCashValue,BuyingPower');
    await c.waitFor(EventName.accountSummaryEnd, (r) => r === 77);
    const tags = Object.fromEntries(c.events(EventName.accountSummary, (r) => r === 77).map((a) => [a[2], Number(a[3])]));
    expect(tags.TotalCashValue).to.equal(sim.cash());
    expect(tags.TotalCashValue).to.be.greaterThan(100_000);
    expect(tags.BuyingPower).to.be.below(tags.TotalCashValue);
    expect(tags).to.have.keys('NetLiquidation', 'TotalCashValue', 'BuyingPower');
    c.ib.cancelAccountSummary(77);
    c.ib.cancelPositions();
    // Modify: same id, new limit that becomes marketable.
    const rid = id + 10;
    c.ib.placeOrder(rid, stk('AAPL'), { action: OrderAction.BUY, orderType: OrderType.LMT, lmtPrice: 150, totalQuantity: 5, tif: 'GTC', transmit: true, orderRef: 'mod-1' });
    await c.waitFor(EventName.orderStatus, (oid, st) => oid === rid && st === 'Submitted');
    c.ib.placeOrder(rid, stk('AAPL'), { action: OrderAction.BUY, orderType: OrderType.LMT, lmtPrice: 201, totalQuantity: 7, tif: 'GTC', transmit: true, orderRef: 'mod-1' });
    const [, , filledQty, , avg] = await c.waitFor(EventName.orderStatus, (oid, st) => oid === rid && st === 'Filled');
    expect([filledQty, avg]).to.deep.equal([7, 200.01]);
    expect(sim.orders().filter((o) => o.orderId === rid)).to.have.length(1);
  });

  it('quotes and charts an index (IND) but refuses to trade it', async () => {
    sim.setPrice('VIX', 18.5);
    const snap = await next.getMarketDataSnapshot({ symbol: 'VIX', secType: SecType.IND, exchange: 'CBOE', currency: 'USD' }, '', false);
    expect(snap.get(4)?.value).to.equal(18.5);
    c.ib.placeOrder(9000, { symbol: 'VIX', secType: SecType.IND, exchange: 'CBOE', currency: 'USD' }, { action: OrderAction.BUY, orderType: OrderType.MKT, totalQuantity: 1, transmit: true });
    await c.waitFor(EventName.error, (_e, code, id) => code === 201 && id === 9000);
    expect(sim.orders().some((o) => o.orderId === 9000)).to.equal(false);
  });

  it('lists working orders through IBApiNext.getAllOpenOrders', async () => {
    const id = await next.placeNewOrder(stk('TSLA'), { action: OrderAction.BUY, orderType: OrderType.LMT, lmtPrice: 10, totalQuantity: 1, tif: 'GTC', transmit: true, orderRef: 'next-open' });
    const open = await next.getAllOpenOrders();
    const mine = open.find((o) => o.orderId === id);
    expect(mine?.order.orderRef).to.equal('next-open');
    expect(mine?.orderState.status).to.equal('Submitted');
  });
});
