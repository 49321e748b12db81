import { expect } from 'chai';
import winston from 'winston';
import { createIbBroker, type IbBroker } from '../../activities/broker/ib-adapter';
import { BrokerUnavailableError, UnknownOrderError } from '../../activities/broker/errors';
import type { BrokerOrderRequest } from '../../src/contracts/broker';
import { startSimulator } from '../../src/ib-sim';

type Sim = Awaited<ReturnType<typeof startSimulator>>;

const logger = winston.createLogger({ level: process.env.LOG_LEVEL ?? 'error', silent: !process.env.LOG_LEVEL, transports: [new winston.transports.Console()] });
let seq = 0;
const ref = (tag: string) => `it-${tag}-${process.pid}-${++seq}`;

const stock = (orderRef: string, extra: Partial<BrokerOrderRequest> = {}): BrokerOrderRequest => ({
  orderRef,
  symbol: 'AAPL',
  secType: 'STK',
  action: 'BUY',
  quantity: 10,
  orderType: 'MKT',
  tif: 'DAY',
  ...extra,
});

describe('broker adapter against the IB simulator (TCP)', function () {
  this.timeout(20_000);
  let sim: Sim;
  let broker: IbBroker;
  const brokers: IbBroker[] = [];
  const make = (clientId = 21) => {
    const b = createIbBroker({ host: '127.0.0.1', port: sim.port, clientId, account: 'DU1234567', logger, maxMsgsPerSec: 45, reconnectBaseMs: 50, connectTimeoutMs: 5_000 });
    brokers.push(b);
    return b;
  };
  const simOrders = (orderRef: string) => sim.orders().filter((o) => o.orderRef === orderRef);

  before(async () => {
    sim = await startSimulator({ port: 0, prices: { AAPL: 150 }, clock: 'open' });
    broker = make();
    await broker.connect();
  });
  after(async () => {
    for (const b of brokers) await b.disconnect();
    await sim?.close();
  });

  it('when a stock MKT order is placed, then it is FILLED with price and commission', async () => {
    const r = ref('stk');
    const placed = await broker.placeOrder(stock(r));
    expect(placed.orderRef).to.equal(r);
    const s = await broker.waitForUpdate(r, 5_000);
    expect(s).to.include({ status: 'FILLED', filledQuantity: 10, remainingQuantity: 0, commissionsComplete: true });
    expect(s!.avgFillPrice).to.be.within(140, 160);
    expect(s!.commission).to.be.greaterThan(0);
    expect(s!.fills.reduce((a, f) => a + f.shares, 0)).to.equal(10);
    expect(simOrders(r)).to.have.length(1);
  });

  it('when a marketable option LMT order is placed, then it is FILLED with price and commission', async () => {
    const r = ref('opt');
    await broker.placeOrder({
      orderRef: r,
      symbol: 'AAPL',
      secType: 'OPT',
      expiry: sim.chain('AAPL').expirations.at(-1),
      strike: 150,
      right: 'C',
      action: 'BUY',
      quantity: 2,
      orderType: 'LMT',
      limitPrice: 100,
      tif: 'DAY',
    });
    const s = await broker.waitForUpdate(r, 5_000);
    expect(s).to.include({ status: 'FILLED', filledQuantity: 2, commissionsComplete: true });
    expect(s!.avgFillPrice).to.be.within(0.01, 100);
    expect(s!.commission).to.be.greaterThan(0);
    expect(simOrders(r)[0]).to.include({ secType: 'OPT', strike: 150, right: 'C', orderType: 'LMT' });
  });

  it('when a LMT order is not marketable, then it stays SUBMITTED until cancelled, then CANCELLED', async () => {
    const r = ref('rest');
    const placed = await broker.placeOrder(stock(r, { orderType: 'LMT', limitPrice: 1 }));
    expect(placed.status).to.equal('SUBMITTED');
    const still = await broker.waitForUpdate(r, 300);
    expect(still!.status).to.equal('SUBMITTED');
    await broker.cancelOrder(r);
    const s = await broker.waitForUpdate(r, 5_000);
    expect(s).to.include({ status: 'CANCELLED', filledQuantity: 0 });
    expect(s!.reason).to.match(/^IB_202: /);
    await broker.cancelOrder(r); // already terminal: nothing to send, no error
  });

  it('when cancelling a ref the broker never saw, then UnknownOrderError', async () => {
    let err: unknown;
    await broker.cancelOrder(ref('nobody')).catch((e) => (err = e));
    expect(err).to.be.instanceOf(UnknownOrderError);
  });

  it('when the same ref is placed twice in a row and five times at once, then the broker received one order each', async () => {
    const a = ref('seq');
    const first = await broker.placeOrder(stock(a));
    const second = await broker.placeOrder(stock(a));
    expect(second.brokerOrderId).to.equal(first.brokerOrderId);
    const b = ref('conc');
    const all = await Promise.all(Array.from({ length: 5 }, () => broker.placeOrder(stock(b, { orderType: 'LMT', limitPrice: 1 }))));
    expect(new Set(all.map((s) => s.brokerOrderId)).size).to.equal(1);
    expect(simOrders(a)).to.have.length(1);
    expect(simOrders(b)).to.have.length(1);
    await broker.cancelOrder(b);
  });

  it('when a restarted worker (new adapter) places refs that exist, then it finds them instead of placing', async () => {
    const filled = ref('restart-filled');
    const working = ref('restart-working');
    await broker.placeOrder(stock(filled));
    await broker.waitForUpdate(filled, 5_000);
    const w = await broker.placeOrder(stock(working, { orderType: 'LMT', limitPrice: 1 }));
    await broker.disconnect(); // the old worker dies; the gateway keeps its orders
    broker = make(21);
    const f2 = await broker.placeOrder(stock(filled));
    expect(f2).to.include({ status: 'FILLED', filledQuantity: 10 });
    const w2 = await broker.placeOrder(stock(working, { orderType: 'LMT', limitPrice: 1 }));
    expect(w2).to.include({ status: 'SUBMITTED', brokerOrderId: w.brokerOrderId });
    expect(simOrders(filled)).to.have.length(1);
    expect(simOrders(working)).to.have.length(1);
    expect((await broker.findOrder(working))!.status).to.equal('SUBMITTED');
    await broker.cancelOrder(working);
  });

  it('when nothing listens on the port, then connect fails with the retryable BrokerUnavailableError', async () => {
    const b = createIbBroker({ host: '127.0.0.1', port: 1, clientId: 99, account: 'DU1', logger, connectTimeoutMs: 400, reconnectBaseMs: 50 });
    let err: unknown;
    await b.connect().catch((e) => (err = e));
    await b.disconnect();
    expect(err).to.be.instanceOf(BrokerUnavailableError);
    expect((err as BrokerUnavailableError).retryable).to.equal(true);
  });
});

describe('broker adapter under simulator faults', function () {
  this.timeout(20_000);
  let sim: Sim;
  let broker: IbBroker;
  const simOrders = (orderRef: string) => sim.orders().filter((o) => o.orderRef === orderRef);

  beforeEach(async () => {
    sim = await startSimulator({ port: 0, prices: { AAPL: 150 }, clock: 'open' });
    broker = createIbBroker({ host: '127.0.0.1', port: sim.port, clientId: 31, account: 'DU1234567', logger, reconnectBaseMs: 50, reconnectMaxMs: 200, connectTimeoutMs: 5_000 });
    await broker.connect();
  });
  afterEach(async () => {
    await broker.disconnect();
    await sim.close();
  });

  it('when the connection drops and the order fills meanwhile, then the adapter reconnects and sees it FILLED once', async () => {
    const r = ref('drop-fill');
    await broker.placeOrder(stock(r, { orderType: 'LMT', limitPrice: 140 }));
    sim.fault({ drop_connections: true });
    sim.setPrice('AAPL', 135); // fills while nobody is connected: only the resync can tell us
    const s = await broker.waitForUpdate(r, 5_000);
    expect(s).to.include({ status: 'FILLED', filledQuantity: 10, commissionsComplete: true });
    expect(s!.commission).to.be.greaterThan(0);
    expect(broker.isConnected()).to.equal(true);
    expect(simOrders(r)).to.have.length(1);
  });

  it('when orders are placed around a drop (before, during, while refused), then each ref reaches the broker exactly once', async () => {
    const refs = Array.from({ length: 6 }, (_, i) => ref(`drop-race-${i}`));
    const calls = refs.map(async (r, i) => {
      await new Promise((res) => setTimeout(res, i));
      return broker.placeOrder(stock(r));
    });
    setImmediate(() => {
      sim.fault({ refuse_connections_ms: 150 });
      sim.fault({ drop_connections: true });
    });
    await Promise.all(calls);
    for (const r of refs) {
      const s = await broker.waitForUpdate(r, 5_000);
      expect(s, r).to.include({ status: 'FILLED' });
      expect(simOrders(r), r).to.have.length(1);
    }
    expect(broker.stats().reconnects).to.be.greaterThan(0);
  });

  it('when IB rejects the order (201), then REJECTED with the IB reason', async () => {
    sim.fault({ reject_next: { code: 201, text: 'Order rejected - reason: margin' } });
    const r = ref('rej');
    const s = await broker.placeOrder(stock(r));
    expect(s).to.include({ status: 'REJECTED', reason: 'IB_201: Order rejected - reason: margin' });
    expect((await broker.waitForUpdate(r, 1_000))!.status).to.equal('REJECTED');
  });

  it('when IB answers an order with an unknown error code, then REJECTED with that code, no hang', async () => {
    sim.fault({ reject_next: { code: 4321, text: 'never seen before' } });
    const s = await broker.placeOrder(stock(ref('unknown')));
    expect(s).to.include({ status: 'REJECTED', reason: 'IB_4321: never seen before' });
  });

  it('when fills are partial, then PARTIALLY_FILLED, and a cancel ends it CANCELLED with the filled part', async () => {
    sim.fault({ partial_fill_next: { fraction: 0.4 } });
    const r = ref('partial');
    await broker.placeOrder(stock(r));
    const p = await broker.waitForUpdate(r, 300);
    expect(p).to.include({ status: 'PARTIALLY_FILLED', filledQuantity: 4, remainingQuantity: 6 });
    await broker.cancelOrder(r);
    const s = await broker.waitForUpdate(r, 2_000);
    expect(s).to.include({ status: 'CANCELLED', filledQuantity: 4, commissionsComplete: true });
  });

  it('when fills are delayed, then waitForUpdate returns the latest state on timeout, and null for an unknown ref', async () => {
    sim.fault({ delay_fills_ms: 400 });
    const r = ref('slow');
    await broker.placeOrder(stock(r));
    const early = await broker.waitForUpdate(r, 100);
    expect(early).to.include({ status: 'SUBMITTED', filledQuantity: 0 });
    const late = await broker.waitForUpdate(r, 3_000);
    expect(late).to.include({ status: 'FILLED', commissionsComplete: true });
    expect(await broker.waitForUpdate(ref('never-placed'), 50)).to.equal(null);
    expect(await broker.findOrder(ref('never-placed'))).to.equal(null);
  });

  it('when the gateway paces harder than our limiter, then paced-out orders are retried and each fills once', async () => {
    sim.fault({ pacing: { limit_per_s: 10 } });
    const refs = Array.from({ length: 25 }, (_, i) => ref(`paced-${i}`));
    const states = await Promise.all(refs.map((r) => broker.placeOrder(stock(r, { quantity: 1 }))));
    expect(states.every((s) => s.status !== 'REJECTED')).to.equal(true);
    for (const r of refs) expect(simOrders(r), r).to.have.length(1);
    expect(broker.stats().pacingErrors).to.be.greaterThan(0);
  });
});

describe('broker adapter after a restart: orders that ended without (all) fills', function () {
  this.timeout(20_000);
  let sim: Sim;
  const brokers: IbBroker[] = [];
  const make = () => {
    const b = createIbBroker({ host: '127.0.0.1', port: sim.port, clientId: 41, account: 'DU1234567', logger, reconnectBaseMs: 50, connectTimeoutMs: 5_000 });
    brokers.push(b);
    return b;
  };
  const simOrders = (orderRef: string) => sim.orders().filter((o) => o.orderRef === orderRef);
  /** The old worker dies (its socket closes); a new process starts a fresh adapter with the same client id. */
  const restart = async (old: IbBroker) => {
    await old.disconnect();
    const b = make();
    await b.connect();
    return b;
  };

  before(async () => {
    sim = await startSimulator({ port: 0, prices: { AAPL: 150 }, clock: 'open' });
  });
  afterEach(async () => {
    for (const b of brokers.splice(0)) await b.disconnect(); // one live session per client id
  });
  after(async () => {
    await sim?.close();
  });

  it('when adapter A cancelled a resting order, then a fresh adapter B finds it CANCELLED and places nothing', async () => {
    const r = ref('restart-cancelled');
    const req = stock(r, { orderType: 'LMT', limitPrice: 1 });
    const a = make();
    await a.placeOrder(req);
    await a.cancelOrder(r);
    expect((await a.waitForUpdate(r, 5_000))!.status).to.equal('CANCELLED');
    const count = sim.orders().length;

    const b = await restart(a);
    const found = await b.findOrder(r);
    expect(found).to.include({ status: 'CANCELLED', filledQuantity: 0, commissionsComplete: true });
    expect(found!.reason).to.match(/^IB completed order: /);
    expect(found!.permId).to.be.a('number');
    expect(found!.brokerOrderId).to.equal(0); // IB's completed-order record has no order id: unknown
    const again = await b.placeOrder(req);
    expect(again).to.include({ status: 'CANCELLED' });
    expect(await b.waitForUpdate(r, 1_000)).to.include({ status: 'CANCELLED' });
    expect(sim.orders().length).to.equal(count);
    expect(simOrders(r)).to.have.length(1);
  });

  it('when adapter A had an order rejected (reject_next), then a fresh adapter B finds it REJECTED and places nothing', async () => {
    const r = ref('restart-rejected');
    const a = make();
    sim.fault({ reject_next: { code: 201, text: 'Order rejected - reason: margin' } });
    expect(await a.placeOrder(stock(r))).to.include({ status: 'REJECTED' });
    const count = sim.orders().length;

    const b = await restart(a);
    expect(await b.findOrder(r)).to.include({ status: 'REJECTED', filledQuantity: 0 });
    expect(await b.placeOrder(stock(r))).to.include({ status: 'REJECTED' });
    expect(sim.orders().length).to.equal(count);
    expect(simOrders(r)).to.have.length(1);
  });

  it('when adapter A had an order partially filled then cancelled, then B reports CANCELLED with the filled part (not FILLED)', async () => {
    const r = ref('restart-partial');
    const a = make();
    sim.fault({ partial_fill_next: { fraction: 0.4 } });
    await a.placeOrder(stock(r));
    await until(async () => (await a.findOrder(r))?.status === 'PARTIALLY_FILLED');
    await a.cancelOrder(r);
    expect(await a.waitForUpdate(r, 2_000)).to.include({ status: 'CANCELLED', filledQuantity: 4 });

    const b = await restart(a);
    const s = await b.findOrder(r);
    expect(s).to.include({ status: 'CANCELLED', filledQuantity: 4, remainingQuantity: 6, commissionsComplete: true });
    expect(s!.fills.map((f) => f.shares)).to.deep.equal([4]);
    expect(s!.brokerOrderId).to.equal(simOrders(r)[0]!.orderId); // known from its execution
    expect(await b.placeOrder(stock(r))).to.include({ status: 'CANCELLED', filledQuantity: 4 });
    expect(simOrders(r)).to.have.length(1);
  });

  it('when the order filled completely while no adapter was connected, then B reports FILLED with its quantity', async () => {
    const r = ref('restart-filled-offline');
    const a = make();
    await a.placeOrder(stock(r, { orderType: 'LMT', limitPrice: 140 }));
    await a.disconnect();
    sim.setPrice('AAPL', 135); // fills while nobody listens
    sim.setPrice('AAPL', 150);
    const b = make();
    await b.connect();
    expect(await b.waitForUpdate(r, 2_000)).to.include({ status: 'FILLED', filledQuantity: 10, remainingQuantity: 0, commissionsComplete: true });
    expect(simOrders(r)).to.have.length(1);
  });
});

async function until(fn: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
