import { expect } from 'chai';
import { OrderBook } from '../../activities/broker/order-book';
import { applyEvent, newOrderState, nextStatus, type OrderEvent } from '../../activities/broker/order-state';
import type { BrokerOrderState } from '../../src/contracts/broker';

const run = (total: number, events: OrderEvent[]): BrokerOrderState => events.reduce((s, ev) => applyEvent(s, total, ev), newOrderState('ref', 1000, total));

const os = (ibStatus: string, filled?: number, avgFillPrice?: number): OrderEvent => ({ type: 'orderStatus', ibStatus, filled, avgFillPrice });
const ex = (execId: string, shares: number, price: number): OrderEvent => ({ type: 'exec', execId, time: 't', shares, price });
const cr = (execId: string, commission: number): OrderEvent => ({ type: 'commission', execId, commission });
const er = (code: number, text = 'x'): OrderEvent => ({ type: 'error', code, text });

describe('broker order state machine', () => {
  it('when status, fill and commission arrive in TWS order, then FILLED with price and commission', () => {
    const s = run(10, [os('Submitted', 0), ex('e1', 10, 150.5), os('Filled', 10, 150.5), cr('e1', 1.25)]);
    expect(s).to.include({ status: 'FILLED', filledQuantity: 10, remainingQuantity: 0, avgFillPrice: 150.5, commission: 1.25, commissionsComplete: true });
  });

  it('when Filled arrives before the execution, then commissions are not complete until fill and report are in', () => {
    let s = run(10, [os('Filled', 10, 2)]);
    expect(s).to.include({ status: 'FILLED', commissionsComplete: false });
    s = applyEvent(s, 10, ex('e1', 10, 2));
    expect(s.commissionsComplete).to.equal(false);
    s = applyEvent(s, 10, cr('e1', 0.65));
    expect(s).to.include({ commissionsComplete: true, commission: 0.65 });
  });

  it('when fills arrive before any status, then the fills alone make it FILLED', () => {
    expect(run(4, [ex('e1', 1, 10), ex('e2', 3, 12)])).to.include({ status: 'FILLED', filledQuantity: 4, avgFillPrice: 11.5 });
  });

  it('when part is filled, then PARTIALLY_FILLED, and a later Submitted does not undo it', () => {
    const s = run(10, [os('Submitted'), ex('e1', 4, 1), os('Submitted', 4, 1)]);
    expect(s).to.include({ status: 'PARTIALLY_FILLED', filledQuantity: 4, remainingQuantity: 6 });
  });

  it('when IB reports Filled after Cancelled (a fill raced the cancel), then FILLED wins', () => {
    expect(run(1, [os('Submitted'), os('PendingCancel'), os('Cancelled'), os('Filled', 1, 3)]).status).to.equal('FILLED');
  });

  it('when a late Cancelled or error arrives after Filled, then it stays FILLED without a reason', () => {
    const s = run(1, [ex('e1', 1, 3), os('Cancelled'), er(202), er(4242)]);
    expect(s.status).to.equal('FILLED');
    expect(s.reason).to.equal(undefined);
  });

  it('when PendingCancel arrives, then the order is still working', () => {
    expect(run(1, [os('Submitted'), os('PendingCancel')]).status).to.equal('SUBMITTED');
  });

  it('when a cancel completes, then CANCELLED with the 202 reason, and a late Submitted is ignored', () => {
    const s = run(5, [os('Submitted'), os('Cancelled'), er(202, 'Order Canceled - reason:'), os('Submitted')]);
    expect(s).to.include({ status: 'CANCELLED', reason: 'IB_202: Order Canceled - reason:' });
  });

  it('when IB says Inactive and then 201, then REJECTED with the 201 reason', () => {
    expect(run(1, [os('Inactive'), er(201, 'Order rejected - reason: no')])).to.include({ status: 'REJECTED', reason: 'IB_201: Order rejected - reason: no' });
  });

  it('when a 399 or 2xxx warning arrives, then nothing changes', () => {
    const s = run(1, [os('Submitted'), er(399), er(2109)]);
    expect(s.status).to.equal('SUBMITTED');
    expect(s.reason).to.equal(undefined);
  });

  it('when an unknown error code arrives on a working order, then REJECTED with its code', () => {
    expect(run(1, [os('Submitted'), er(777, 'odd')])).to.include({ status: 'REJECTED', reason: 'IB_777: odd' });
  });

  it('when a partially filled order is cancelled, then CANCELLED keeps the filled quantity', () => {
    expect(run(10, [ex('e1', 3, 1), os('Cancelled', 3, 1)])).to.include({ status: 'CANCELLED', filledQuantity: 3, remainingQuantity: 7 });
  });

  it('when an execution is replayed by a resync, then it is counted once', () => {
    const s = run(10, [ex('e1', 5, 1), ex('e1', 5, 1)]);
    expect(s).to.include({ filledQuantity: 5, status: 'PARTIALLY_FILLED' });
  });

  it('when events are applied, then the previous snapshot is not mutated', () => {
    const a = run(2, [ex('e1', 1, 1)]);
    const b = applyEvent(a, 2, cr('e1', 1));
    expect(a.fills[0]!.commission).to.equal(undefined);
    expect(b.fills[0]!.commission).to.equal(1);
  });

  const edges: Array<[string, string, string]> = [
    ['PENDING_SUBMIT', 'SUBMITTED', 'SUBMITTED'],
    ['SUBMITTED', 'PENDING_SUBMIT', 'SUBMITTED'],
    ['PARTIALLY_FILLED', 'SUBMITTED', 'PARTIALLY_FILLED'],
    ['CANCELLED', 'FILLED', 'FILLED'],
    ['REJECTED', 'FILLED', 'FILLED'],
    ['FILLED', 'CANCELLED', 'FILLED'],
    ['CANCELLED', 'SUBMITTED', 'CANCELLED'],
    ['REJECTED', 'CANCELLED', 'REJECTED'],
    ['SUBMITTED', 'REJECTED', 'REJECTED'],
  ];
  for (const [from, incoming, to] of edges) {
    it(`when ${from} meets ${incoming}, then ${to}`, () => {
      expect(nextStatus(from as never, incoming as never)).to.equal(to);
    });
  }
});

describe('broker order book', () => {
  it('when orderStatus and commission arrive before the events that name their order, then they are applied later', () => {
    const b = new OrderBook(7);
    b.onOrderEvent(2001, 7, os('Submitted'));
    b.onCommission('e9', 0.5);
    b.onOpenOrder(2001, 7, 'restart-ref', 3, { type: 'openOrder', ibStatus: 'Submitted', totalQuantity: 3 });
    b.onExec(2001, 7, 'restart-ref', { type: 'exec', execId: 'e9', time: 't', shares: 3, price: 4 });
    expect(b.get('restart-ref')).to.include({ brokerOrderId: 2001, status: 'FILLED', commission: 0.5, commissionsComplete: true });
  });

  it('when a resync shows only executions of a past order, then it is FILLED with their quantity', () => {
    const b = new OrderBook(7);
    b.beginResync();
    b.onExec(1500, 7, 'old', { type: 'exec', execId: 'a', time: 't', shares: 2, price: 1 });
    expect(b.get('old')!.status).to.equal('PARTIALLY_FILLED'); // quantity unknown until the resync ends
    b.endResync(1);
    expect(b.get('old')).to.include({ status: 'FILLED', filledQuantity: 2, remainingQuantity: 0 });
  });

  it('when the fills of a working order arrive before its openOrder, then it is not taken for FILLED', () => {
    const b = new OrderBook(7);
    b.beginResync();
    b.onExec(1600, 7, 'work', { type: 'exec', execId: 'x', time: 't', shares: 3, price: 1 });
    b.onOpenOrder(1600, 7, 'work', 10, { type: 'openOrder', ibStatus: 'Submitted', totalQuantity: 10 });
    b.endResync(1);
    expect(b.get('work')).to.include({ status: 'PARTIALLY_FILLED', filledQuantity: 3, remainingQuantity: 7 });
  });

  it('when our placement on an older connection left no trace at the broker, then the resync drops it', () => {
    const b = new OrderBook(7);
    b.create('lost', 1000, 1, 1);
    b.create('kept', 1001, 1, 1);
    b.onOrderEvent(1001, 7, os('Submitted'));
    b.create('current', 1002, 1, 2);
    b.beginResync();
    b.onOpenOrder(1001, 7, 'kept', 1, { type: 'openOrder', ibStatus: 'Submitted', totalQuantity: 1 });
    expect(b.endResync(2)).to.deep.equal(['lost']);
    expect(b.get('lost')).to.equal(null);
    expect(b.get('kept')!.status).to.equal('SUBMITTED');
    expect(b.get('current')).to.not.equal(null);
  });

  it('when the broker acknowledged an order and a later resync lists it nowhere (gateway restarted fresh), then it ends CANCELLED BROKER_LOST_ORDER', () => {
    const b = new OrderBook(7);
    b.create('gone', 1000, 10, 1);
    b.onOrderEvent(1000, 7, os('Submitted'));
    b.onExec(1000, 7, 'gone', { type: 'exec', execId: 'g1', time: 't', shares: 4, price: 2 }); // commission report never comes
    b.create('open', 1001, 1, 1);
    b.onOrderEvent(1001, 7, os('Submitted'));
    b.create('done', 1002, 1, 1);
    b.onOrderEvent(1002, 7, os('Cancelled'));
    const heard: string[] = [];
    b.on('gone', (st) => heard.push(st.status));
    b.beginResync();
    b.onOpenOrder(1001, 7, 'open', 1, { type: 'openOrder', ibStatus: 'Submitted', totalQuantity: 1 });
    expect(b.endResync(2)).to.deep.equal([]);
    expect(b.lastLost).to.deep.equal(['gone']);
    const gone = b.get('gone')!;
    expect(gone).to.include({ status: 'CANCELLED', filledQuantity: 4, commissionsComplete: true });
    expect(gone.reason).to.match(/^BROKER_LOST_ORDER: /);
    expect(heard).to.deep.equal(['CANCELLED']); // waiting callers hear it at once
    expect(b.get('open')!.status).to.equal('SUBMITTED');
    expect(b.get('done')!.reason ?? '').to.not.match(/BROKER_LOST_ORDER/);
    // A new order under the lost one's broker id (a fresh gateway restarts its ids) is not mistaken for it.
    b.create('new', 1000, 1, 2);
    b.onOrderEvent(1000, 7, os('Submitted'));
    expect(b.get('new')!.status).to.equal('SUBMITTED');
    expect(b.get('gone')!.status).to.equal('CANCELLED');
  });

  it('when an order placed on the current connection is missing from a resync on that connection, then it is not taken for lost', () => {
    const b = new OrderBook(7);
    b.create('fresh', 1000, 1, 3);
    b.onOrderEvent(1000, 7, os('Submitted'));
    b.beginResync();
    b.endResync(3);
    expect(b.lastLost).to.deep.equal([]);
    expect(b.get('fresh')!.status).to.equal('SUBMITTED');
  });

  it('when an order without orderRef is reported (not ours), then it is not tracked', () => {
    const b = new OrderBook(7);
    b.onOpenOrder(5, 0, '', 1, { type: 'openOrder', ibStatus: 'Submitted' });
    expect(b.size).to.equal(0);
  });

  it('when a listener is registered, then it sees every change of its ref', () => {
    const b = new OrderBook(7);
    const seen: string[] = [];
    b.create('r', 1, 1, 1);
    const off = b.on('r', (s) => seen.push(s.status));
    b.onOrderEvent(1, undefined, os('Submitted'));
    b.onOrderEvent(1, undefined, os('Filled', 1, 1));
    off();
    b.onOrderEvent(1, undefined, os('Cancelled'));
    expect(seen).to.deep.equal(['SUBMITTED', 'FILLED']);
  });
});
