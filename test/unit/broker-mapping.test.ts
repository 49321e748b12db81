import { expect } from 'chai';
import { ORDER_STATUSES } from '../../src/contracts/instruction';
import {
  ACTION_TABLE,
  EXEC_SIDE_TABLE,
  IB_ERROR_TABLE,
  IB_STATUSES,
  IB_STATUS_TABLE,
  ORDER_TYPE_TABLE,
  TIF_TABLE,
  actionFromIb,
  actionToIb,
  ibStatusToOrderStatus,
  ibStatusesFor,
  mapIbError,
  orderTypeFromIb,
  orderTypeToIb,
  sideFromIb,
  sideToIb,
  tifFromIb,
  tifToIb,
} from '../../activities/broker/ib-mapping';
import { toIbContract, toIbOrder, validateRequest } from '../../activities/broker/ib-orders';
import { InvalidBrokerRequestError } from '../../activities/broker/errors';
import type { BrokerOrderRequest } from '../../src/contracts/broker';

describe('broker mapping (IB <-> ALL-USE tables)', () => {
  describe('IB status -> order status', () => {
    const expected: Record<string, string | null> = {
      ApiPending: 'PENDING_SUBMIT',
      PendingSubmit: 'PENDING_SUBMIT',
      PreSubmitted: 'SUBMITTED',
      Submitted: 'SUBMITTED',
      PendingCancel: 'SUBMITTED',
      ApiCancelled: 'CANCELLED',
      Cancelled: 'CANCELLED',
      Filled: 'FILLED',
      Inactive: 'REJECTED',
      Unknown: null,
    };
    for (const [ib, ours] of Object.entries(expected)) {
      it(`when IB reports ${ib}, then the status is ${ours}`, () => {
        expect(ibStatusToOrderStatus(ib)).to.equal(ours);
      });
    }
    it('when the table is read, then every IB status has exactly one row', () => {
      expect(IB_STATUS_TABLE.map(([s]) => s)).to.have.members([...IB_STATUSES]);
      expect(Object.keys(expected)).to.have.members([...IB_STATUSES]);
    });
    it('when IB sends a status it never documented, then it is ignored (null)', () => {
      expect(ibStatusToOrderStatus('SomethingNew')).to.equal(null);
    });
    for (const st of ORDER_STATUSES) {
      it(`when reversed, ${st} comes from the IB statuses mapping to it`, () => {
        const back = ibStatusesFor(st);
        for (const ib of back) expect(ibStatusToOrderStatus(ib)).to.equal(st);
        // PARTIALLY_FILLED is derived from fills, not from an IB status string.
        if (st === 'PARTIALLY_FILLED') expect(back).to.deep.equal([]);
        else expect(back.length).to.be.greaterThan(0);
      });
    }
  });

  const pairs: Array<[string, ReadonlyArray<readonly [string, string]>, (a: never) => string, (b: string) => string]> = [
    ['action', ACTION_TABLE, actionToIb, actionFromIb],
    ['order type', ORDER_TYPE_TABLE, orderTypeToIb, orderTypeFromIb],
    ['tif', TIF_TABLE, tifToIb, tifFromIb],
  ];
  for (const [name, table, to, from] of pairs) {
    describe(name, () => {
      for (const [ours, ib] of table) {
        it(`when ${ours} goes to IB, then it is ${ib}, and ${ib} comes back as ${ours}`, () => {
          expect(to(ours as never)).to.equal(ib);
          expect(from(ib)).to.equal(ours);
        });
      }
      it('when IB sends a value outside the table, then it throws', () => {
        expect(() => from('NOPE')).to.throw(/unknown IB/);
      });
    });
  }

  describe('execution side', () => {
    for (const [ib, ours] of EXEC_SIDE_TABLE) {
      it(`when IB reports ${ib}, then the action is ${ours}, and back`, () => {
        expect(sideFromIb(ib)).to.equal(ours);
        expect(sideToIb(ours)).to.equal(ib);
      });
    }
  });

  describe('IB errors on an order', () => {
    const expected: Array<[number, string | null, string, boolean]> = [
      [100, 'REJECTED', 'pacing', true],
      [103, 'REJECTED', 'reject', true],
      [110, 'REJECTED', 'reject', false],
      [200, 'REJECTED', 'reject', false],
      [201, 'REJECTED', 'reject', false],
      [202, 'CANCELLED', 'cancel', false],
      [399, null, 'warning', false],
      [161, null, 'cancel-failed', false],
      [10147, null, 'cancel-failed', false],
      [10148, null, 'cancel-failed', false],
    ];
    for (const [code, status, kind, retryable] of expected) {
      it(`when IB sends ${code}, then status ${status}, kind ${kind}, retryable ${retryable}`, () => {
        const m = mapIbError(code, 'text here');
        expect(m).to.include({ status, kind, retryable, code, unknown: false });
        expect(m.reason).to.equal(`IB_${code}: text here`);
      });
    }
    it('when the table is read, then every row is tested above', () => {
      expect(IB_ERROR_TABLE.map(([c]) => c)).to.have.members(expected.map(([c]) => c));
    });
    it('when a 2xxx warning arrives, then it is not fatal', () => {
      for (const code of [2100, 2104, 2109, 2158, 2999]) expect(mapIbError(code, 'w')).to.include({ status: null, kind: 'warning' });
    });
    it('when an unknown code arrives on an order, then it is REJECTED with that code', () => {
      const m = mapIbError(4242, 'mystery');
      expect(m).to.include({ status: 'REJECTED', unknown: true, reason: 'IB_4242: mystery' });
    });
  });

  describe('request -> IB contract and order', () => {
    const stk: BrokerOrderRequest = { orderRef: 'r1', symbol: 'AAPL', secType: 'STK', action: 'BUY', quantity: 10, orderType: 'MKT', tif: 'DAY' };
    const opt: BrokerOrderRequest = {
      orderRef: 'r2',
      symbol: 'AAPL',
      secType: 'OPT',
      expiry: '20250117',
      strike: 150,
      right: 'C',
      action: 'SELL',
      quantity: 2,
      orderType: 'LMT',
      limitPrice: 2.5,
      tif: 'GTC',
    };
    it('when a stock MKT order is translated, then it carries orderRef, account and transmit', () => {
      expect(toIbContract(stk)).to.deep.equal({ symbol: 'AAPL', exchange: 'SMART', currency: 'USD', secType: 'STK' });
      const o = toIbOrder(stk, 'DU1');
      expect(o).to.deep.equal({ action: 'BUY', totalQuantity: 10, orderType: 'MKT', tif: 'DAY', account: 'DU1', orderRef: 'r1', transmit: true });
    });
    it('when an option LMT order is translated, then expiry/strike/right/multiplier and lmtPrice are set', () => {
      expect(toIbContract(opt)).to.include({ secType: 'OPT', lastTradeDateOrContractMonth: '20250117', strike: 150, right: 'C', multiplier: 100 });
      expect(toIbOrder(opt, 'DU1')).to.include({ action: 'SELL', orderType: 'LMT', lmtPrice: 2.5, tif: 'GTC' });
    });
    const bad: Array<[string, Partial<BrokerOrderRequest>]> = [
      ['no orderRef', { orderRef: '' }],
      ['zero quantity', { quantity: 0 }],
      ['LMT without price', { orderType: 'LMT' }],
      ['MKT with price', { limitPrice: 1 }],
      ['OPT without strike', { secType: 'OPT', expiry: '20250117', right: 'C' }],
      ['OPT with a bad expiry', { secType: 'OPT', expiry: '2025-01-17', strike: 1, right: 'C' }],
    ];
    for (const [what, patch] of bad) {
      it(`when the request has ${what}, then it is refused before reaching IB`, () => {
        expect(() => validateRequest({ ...stk, ...patch })).to.throw(InvalidBrokerRequestError);
      });
    }
  });
});
