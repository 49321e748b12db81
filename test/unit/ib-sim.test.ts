import { expect } from 'chai';
import { DateTime, Duration } from 'luxon';
import { commissionFor } from '../../src/ib-sim/account';
import { blackScholes } from '../../src/ib-sim/bs';
import { isTradingDay, NY, sessionEvents, SimClock, weeklyExpiry } from '../../src/ib-sim/clock';
import { encodeFrame, encodeHello, FrameReader, MAX_DOUBLE } from '../../src/ib-sim/codec';
import { Market } from '../../src/ib-sim/market';
import { csvHistory, weeklyOf } from '../../src/ib-sim/history';
import { parseContract } from '../../src/ib-sim/parse';
import { commissionReport, completedOrder, contractData, errMsg, executionData, openOrder, orderStatus, position } from '../../src/ib-sim/messages';
import { Execution, OrderRecord } from '../../src/ib-sim/types';

describe('ib-sim codec and layouts', () => {
  const market = new Market(new SimClock('manual', new Date('2026-11-23T15:00:00Z')), { prices: { AAPL: 200 } });
  const opt = market.contract('AAPL', 'OPT', '20261127', 200, 'P');
  const order: OrderRecord = {
    orderId: 1000,
    clientId: 1,
    permId: 7,
    contract: opt,
    action: 'SELL',
    quantity: 2,
    orderType: 'LMT',
    limitPrice: 2.5,
    tif: 'DAY',
    account: 'DU1',
    orderRef: 'r',
    transmit: true,
    status: 'Submitted',
    filled: 0,
    commissionPaid: 0,
    receivedAt: new Date(),
  };
  const exec: Execution = {
    execId: 'e1',
    orderId: 1000,
    clientId: 1,
    permId: 7,
    contract: opt,
    side: 'SLD',
    shares: 2,
    price: 2.5,
    cumQty: 2,
    avgPrice: 2.5,
    orderRef: 'r',
    account: 'DU1',
    time: new Date(),
    commission: 1.3,
  };

  it('when a message is encoded, then every field ends in NUL and the length prefix matches', () => {
    const f = encodeFrame([49, 1, true, false, undefined, 0.1 + 0.2]);
    expect(f.readUInt32BE(0)).to.equal(f.length - 4);
    expect(f.subarray(4).toString()).to.equal('49\u00001\u00001\u00000\u0000\u00000.3\u0000');
  });

  it('when frames arrive split and batched, then the reader returns each message once', () => {
    const r = new FrameReader();
    const bytes = Buffer.concat([encodeHello('v100..193'), encodeFrame([71, 2, 7, '']), encodeFrame([49, 1])]);
    const out = [];
    for (let i = 0; i < bytes.length; i += 3) out.push(...r.feed(bytes.subarray(i, i + 3)));
    expect(out).to.deep.equal([
      { kind: 'hello', minVersion: 100, maxVersion: 193, raw: 'v100..193' },
      { kind: 'message', fields: ['71', '2', '7', ''] },
      { kind: 'message', fields: ['49', '1'] },
    ]);
  });

  it('when the stream does not start with API\\0, then the reader refuses it', () => {
    expect(() => new FrameReader().feed(Buffer.from('GET / HTTP/1.1\r\n'))).to.throw(/API/);
  });

  const cases: Array<[string, unknown[], number]> = [
    ['OPEN_ORDER', openOrder(order), 128],
    ['ORDER_STATUS', orderStatus(order), 12],
    ['EXECUTION_DATA', executionData(-1, exec), 31],
    ['COMMISSION_REPORT', commissionReport(exec), 8],
    ['ERR_MSG', errMsg(1, 202, 'x'), 6],
    ['POSITION', position('DU1', opt, -2, 250), 16],
    ['CONTRACT_DATA', contractData(1, opt, { longName: 'x', underConId: 1, minTick: 0.01 }), 40],
    ['COMPLETED_ORDER', completedOrder({ ...order, status: 'Filled', completedAt: new Date() }), 96],
  ];
  for (const [name, fields, n] of cases) {
    it(`when ${name} is built, then it has the ${n} tokens the 176 decoder reads`, () => expect(fields).to.have.length(n));
  }

  it('when OPEN_ORDER is built for a MKT order, then lmtPrice is Double.MAX (unset), not ""', () => {
    expect(openOrder({ ...order, orderType: 'MKT', limitPrice: undefined })[16]).to.equal(MAX_DOUBLE);
  });
});

describe('ib-sim pricing, commissions and calendar', () => {
  it('when pricing at-the-money, then put-call parity holds and greeks have the right signs', () => {
    const c = blackScholes('C', 100, 100, 0.25, 0.3, 0.04);
    const p = blackScholes('P', 100, 100, 0.25, 0.3, 0.04);
    expect(c.price - p.price).to.be.closeTo(100 - 100 * Math.exp(-0.04 * 0.25), 1e-6);
    expect(c.price).to.be.closeTo(6.458, 0.01);
    expect(c.delta).to.be.within(0.5, 0.6);
    expect(p.delta).to.be.within(-0.5, -0.4);
    expect(c.theta).to.be.below(0);
  });

  const rows: Array<[string, 'STK' | 'OPT', number, number, number]> = [
    ['1 contract pays the $1 minimum', 'OPT', 1, 2, 1],
    ['10 contracts pay $6.50', 'OPT', 10, 2, 6.5],
    ['100 shares pay the $1 minimum', 'STK', 100, 50, 1],
    ['1000 shares pay $5', 'STK', 1000, 50, 5],
    ['stock is capped at 1% of value', 'STK', 1000, 0.2, 2],
  ];
  for (const [name, sec, qty, px, want] of rows) {
    it(`when commission is computed, then ${name}`, () => {
      const m = new Market(new SimClock('open'));
      expect(commissionFor(m.contract('X', sec, '20300118', 10, 'C'), qty, px)).to.equal(want);
    });
  }

  it('when Good Friday 2026 falls in the week, then the weekly expiry is Thursday and the day is not traded', () => {
    const d = DateTime.fromISO('2026-04-01', { zone: NY });
    expect(weeklyExpiry(d).toISODate()).to.equal('2026-04-02');
    expect(isTradingDay(DateTime.fromISO('2026-04-03', { zone: NY }))).to.equal(false);
  });

  it('when a weekend is crossed, then only trading-day opens and closes are reported', () => {
    const ev = sessionEvents(new Date('2026-11-20T20:00:00Z'), new Date('2026-11-23T22:00:00Z'));
    expect(ev.map((e) => `${e.kind}@${e.at.toISOString()}`)).to.deep.equal(['close@2026-11-20T21:00:00.000Z', 'open@2026-11-23T14:30:00.000Z', 'close@2026-11-23T21:00:00.000Z']);
  });

  it('when the same seed is used, then GBM paths repeat', () => {
    const run = (): number => {
      const m = new Market(new SimClock('manual'), { prices: { AAPL: 100 }, seed: 9 });
      for (let i = 0; i < 5; i++) m.evolve(1 / 52);
      return m.price('AAPL');
    };
    expect(run()).to.equal(run());
    expect(run()).to.not.equal(100);
  });

  const hours: Array<[string, string, boolean]> = [
    ['a Tuesday at 10:00 New York', '2026-11-24T15:00:00Z', true],
    ['a Tuesday at 9:29', '2026-11-24T14:29:00Z', false],
    ['a Tuesday at 16:00 sharp', '2026-11-24T21:00:00Z', false],
    ['Thanksgiving at noon', '2026-11-26T17:00:00Z', false],
    ['a Saturday at noon', '2026-11-28T17:00:00Z', false],
    ['a summer Monday at 9:30 EDT', '2026-07-13T13:30:00Z', true],
  ];
  for (const [name, at, open] of hours) {
    it(`when the exchange clock is asked about ${name}, then the market is ${open ? 'open' : 'closed'}`, () => {
      expect(new SimClock('exchange').isOpen(new Date(at))).to.equal(open);
      expect(new SimClock('open').isOpen(new Date(at))).to.equal(true);
    });
  }

  it('when a contract says YYYYMM and CALL, then it becomes the third Friday and C', () => {
    const m = new Market(new SimClock('manual', new Date('2026-11-23T15:00:00Z')));
    const t = ['', 'aapl', 'OPT', '202612', '200', 'CALL', '100', 'SMART', '', 'USD', '', ''];
    expect(parseContract(t, 0, m)).to.include({ symbol: 'AAPL', expiry: '20261218', strike: 200, right: 'C', localSymbol: 'AAPL  261218C00200000' });
    expect(() => parseContract(['', 'AAPL', 'OPT', '2026', '200', 'C'], 0, m)).to.throw(/security definition/);
    expect(() => parseContract(['', '', 'STK'], 0, m)).to.throw(/security definition/);
    const known = parseContract(['', 'AAPL', 'STK'], 0, m);
    expect(parseContract([String(known.conId), '', ''], 0, m)).to.deep.equal(known);
  });
});

describe('ib-sim CSV history: weekly bars of a replay (issue 13 parity)', () => {
  // Three weeks of daily rows: Thu/Fri, a whole week, and a Monday.
  const rows = [
    { date: '2008-07-03', open: 126, high: 127, low: 125, close: 126.29 },
    { date: '2008-07-07', open: 126.29, high: 127.39, low: 124.07, close: 125.23 },
    { date: '2008-07-08', open: 125.18, high: 127.42, low: 124.28, close: 127.37 },
    { date: '2008-07-11', open: 124.87, high: 125.73, low: 122.53, close: 123.95 },
    { date: '2008-07-14', open: 124.16, high: 125.35, low: 122.5, close: 122.83 },
  ];
  const end = DateTime.fromISO('2008-07-14T16:00', { zone: NY });

  it('when weekly bars are asked of a CSV replay, then each calendar week is one bar of its days (not a synthetic path)', () => {
    const weeks = weeklyOf(csvHistory(rows, end, Duration.fromObject({ weeks: 66 })));
    expect(weeks.map((b) => [b.time.toISODate(), b.open, b.high, b.low, b.close])).to.deep.equal([
      ['2008-07-03', 126, 127, 125, 126.29],
      ['2008-07-07', 126.29, 127.42, 122.53, 123.95],
      ['2008-07-14', 124.16, 125.35, 122.5, 122.83],
    ]);
  });
});
