/**
 * Stage 1: the simulator speaks the TWS protocol to the real, unmodified @stoqey/ib client.
 */
import net from 'node:net';
import { expect } from 'chai';
import { Contract, EventName, Order, OrderAction, OrderType, SecType } from '@stoqey/ib';
import { startSimulator, Simulator } from '../../src/ib-sim';
import { encodeFrame, encodeHello, FrameReader } from '../../src/ib-sim/codec';
import { Client, until, stk } from './ib-sim-kit';

const order = (action: OrderAction, qty: number, type: OrderType, lmt?: number, extra: Partial<Order> = {}): Order => ({
  action,
  totalQuantity: qty,
  orderType: type,
  lmtPrice: lmt,
  tif: 'DAY',
  account: 'DU1234567',
  transmit: true,
  ...extra,
});

describe('ib-sim stage 1 (real @stoqey/ib client over TCP)', () => {
  let sim: Simulator;
  let client: Client;
  const clients: Client[] = [];
  const open = async (clientId = 1): Promise<{ c: Client; nextId: number }> => {
    const c = new Client(sim.port);
    clients.push(c);
    const nextId = await c.connect(clientId);
    return { c, nextId };
  };

  before(async () => {
    sim = await startSimulator({ port: 0, prices: { AAPL: 200, MSFT: 400 } });
  });
  after(async () => {
    await sim.close();
  });
  afterEach(() => {
    for (const c of clients) {
      expect(c.errors(505), 'client decoder errors').to.deep.equal([]);
      c.disconnect();
    }
    clients.length = 0;
  });

  it('handshakes: managed accounts, next valid id >= 1000, farm infos, current time', async () => {
    const r = await open();
    client = r.c;
    expect(r.nextId).to.be.at.least(1000);
    expect((await client.waitFor(EventName.managedAccounts))[0]).to.equal('DU1234567');
    await client.waitFor(EventName.info, (_m, code) => code === 2104);
    client.ib.reqCurrentTime();
    const [t] = await client.waitFor(EventName.currentTime);
    expect(Math.abs((t as number) - Date.now() / 1000)).to.be.below(5);
    client.ib.reqIds();
    await client.waitFor(EventName.nextValidId, () => client.events(EventName.nextValidId).length >= 2);
  });

  it('fills a stock MKT order at the ask with the IB stock commission, echoing orderRef', async () => {
    const { c, nextId } = await open();
    c.ib.placeOrder(nextId, stk('AAPL'), order(OrderAction.BUY, 10, OrderType.MKT, undefined, { orderRef: 'strat-A:stk1' }));
    await c.waitFor(EventName.orderStatus, (id, st) => id === nextId && st === 'Submitted');
    const [, status, filled, remaining, avg] = await c.waitFor(EventName.orderStatus, (id, st) => id === nextId && st === 'Filled');
    expect([status, filled, remaining, avg]).to.deep.equal(['Filled', 10, 0, 200.01]);
    const [reqId, contract, exec] = await c.waitFor(EventName.execDetails, (_r, _c, e) => e.orderId === nextId);
    expect(reqId).to.equal(-1);
    expect(contract).to.include({ symbol: 'AAPL', secType: 'STK' });
    expect(exec).to.include({ side: 'BOT', shares: 10, price: 200.01, orderRef: 'strat-A:stk1', acctNumber: 'DU1234567', cumQty: 10 });
    const [report] = await c.waitFor(EventName.commissionReport, (r) => r.execId === exec.execId);
    expect(report).to.include({ commission: 1, currency: 'USD' });
    const [, , ord, state] = await c.waitFor(EventName.openOrder, (id, _c, _o, s) => id === nextId && s.status === 'Filled');
    expect(ord).to.include({ orderRef: 'strat-A:stk1', totalQuantity: 10, action: 'BUY' });
    expect(state.status).to.equal('Filled');
    const mine = sim.orders().filter((o) => o.orderId === nextId);
    expect(mine).to.have.length(1);
    expect(mine[0]).to.include({ status: 'Filled', filled: 10, orderRef: 'strat-A:stk1', clientId: 1, symbol: 'AAPL' });
  });

  it('fills a marketable option LMT order at the ask, $0.65/contract', async () => {
    const { c, nextId } = await open();
    const expiry = sim.chain('AAPL').expirations[1]!;
    const opt: Contract = { symbol: 'AAPL', secType: SecType.OPT, lastTradeDateOrContractMonth: expiry, strike: 200, right: 'C' as never, multiplier: 100, exchange: 'SMART', currency: 'USD' };
    c.ib.placeOrder(nextId, opt, order(OrderAction.BUY, 2, OrderType.LMT, 500, { orderRef: 'strat-B:leg1' }));
    const [, , filled, , avg] = await c.waitFor(EventName.orderStatus, (id, st) => id === nextId && st === 'Filled');
    expect(filled).to.equal(2);
    expect(avg).to.be.greaterThan(1).and.below(50);
    const [, contract, exec] = await c.waitFor(EventName.execDetails, (_r, _c, e) => e.orderId === nextId);
    expect(contract).to.include({ symbol: 'AAPL', secType: 'OPT', strike: 200, right: 'C', lastTradeDateOrContractMonth: expiry, multiplier: 100 });
    expect(exec.orderRef).to.equal('strat-B:leg1');
    const [report] = await c.waitFor(EventName.commissionReport, (r) => r.execId === exec.execId);
    expect(report.commission).to.equal(1.3);
    // One contract still pays the $1.00 minimum.
    c.ib.placeOrder(nextId + 1, opt, order(OrderAction.SELL, 1, OrderType.MKT));
    const [, , ex2] = await c.waitFor(EventName.execDetails, (_r, _c, e) => e.orderId === nextId + 1);
    expect(ex2.side).to.equal('SLD');
    expect(ex2.price).to.be.below(exec.price);
    expect((await c.waitFor(EventName.commissionReport, (r) => r.execId === ex2.execId))[0].commission).to.equal(1);
  });

  it('keeps a non-marketable LMT working; cancel → Cancelled + 202; unknown id → 10147; reused id → 103', async () => {
    const { c, nextId } = await open();
    c.ib.placeOrder(nextId, stk('MSFT'), order(OrderAction.BUY, 5, OrderType.LMT, 300, { orderRef: 'rest-1', tif: 'GTC' }));
    await c.waitFor(EventName.orderStatus, (id, st) => id === nextId && st === 'Submitted');
    c.ib.reqAllOpenOrders();
    await c.waitFor(EventName.openOrderEnd);
    const open1 = c.events(EventName.openOrder, (id) => id === nextId);
    expect(open1).to.have.length.at.least(1);
    expect((open1[0]![2] as Order).orderRef).to.equal('rest-1');
    c.ib.cancelOrder(nextId);
    await c.waitFor(EventName.orderStatus, (id, st) => id === nextId && st === 'Cancelled');
    await c.waitFor(EventName.error, (_e, code, id) => code === 202 && id === nextId);
    c.ib.cancelOrder(987654);
    await c.waitFor(EventName.error, (_e, code, id) => code === 10147 && id === 987654);
    c.ib.placeOrder(nextId, stk('MSFT'), order(OrderAction.BUY, 5, OrderType.LMT, 300));
    await c.waitFor(EventName.error, (_e, code, id) => code === 103 && id === nextId);
    expect(sim.orders().filter((o) => o.orderId === nextId)).to.have.length(1);
  });

  it('when two clients place orders under the same order id, then each is its own order (TWS keeps ids per client: two workers)', async () => {
    const a = await open(31);
    const b = await open(32);
    const id = Math.max(a.nextId, b.nextId);
    a.c.ib.placeOrder(id, stk('AAPL'), order(OrderAction.BUY, 1, OrderType.MKT, undefined, { orderRef: 'same-id-a' }));
    await a.c.waitFor(EventName.orderStatus, (i, st) => i === id && st === 'Filled');
    b.c.ib.placeOrder(id, stk('AAPL'), order(OrderAction.BUY, 1, OrderType.MKT, undefined, { orderRef: 'same-id-b' }));
    await b.c.waitFor(EventName.orderStatus, (i, st) => i === id && st === 'Filled');
    expect(b.c.errors(103)).to.deep.equal([]);
    const mine = sim.orders().filter((o) => o.orderId === id && o.orderRef.startsWith('same-id-'));
    expect(mine.map((o) => [o.orderRef, o.status])).to.deep.equal([
      ['same-id-a', 'Filled'],
      ['same-id-b', 'Filled'],
    ]);
  });

  it('keeps orders and executions across reconnects; reqExecutions with a filter object', async () => {
    const first = await open(7);
    first.c.ib.placeOrder(first.nextId, stk('MSFT'), order(OrderAction.BUY, 3, OrderType.LMT, 100, { orderRef: 'crash-1', tif: 'GTC' }));
    first.c.ib.placeOrder(first.nextId + 1, stk('MSFT'), order(OrderAction.SELL, 3, OrderType.MKT, undefined, { orderRef: 'crash-2' }));
    await first.c.waitFor(EventName.orderStatus, (id, st) => id === first.nextId + 1 && st === 'Filled');
    first.c.disconnect();
    await until(() => !sim.clientIds().includes(7), 'the gateway to drop client 7'); // else the reconnect is refused as a duplicate (326)
    const { c, nextId } = await open(7);
    expect(nextId).to.be.greaterThan(first.nextId + 1);
    c.ib.reqOpenOrders();
    await c.waitFor(EventName.openOrderEnd);
    expect(c.events(EventName.openOrder).map((a) => (a[2] as Order).orderRef)).to.include('crash-1');
    c.ib.reqExecutions(42, {});
    await c.waitFor(EventName.execDetailsEnd, (r) => r === 42);
    const execs = c.events(EventName.execDetails, (r) => r === 42);
    expect(execs.map((a) => (a[2] as { orderRef: string }).orderRef)).to.include.members(['crash-2', 'strat-A:stk1', 'strat-B:leg1']);
    expect(c.events(EventName.commissionReport).length).to.be.at.least(execs.length);
    c.ib.reqExecutions(43, { symbol: 'MSFT', side: 'SELL' });
    await c.waitFor(EventName.execDetailsEnd, (r) => r === 43);
    expect(c.events(EventName.execDetails, (r) => r === 43).map((a) => (a[2] as { orderRef: string }).orderRef)).to.deep.equal(['crash-2']);
    // The resting order still fills when the market comes to it, and the new connection hears it.
    sim.setPrice('MSFT', 99);
    await c.waitFor(EventName.orderStatus, (id, st) => id === first.nextId && st === 'Filled');
  });

  it('lists filled, cancelled and rejected orders with their orderRef (reqCompletedOrders)', async () => {
    const { c, nextId } = await open(9);
    sim.fault({ reject_next: { code: 201, text: 'Order rejected - reason:test' } });
    c.ib.placeOrder(nextId, stk('MSFT'), order(OrderAction.BUY, 1, OrderType.MKT, undefined, { orderRef: 'done-rejected' }));
    await c.waitFor(EventName.error, (_e, code, id) => code === 201 && id === nextId);
    c.ib.reqCompletedOrders(false);
    await c.waitFor(EventName.completedOrdersEnd);
    const done = c.events(EventName.completedOrder).map((a) => ({ ref: (a[1] as Order).orderRef, status: (a[2] as { status: string }).status, filled: (a[1] as Order).filledQuantity }));
    expect(done).to.deep.include({ ref: 'strat-A:stk1', status: 'Filled', filled: 10 });
    expect(done).to.deep.include({ ref: 'rest-1', status: 'Cancelled', filled: 0 });
    expect(done).to.deep.include({ ref: 'done-rejected', status: 'Inactive', filled: 0 });
    expect((c.events(EventName.completedOrder)[0]![0] as Contract).symbol).to.be.a('string');
  });

  it('survives malformed and fragmented input on a raw socket and answers ERR_MSG', async () => {
    const sock = net.connect(sim.port, '127.0.0.1');
    const reader = new FrameReader(false);
    const got: string[][] = [];
    sock.on('data', (d) => {
      for (const m of reader.feed(d)) if (m.kind === 'message') got.push(m.fields);
    });
    await new Promise((r) => sock.once('connect', r));
    // The hello and START_API split byte by byte, then several frames in one write.
    const bytes = Buffer.concat([encodeHello(), encodeFrame([71, 2, 99, ''])]);
    for (const b of bytes) sock.write(Buffer.from([b]));
    await until(() => got.length > 0, 'the answer to the byte-by-byte hello');
    sock.write(Buffer.concat([encodeFrame([3, 'notanumber']), encodeFrame([4, 1]), encodeFrame([12345]), encodeFrame([49, 1])]));
    await until(() => got.filter((f) => f[0] === '4').length >= 3 && got.some((f) => f[0] === '49'), 'three ERR_MSG and the current time');
    sock.destroy();
    expect(got[0]).to.deep.equal(['176', got[0]![1]]);
    const errs = got.filter((f) => f[0] === '4').map((f) => f[3]);
    expect(errs.filter((c) => c === '320').length).to.equal(3);
    expect(got.some((f) => f[0] === '49')).to.equal(true);
    // A client whose version range excludes 176 is disconnected without an answer.
    const old = net.connect(sim.port, '127.0.0.1');
    let answered = false;
    old.on('data', () => {
      answered = true;
    });
    old.write(encodeHello('v177..193'));
    await new Promise((r) => old.on('close', r));
    expect(answered).to.equal(false);
    const { c } = await open(8);
    c.ib.reqCurrentTime();
    await c.waitFor(EventName.currentTime);
  });
});
