/**
 * searchOrder from another client than the one that placed the order (the wait of an order
 * moved to the other worker, whose IB client id never heard of it): it must see the broker as
 * it is after the caller asked, never the answer to a search sent before the order existed.
 */
import { expect } from 'chai';
import winston from 'winston';
import { createIbBroker, type IbBroker } from '../../activities/broker/ib-adapter';
import type { BrokerOrderRequest } from '../../src/contracts/broker';
import { startSimulator } from '../../src/ib-sim';

type Sim = Awaited<ReturnType<typeof startSimulator>>;

const logger = winston.createLogger({ level: process.env.LOG_LEVEL ?? 'error', silent: !process.env.LOG_LEVEL, transports: [new winston.transports.Console()] });
let seq = 0;
const ref = (tag: string) => `search-${tag}-${process.pid}-${++seq}`;
const stock = (orderRef: string): BrokerOrderRequest => ({ orderRef, symbol: 'AAPL', secType: 'STK', action: 'BUY', quantity: 10, orderType: 'MKT', tif: 'DAY' });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('broker adapter: searching another client id’s orders (IB simulator, TCP)', function () {
  this.timeout(30_000);
  let sim: Sim;
  let clientId = 40;
  const brokers: IbBroker[] = [];
  const make = async () => {
    const b = createIbBroker({ host: '127.0.0.1', port: sim.port, clientId: clientId++, account: 'DU1234567', logger, maxMsgsPerSec: 45, reconnectBaseMs: 50, connectTimeoutMs: 5_000 });
    brokers.push(b);
    await b.connect();
    return b;
  };

  beforeEach(async () => {
    sim = await startSimulator({ port: 0, prices: { AAPL: 150 }, clock: 'open' });
  });
  afterEach(async () => {
    for (const b of brokers.splice(0)) await b.disconnect();
    await sim?.close();
  });

  it('when client A fills an order, then client B (empty book) finds it FILLED, also right after a connection drop', async () => {
    const a = await make();
    const b = await make();
    const r = ref('filled');
    await a.placeOrder(stock(r));
    expect(await a.waitForUpdate(r, 5_000)).to.include({ status: 'FILLED' });
    expect(await b.findOrder(r)).to.equal(null); // IB tells B nothing about A's orders unasked
    expect(await b.searchOrder!(r)).to.include({ status: 'FILLED', filledQuantity: 10 });

    const r2 = ref('filled-drop');
    await a.placeOrder(stock(r2));
    expect(await a.waitForUpdate(r2, 5_000)).to.include({ status: 'FILLED' });
    sim.fault({ drop_connections: true });
    expect(await b.searchOrder!(r2)).to.include({ status: 'FILLED', filledQuantity: 10 });
  });

  it('when B searches while an earlier search of B is still in flight, then it sees an order A placed after that search was sent', async () => {
    const a = await make();
    const b = await make();
    sim.fault({ delay_fills_ms: 1_500 }); // the order rests: only the open orders can show it
    // The earlier search's first request (open orders) leaves at once; its other two wait a
    // second behind B's pacing limiter, as they do when B's worker is busy.
    const acquire = b.limiter.acquire.bind(b.limiter);
    let stall = true;
    b.limiter.acquire = async (n?: number, urgent?: boolean) => {
      await acquire(n, urgent);
      if (stall) {
        stall = false;
        b.limiter.penalize(1_000);
      }
    };
    const earlier = b.searchOrder!(ref('other'));
    await sleep(100); // B's open orders answered: the order below is not among them
    const r = ref('resting');
    expect(await a.placeOrder(stock(r))).to.include({ status: 'SUBMITTED' });
    const found = await b.searchOrder!(r);
    await earlier;
    expect(found?.orderRef).to.equal(r);
    expect(found?.status).to.be.oneOf(['SUBMITTED', 'FILLED']);
  });
});
