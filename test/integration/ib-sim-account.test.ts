/**
 * The simulated account outlives a gateway restart (state file, --fresh), and reports each
 * position's life as IB does: expiry and assignment as executions (option closed at 0, stock
 * at the strike) with realised P&L, early and partial assignment, a position added by hand.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Contract, EventName, OrderAction, OrderType } from '@stoqey/ib';
import { startSimulator, Simulator } from '../../src/ib-sim';
import { readEnv } from '../../src/ib-sim/main';
import { readState } from '../../src/ib-sim/persist';
import { Client, opt, ord } from './ib-sim-kit';

const MONDAY_10AM = '2026-11-23T15:00:00Z';
const EXP = '20261127';

describe('ib-sim account: persistence and position lifecycle', function () {
  this.timeout(20_000);
  let dir: string;
  let sim: Simulator;
  let c: Client;
  let id: number;
  const start = (fresh = false) =>
    startSimulator({
      port: 0,
      adminPort: 0,
      clock: 'manual',
      startTime: MONDAY_10AM,
      prices: { AAPL: 200 },
      priceModel: 'static',
      startingCash: 100_000,
      stateFile: path.join(dir, 'ib-sim-account.json'),
      fresh,
    });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ib-sim-account-'));
    sim = await start();
    c = new Client(sim.port);
    id = await c.connect(1);
  });
  afterEach(async () => {
    c.disconnect();
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps positions, cash, working orders, executions and the manual clock across a restart; --fresh starts empty', async () => {
    c.ib.placeOrder(id, opt('AAPL', EXP, 190, 'P'), ord(OrderAction.SELL, 2, OrderType.MKT));
    c.ib.placeOrder(id + 1, opt('AAPL', EXP, 180, 'P'), ord(OrderAction.BUY, 1, OrderType.LMT, 0.01, 'GTC'));
    await c.waitFor(EventName.orderStatus, (o, st) => o === id && st === 'Filled');
    await c.waitFor(EventName.orderStatus, (o, st) => o === id + 1 && st === 'Submitted');
    sim.clock({ advance_ms: 3600_000 });
    const before = { positions: sim.positions(), cash: sim.cash(), orders: sim.orders(), executions: sim.executions(), now: sim.now().toISOString() };
    c.disconnect();
    await sim.close();

    sim = await start();
    expect({ positions: sim.positions(), cash: sim.cash(), orders: sim.orders(), executions: sim.executions(), now: sim.now().toISOString() }).to.deep.equal(before);
    // The working order still works after the restart, and new ids never collide with old ones.
    c = new Client(sim.port);
    const next = await c.connect(1);
    expect(next).to.be.greaterThan(id + 1);
    c.disconnect();
    await sim.close();

    sim = await start(true);
    expect(sim.positions()).to.deep.equal([]);
    expect(sim.cash()).to.equal(100_000);
    expect(sim.orders()).to.deep.equal([]);
    c = new Client(sim.port);
    await c.connect(1);
  });

  describe('the journal of completed orders and executions', () => {
    const file = () => path.join(dir, 'ib-sim-account.json');
    const history = () => `${file()}.history`;
    /** What a restart must keep. */
    const account = () => ({ positions: sim.positions(), cash: sim.cash(), orders: sim.orders(), executions: sim.executions() });
    /** A market order on the 190 put, filled. */
    const fill = async (orderId: number, action = OrderAction.SELL, quantity = 1) => {
      c.ib.placeOrder(orderId, opt('AAPL', EXP, 190, 'P'), ord(action, quantity, OrderType.MKT));
      await c.waitFor(EventName.orderStatus, (o, st) => o === orderId && st === 'Filled');
    };
    /** Closing the simulator writes what changed. */
    const stop = async () => {
      c.disconnect();
      await sim.close();
    };
    /** Starts it again on the same files; the next order id. */
    const resume = async (): Promise<number> => {
      sim = await start();
      c = new Client(sim.port);
      return c.connect(1);
    };
    const lines = () => fs.readFileSync(history(), 'utf8').split('\n').filter(Boolean);

    it('keeps them written once each: the state file holds only what still changes, and a restart reads both back', async () => {
      for (let k = 0; k < 4; k++) await fill(id + k, k % 2 ? OrderAction.BUY : OrderAction.SELL);
      c.ib.placeOrder(id + 4, opt('AAPL', EXP, 180, 'P'), ord(OrderAction.BUY, 1, OrderType.LMT, 0.01, 'GTC'));
      await c.waitFor(EventName.orderStatus, (o, st) => o === id + 4 && st === 'Submitted');
      await stop();
      await resume();
      const stateSize = fs.statSync(file()).size;
      const kinds = () => lines().map((l) => Object.keys(JSON.parse(l) as object)[0]);
      expect(kinds().sort()).to.deep.equal(['e', 'e', 'e', 'e', 'o', 'o', 'o', 'o']);
      const saved = JSON.parse(fs.readFileSync(file(), 'utf8')) as { book: { orders: { orderId: number }[]; executions: unknown[] }; historyBytes: number };
      expect(saved.book.orders.map((o) => o.orderId)).to.deep.equal([id + 4]);
      expect(saved.book.executions).to.deep.equal([]);
      expect(saved.historyBytes).to.equal(fs.statSync(history()).size);

      // Twenty more fills: the journal grows by their lines, the state file does not grow with them.
      for (let k = 5; k < 25; k++) await fill(id + k, k % 2 ? OrderAction.BUY : OrderAction.SELL);
      await stop();
      await resume();
      expect(kinds()).to.have.length(8 + 40);
      expect(fs.statSync(file()).size).to.be.lessThan(stateSize + 200);

      // A write whose state never landed (lines past the state's end): ignored, and cut off.
      const before = account();
      await stop();
      const end = fs.statSync(history()).size;
      fs.appendFileSync(history(), '{"e":{"execId":"from-a-write-that-never-landed"');
      await resume();
      expect(account()).to.deep.equal(before);
      expect(fs.statSync(history()).size).to.equal(end);
    });

    it('writes it anew, whole, when it is removed under a running simulator', async () => {
      await fill(id);
      await stop();
      const next = await resume();
      fs.rmSync(history());
      await fill(next);
      const before = account();
      expect(before.executions).to.have.length(2);
      await stop();
      await resume();
      expect(account()).to.deep.equal(before);
    });

    it('reads a state file written before it (everything in one file) and moves its history to it', async () => {
      await fill(id, OrderAction.SELL, 2);
      const before = account();
      await stop();
      // The old form: the whole book in the state file, no historyBytes, no journal.
      const { historyBytes: _h, ...old } = readState(file())!;
      expect(old.book.executions).to.have.length(1);
      fs.writeFileSync(file(), JSON.stringify(old));
      fs.rmSync(history());
      await resume();
      expect(account()).to.deep.equal(before);
      expect(lines()).to.have.length(2);
    });
  });

  it('restart through the admin call keeps the account on the same port', async () => {
    c.ib.placeOrder(id, opt('AAPL', EXP, 190, 'P'), ord(OrderAction.SELL, 1, OrderType.MKT));
    await c.waitFor(EventName.orderStatus, (o, st) => o === id && st === 'Filled');
    const res = await fetch(`http://127.0.0.1:${sim.adminPort}/restart`, { method: 'POST', body: '{}' });
    expect(res.status).to.equal(200);
    const end = Date.now() + 5000;
    let reconnected = false;
    while (!reconnected && Date.now() < end) {
      c.disconnect();
      c = new Client(sim.port);
      reconnected = await c.connect(1).then(
        () => true,
        () => false,
      );
    }
    expect(reconnected).to.equal(true);
    expect(sim.positions().map((p) => [p.localSymbol, p.quantity])).to.deep.equal([['AAPL  261127P00190000', -1]]);
  });

  it('reports expiry worthless and assignment as executions with realised P&L', async () => {
    c.ib.placeOrder(id, opt('AAPL', EXP, 190, 'P'), ord(OrderAction.SELL, 1, OrderType.MKT)); // OTM at 200
    c.ib.placeOrder(id + 1, opt('AAPL', EXP, 210, 'P'), ord(OrderAction.SELL, 1, OrderType.MKT)); // ITM
    await c.waitFor(EventName.orderStatus, (o, st) => o === id + 1 && st === 'Filled');
    const [sold190, sold210] = sim.executions();
    const cash = sim.cash();
    sim.clock({ to_expiry: true });
    expect(sim.positions().map((p) => [p.localSymbol, p.quantity, p.avgCost])).to.deep.equal([['AAPL', 100, 210]]);
    expect(sim.cash()).to.be.closeTo(cash - 21_000, 1e-6);
    const life = sim.executions().slice(2);
    expect(life.map((e) => [e.orderId, e.localSymbol, e.side, e.shares, e.price, e.commission])).to.deep.equal([
      [0, 'AAPL  261127P00190000', 'BOT', 1, 0, 0],
      [0, 'AAPL  261127P00210000', 'BOT', 1, 0, 0],
      [0, 'AAPL', 'BOT', 100, 210, 0],
    ]);
    // Realised: the premium net of the opening commission, to the cent.
    expect(life[0]!.realizedPnl).to.equal(Math.round((sold190!.price * 100 - sold190!.commission) * 100) / 100);
    expect(life[1]!.realizedPnl).to.equal(Math.round((sold210!.price * 100 - sold210!.commission) * 100) / 100);
    // Visible through the TWS protocol: reqExecutions lists them.
    c.ib.reqExecutions(77, {});
    await c.waitFor(EventName.execDetailsEnd, (r) => r === 77);
  });

  it('assigns early and partially on any day (POST /assign); a position added by hand moves no cash', async () => {
    c.ib.placeOrder(id, opt('AAPL', EXP, 190, 'P'), ord(OrderAction.SELL, 3, OrderType.MKT));
    await c.waitFor(EventName.orderStatus, (o, st) => o === id && st === 'Filled');
    const cash = sim.cash();
    const post = (p: string, body: unknown) => fetch(`http://127.0.0.1:${sim.adminPort}${p}`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post('/assign', { symbol: 'AAPL', expiry: EXP, strike: 190, right: 'P', quantity: 4 })).status).to.equal(400);
    expect((await post('/assign', { symbol: 'AAPL', expiry: EXP, strike: 190, right: 'P', quantity: 2 })).status).to.equal(200);
    expect(sim.positions().map((p) => [p.localSymbol, p.quantity])).to.have.deep.members([
      ['AAPL  261127P00190000', -1],
      ['AAPL', 200],
    ]);
    expect(sim.cash()).to.be.closeTo(cash - 2 * 19_000, 1e-6);
    expect(sim.now().toISOString()).to.equal(MONDAY_10AM.replace('Z', '.000Z'));
    expect((await post('/positions', { symbol: 'MSFT', secType: 'STK', quantity: 50, avgCost: 400 })).status).to.equal(200);
    expect((await post('/positions', { symbol: 'MSFT', secType: 'OPT', quantity: 1 })).status).to.equal(400);
    expect(sim.positions().find((p) => p.symbol === 'MSFT')?.quantity).to.equal(50);
    expect(sim.cash()).to.be.closeTo(cash - 2 * 19_000, 1e-6);
    c.ib.reqPositions();
    await c.waitFor(EventName.position, (_a, k: Contract, q) => k.symbol === 'MSFT' && q === 50);
  });

  it('npm run ib-sim: --fresh or IB_SIM_FRESH=1 starts fresh; the state file lives under DATA_DIR', () => {
    const saved = { ...process.env };
    try {
      process.env.DATA_DIR = dir;
      delete process.env.IB_SIM_FRESH;
      expect(readEnv([])).to.include({ fresh: false, stateFile: path.join(dir, 'ib-sim-account.json') });
      expect(readEnv(['--fresh']).fresh).to.equal(true);
      process.env.IB_SIM_FRESH = '1';
      expect(readEnv([]).fresh).to.equal(true);
      process.env.IB_SIM_FRESH = 'yes';
      expect(() => readEnv([])).to.throw(/IB_SIM_FRESH/);
      delete process.env.IB_SIM_FRESH;
      expect(() => readEnv(['--frsh'])).to.throw(/unknown argument --frsh/);
    } finally {
      process.env = saved;
    }
  });
});
