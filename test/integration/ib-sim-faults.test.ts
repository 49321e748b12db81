/**
 * Stage 2: the admin HTTP interface and fault injection, seen through the real client.
 */
import net from 'node:net';
import { expect } from 'chai';
import { EventName, Order, OrderAction, OrderType } from '@stoqey/ib';
import { startSimulator, Simulator } from '../../src/ib-sim';
import { Client, sleep, until, stk } from './ib-sim-kit';
import type { Json } from './_system';

const mkt = (action: OrderAction, qty: number, orderRef = ''): Order => ({ action, totalQuantity: qty, orderType: OrderType.MKT, tif: 'DAY', transmit: true, orderRef });

describe('ib-sim admin interface and faults (real client)', () => {
  let sim: Simulator;
  let base: string;
  const clients: Client[] = [];
  const open = async (clientId: number, maxReqPerSec?: number): Promise<{ c: Client; id: number }> => {
    const c = new Client(sim.port, { maxReqPerSec });
    clients.push(c);
    return { c, id: await c.connect(clientId) };
  };
  const post = async (path: string, body: unknown): Promise<{ status: number; json: Json }> => {
    const r = await fetch(base + path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    return { status: r.status, json: await r.json() };
  };
  const get = async (path: string): Promise<Json> => (await fetch(base + path)).json();

  before(async () => {
    sim = await startSimulator({ port: 0, adminPort: 0, prices: { AAPL: 200, IBM: 100 }, stockHalfSpread: 0 });
    base = `http://127.0.0.1:${sim.adminPort}`;
  });
  after(async () => {
    await sim.close();
  });
  afterEach(() => {
    for (const c of clients) {
      expect(c.errors(505)).to.deep.equal([]);
      c.disconnect();
    }
    clients.length = 0;
  });

  it('serves orders, positions and account over HTTP, sets prices, and rejects bad bodies', async () => {
    const { c, id } = await open(1);
    expect((await post('/price', { symbol: 'ibm', price: 101.5 })).json).to.deep.equal({ ok: true, symbol: 'IBM', price: 101.5 });
    c.ib.placeOrder(id, stk('IBM'), mkt(OrderAction.BUY, 10, 'http-1'));
    await c.waitFor(EventName.orderStatus, (o, st) => o === id && st === 'Filled');
    const orders = await get('/orders');
    expect(orders.find((o: { orderId: number }) => o.orderId === id)).to.include({ orderRef: 'http-1', status: 'Filled', avgFillPrice: 101.5 });
    expect(await get('/positions')).to.deep.include.members([
      { account: 'DU1234567', symbol: 'IBM', secType: 'STK', conId: sim.positions()[0]!.conId, localSymbol: 'IBM', quantity: 10, avgCost: 101.6 },
    ]);
    expect((await get('/account')).cash).to.equal(1_000_000 - 1015 - 1);
    expect((await get('/executions')).find((e: { orderId: number }) => e.orderId === id)).to.include({ orderRef: 'http-1', side: 'BOT', shares: 10, price: 101.5, commission: 1 });
    expect((await post('/faults', { nope: 1 })).status).to.equal(400);
    expect((await post('/clock', { advance_ms: -5 })).status).to.equal(400);
    expect((await post('/price', { symbol: 'IBM', price: 'x' })).status).to.equal(400);
    const bad = await fetch(base + '/faults', { method: 'POST', body: '{oops' });
    expect(bad.status).to.equal(400);
    expect((await fetch(base + '/nothing')).status).to.equal(404);
  });

  it('drop_connections disconnects every client; orders survive the reconnect', async () => {
    const { c, id } = await open(2);
    c.ib.placeOrder(id, stk('AAPL'), { ...mkt(OrderAction.BUY, 1, 'drop-1'), orderType: OrderType.LMT, lmtPrice: 1, tif: 'GTC' });
    await c.waitFor(EventName.orderStatus, (o, st) => o === id && st === 'Submitted');
    expect((await post('/faults', { drop_connections: true })).status).to.equal(200);
    await c.waitFor(EventName.disconnected);
    const again = await open(2);
    again.c.ib.reqOpenOrders();
    await again.c.waitFor(EventName.openOrderEnd);
    expect(again.c.events(EventName.openOrder).map((a) => (a[2] as Order).orderRef)).to.include('drop-1');
  });

  it('refuse_connections_ms refuses new connections for a while', async () => {
    /** One raw connection attempt: true when the gateway answers the handshake, false when it closes it. */
    const accepted = () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(sim.port, '127.0.0.1');
        s.on('close', () => resolve(false));
        s.on('data', () => {
          resolve(true);
          s.destroy();
        });
        s.write(Buffer.from('API\0\0\0\0\x09v100..193', 'latin1'));
      });
    sim.fault({ refuse_connections_ms: 300 });
    expect(await accepted()).to.equal(false);
    // Accepted again once the window has passed: probe until then (bounded), then a real client connects.
    const end = Date.now() + 3000;
    while (!(await accepted())) {
      if (Date.now() > end) throw new Error('still refusing connections 3 s after a 300 ms window');
      await sleep(20);
    }
    await open(3);
  });

  it('reject_next rejects exactly one order (for a symbol) with the given code', async () => {
    const { c, id } = await open(4);
    await post('/faults', { reject_next: { code: 201, text: 'Order rejected - reason:simulated', symbol: 'IBM' } });
    c.ib.placeOrder(id, stk('AAPL'), mkt(OrderAction.BUY, 1));
    await c.waitFor(EventName.orderStatus, (o, st) => o === id && st === 'Filled');
    c.ib.placeOrder(id + 1, stk('IBM'), mkt(OrderAction.BUY, 1));
    const [err] = await c.waitFor(EventName.error, (_e, code, o) => code === 201 && o === id + 1);
    expect(String(err)).to.match(/simulated/);
    await c.waitFor(EventName.orderStatus, (o, st) => o === id + 1 && st === 'Inactive');
    c.ib.placeOrder(id + 2, stk('IBM'), mkt(OrderAction.BUY, 1));
    await c.waitFor(EventName.orderStatus, (o, st) => o === id + 2 && st === 'Filled');
    expect(sim.orders().find((o) => o.orderId === id + 1)!.status).to.equal('Inactive');
  });

  it('delay_fills_ms holds fills back; partial_fill_next fills a fraction and leaves the rest working', async () => {
    const { c, id } = await open(5);
    sim.fault({ delay_fills_ms: 150 });
    const t0 = Date.now();
    c.ib.placeOrder(id, stk('AAPL'), mkt(OrderAction.BUY, 2));
    await c.waitFor(EventName.orderStatus, (o, st) => o === id && st === 'Submitted');
    await c.waitFor(EventName.orderStatus, (o, st) => o === id && st === 'Filled');
    expect(Date.now() - t0).to.be.at.least(140);
    sim.fault({ delay_fills_ms: 0 });
    sim.fault({ partial_fill_next: { fraction: 0.4 } });
    c.ib.placeOrder(id + 1, stk('AAPL'), mkt(OrderAction.SELL, 10, 'part-1'));
    const [, st, filled, remaining] = await c.waitFor(EventName.orderStatus, (o, _s, f) => o === id + 1 && f === 4);
    expect([st, filled, remaining]).to.deep.equal(['Submitted', 4, 6]);
    await until(() => sim.orders().find((o) => o.orderId === id + 1)?.filled === 4, 'the simulator to book the partial fill');
    expect(sim.orders().find((o) => o.orderId === id + 1)).to.include({ status: 'Submitted', filled: 4 });
    c.ib.cancelOrder(id + 1);
    const [, cst, cf, cr] = await c.waitFor(EventName.orderStatus, (o, s) => o === id + 1 && s === 'Cancelled');
    expect([cst, cf, cr]).to.deep.equal(['Cancelled', 4, 6]);
  });

  it('pacing: above the per-second limit the excess gets error 100 and is dropped', async () => {
    sim.fault({ pacing: { limit_per_s: 5 } });
    try {
      const { c } = await open(6, 1000);
      // 12 requests at once: each is answered (currentTime) or refused (info 100); count until all 12 are.
      for (let i = 0; i < 12; i++) c.ib.reqCurrentTime();
      const answered = () => c.events(EventName.currentTime).length;
      const refused = () => c.events(EventName.info, (_m, code) => code === 100).length;
      await until(() => answered() + refused() >= 12, 'an answer or a refusal for each of the 12 requests');
      // At most the limit gets through (fewer when the handshake's messages share the window).
      expect(answered()).to.be.within(1, 5);
      expect(refused()).to.equal(12 - answered());
    } finally {
      sim.fault({ pacing: { limit_per_s: 50 } });
    }
  });

  it('still fills orders after every fault above', async () => {
    const { c, id } = await open(9);
    c.ib.placeOrder(id, stk('AAPL'), mkt(OrderAction.BUY, 1, 'last'));
    await until(() => sim.orders().some((o) => o.orderRef === 'last' && o.status === 'Filled'));
  });
});
