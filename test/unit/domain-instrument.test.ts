import { expect } from 'chai';
import { TRADE_ACTIONS, type TradeInstruction } from '../../src/contracts/instruction';
import { toBrokerOrder } from '../../src/domain/instrument';

const base: TradeInstruction = {
  starlab_strategy_id: 'DIS_AAPL_20250507_001',
  scheme_type: 'DIS',
  symbol: 'AAPL',
  trade_action: 'BUY_TO_OPEN_CALL',
  quantity: 2,
  order_type: 'LIMIT',
  limit_price: 150.25,
  expiration_date: '2025-05-16',
  strike_price: 150,
  time_in_force: 'DAY',
  client_order_id: 'c1',
};

describe('instruction → broker order', () => {
  const rows: [TradeInstruction['trade_action'], 'BUY' | 'SELL', 'STK' | 'OPT', 'C' | 'P' | undefined][] = [
    ['BUY_TO_OPEN_CALL', 'BUY', 'OPT', 'C'],
    ['SELL_TO_OPEN_CALL', 'SELL', 'OPT', 'C'],
    ['BUY_TO_CLOSE_CALL', 'BUY', 'OPT', 'C'],
    ['SELL_TO_CLOSE_CALL', 'SELL', 'OPT', 'C'],
    ['BUY_TO_OPEN_PUT', 'BUY', 'OPT', 'P'],
    ['SELL_TO_OPEN_PUT', 'SELL', 'OPT', 'P'],
    ['BUY_TO_CLOSE_PUT', 'BUY', 'OPT', 'P'],
    ['SELL_TO_CLOSE_PUT', 'SELL', 'OPT', 'P'],
    ['BUY_STOCK', 'BUY', 'STK', undefined],
    ['SELL_STOCK', 'SELL', 'STK', undefined],
  ];
  it('when every trade action is mapped, then none is missing', () => {
    expect(rows.map((r) => r[0]).sort()).to.deep.equal([...TRADE_ACTIONS].sort());
  });
  for (const [action, side, secType, right] of rows) {
    it(`when ${action}, then ${side} ${secType} ${right ?? ''}`, () => {
      const stock = secType === 'STK';
      const o = toBrokerOrder('au_1', { ...base, trade_action: action, ...(stock ? { expiration_date: undefined, strike_price: undefined } : {}) });
      expect([o.action, o.secType, o.right]).to.deep.equal([side, secType, right]);
      if (!stock) expect([o.expiry, o.strike]).to.deep.equal(['20250516', 150]);
      expect([o.orderRef, o.orderType, o.limitPrice, o.tif, o.quantity]).to.deep.equal(['au_1', 'LMT', 150.25, 'DAY', 2]);
    });
  }
  it('when MARKET, then MKT without a limit price', () => {
    const o = toBrokerOrder('au_2', { ...base, order_type: 'MARKET', limit_price: undefined, time_in_force: 'GTC' });
    expect([o.orderType, o.limitPrice, o.tif]).to.deep.equal(['MKT', undefined, 'GTC']);
  });
});
