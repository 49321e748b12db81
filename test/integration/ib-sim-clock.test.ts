/**
 * Stage 2: manual clock, session close (DAY expiry), closed-market orders, and Friday option
 * expiry with assignment / call-away, through the real client and the admin interface.
 */
import path from 'node:path';
import { expect } from 'chai';
import { Contract, EventName, OrderAction, OrderType, SecType } from '@stoqey/ib';
import { startSimulator, Simulator } from '../../src/ib-sim';
import { Client, stk, opt, ord } from './ib-sim-kit';

// Monday 23 Nov 2026, 10:00 New York. That week's expiry is Friday 27 Nov (Thanksgiving is Thursday).
const MONDAY_10AM = '2026-11-23T15:00:00Z';

describe('ib-sim clock, session close and option expiry (real client)', () => {
  let sim: Simulator;
  let c: Client;
  let id: number;

  beforeEach(async () => {
    sim = await startSimulator({ port: 0, adminPort: 0, clock: 'manual', startTime: MONDAY_10AM, prices: { AAPL: 200 }, priceModel: 'static', startingCash: 100_000 });
    c = new Client(sim.port);
    id = await c.connect(1);
  });
  afterEach(async () => {
    expect(c.errors(505)).to.deep.equal([]);
    c.disconnect();
    await sim.close();
  });

  it('expires DAY orders at the close, keeps GTC, holds MKT orders until the next open', async () => {
    c.ib.placeOrder(id, stk('AAPL'), ord(OrderAction.BUY, 1, OrderType.LMT, 150, 'DAY'));
    c.ib.placeOrder(id + 1, stk('AAPL'), ord(OrderAction.BUY, 1, OrderType.LMT, 150, 'GTC'));
    await c.waitFor(EventName.orderStatus, (o, st) => o === id + 1 && st === 'Submitted');
    const res = await fetch(`http://127.0.0.1:${sim.adminPort}/clock`, { method: 'POST', body: JSON.stringify({ to_close: true }) });
    expect(((await res.json()) as { now: string }).now).to.equal('2026-11-23T21:00:00.000Z');
    await c.waitFor(EventName.orderStatus, (o, st) => o === id && st === 'Cancelled');
    expect(sim.orders().map((o) => o.status)).to.deep.equal(['Cancelled', 'Submitted']);
    // After the close a market order waits (PreSubmitted) and fills at the next open.
    c.ib.placeOrder(id + 2, stk('AAPL'), ord(OrderAction.BUY, 3, OrderType.MKT));
    await c.waitFor(EventName.orderStatus, (o, st) => o === id + 2 && st === 'PreSubmitted');
    sim.clock({ advance_to: '2026-11-24T14:30:00Z' });
    await c.waitFor(EventName.orderStatus, (o, st) => o === id + 2 && st === 'Filled');
    c.ib.reqCurrentTime();
    expect((await c.waitFor(EventName.currentTime))[0]).to.equal(Date.parse('2026-11-24T14:30:00Z') / 1000);
  });

  it('at the Friday close: OTM expires worthless, ITM short put is assigned, ITM covered call is called away', async () => {
    const exp = '20261127';
    c.ib.placeOrder(id, stk('AAPL'), ord(OrderAction.BUY, 100, OrderType.MKT));
    c.ib.placeOrder(id + 1, opt('AAPL', exp, 190, 'C'), ord(OrderAction.SELL, 1, OrderType.MKT)); // covered call, ITM
    c.ib.placeOrder(id + 2, opt('AAPL', exp, 210, 'P'), ord(OrderAction.SELL, 2, OrderType.MKT)); // short put, ITM
    c.ib.placeOrder(id + 3, opt('AAPL', exp, 195, 'P'), ord(OrderAction.SELL, 1, OrderType.MKT)); // short put, OTM
    await c.waitFor(EventName.orderStatus, (o, st) => o === id + 3 && st === 'Filled');
    expect(sim.positions().map((p) => [p.localSymbol, p.quantity])).to.have.deep.members([
      ['AAPL', 100],
      ['AAPL  261127C00190000', -1],
      ['AAPL  261127P00210000', -2],
      ['AAPL  261127P00195000', -1],
    ]);
    const cashBefore = sim.cash();
    c.ib.reqPositions();
    await c.waitFor(EventName.positionEnd);
    const at = sim.clock({ to_expiry: true });
    expect(at.toISOString()).to.equal('2026-11-27T21:00:00.000Z');
    // Stock: +100 bought, +200 assigned on the puts, -100 called away.
    expect(sim.positions().map((p) => [p.localSymbol, p.quantity])).to.deep.equal([['AAPL', 200]]);
    expect(sim.cash()).to.be.closeTo(cashBefore - 2 * 100 * 210 + 1 * 100 * 190, 1e-6);
    // Subscribers hear every change, including the options going to zero.
    await c.waitFor(EventName.position, (_a, k: Contract, q) => k.secType === SecType.OPT && k.strike === 195 && q === 0);
    await c.waitFor(EventName.position, (_a, k: Contract, q) => k.secType === SecType.STK && q === 200);
  });

  it('moves prices by seeded GBM when time advances, reproducibly', async () => {
    const run = async (): Promise<number> => {
      const s = await startSimulator({ port: 0, clock: 'manual', startTime: MONDAY_10AM, prices: { AAPL: 200 }, seed: 7 });
      s.clock({ advance_ms: 3 * 24 * 3600 * 1000 });
      const p = s.price('AAPL');
      await s.close();
      return p;
    };
    const a = await run();
    expect(a).to.not.equal(200);
    expect(await run()).to.equal(a);
    // The static model (this suite's sim) keeps prices still.
    sim.clock({ advance_ms: 3 * 24 * 3600 * 1000 });
    expect(sim.price('AAPL')).to.equal(200);
  });

  it('replays daily bars from a CSV (S&P 500, Lehman week) one row per session', async () => {
    const csv = path.resolve(__dirname, '../../node_modules/vega-datasets/data/sp500-2000.csv');
    const r = await startSimulator({ port: 0, clock: 'manual', startTime: MONDAY_10AM, replay: [{ symbol: 'SPX', csv, startDate: '2008-09-12' }] });
    try {
      expect(r.price('SPX')).to.equal(1251.7);
      r.clock({ to_close: true }); // session 1 ends on 2008-09-12's close
      r.clock({ advance_to: '2026-11-24T14:30:00Z' }); // session 2 opens on 2008-09-15's open
      expect(r.price('SPX')).to.equal(1250.92);
      r.clock({ to_close: true });
      expect(r.price('SPX')).to.equal(1192.7);
    } finally {
      await r.close();
    }
  });
});
