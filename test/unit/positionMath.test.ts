import { expect } from 'chai';
import { applyFill, EMPTY_POSITION, marketValueCents, positionType, unrealizedPnlCents } from '../../src/domain/positionMath';

describe('position math', () => {
  it('when two buys fill, then the entry is their weighted average', () => {
    const p = applyFill(applyFill(EMPTY_POSITION, 1, '150.20', 100), 3, '151.00', 100);
    expect(p.quantity).to.equal(4);
    expect(p.avgPrice).to.equal('150.8');
    expect(p.realizedPnlCents).to.equal(0);
  });

  it('when a short put is bought back cheaper, then the gain is realised to the cent', () => {
    // sold 2 @ 2.35, bought 1 @ 1.10 => (2.35 - 1.10) * 1 * 100 = 125.00
    const p = applyFill(applyFill(EMPTY_POSITION, -2, '2.35', 100), 1, '1.10', 100);
    expect(p).to.deep.equal({ quantity: -1, avgPrice: '2.35', realizedPnlCents: 12500 });
  });

  it('when a fill crosses zero, then the remainder opens at the fill price', () => {
    const p = applyFill(applyFill(EMPTY_POSITION, 100, '10', 1), -150, '12.5', 1);
    expect(p).to.deep.equal({ quantity: -50, avgPrice: '12.5', realizedPnlCents: 25000 });
  });

  it('when marked, then value and unrealised P&L use the multiplier exactly', () => {
    const p = applyFill(EMPTY_POSITION, 1, '150.20', 100);
    expect(marketValueCents(1, '155', 100)).to.equal(1_550_000);
    expect(unrealizedPnlCents(p, '155', 100)).to.equal(48_000);
    expect(() => applyFill(p, 0.5, '1', 1)).to.throw(RangeError);
  });

  it('when typed, then side and instrument give the seed position_type', () => {
    expect(positionType('OPT', 'C', 1)).to.equal('LONG_CALL');
    expect(positionType('OPT', 'P', -2)).to.equal('SHORT_PUT');
    expect(positionType('STK', '', -5)).to.equal('SHORT_STOCK');
  });
});
