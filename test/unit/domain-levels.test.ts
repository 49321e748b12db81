import { expect } from 'chai';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import { adverseMove, protocolLevel, type Level } from '../../src/domain/levels';

describe('domain/levels', () => {
  const atr = 200;
  const cases: [number, Level][] = [
    [-500, 0],
    [0, 0],
    [199, 0],
    [200, 1],
    [399, 1],
    [400, 2],
    [599, 2],
    [600, 3],
    [5000, 3],
  ];
  for (const [move, want] of cases) it(`when the adverse move is ${move} with ATR ${atr}, then the level is ${want}`, () => expect(protocolLevel(move, atr, DEFAULT_PROTOCOL.levels)).to.equal(want));
  const moves: ['C' | 'P', number, number, number][] = [
    ['P', 100, 90, 10],
    ['P', 100, 110, -10],
    ['C', 100, 110, 10],
    ['C', 100, 90, -10],
  ];
  for (const [right, entry, now, want] of moves)
    it(`when a short ${right} was entered at ${entry} and the price is ${now}, then the adverse move is ${want}`, () => expect(adverseMove(right, entry, now)).to.equal(want));
  it('when ATR is not positive, then the level is refused', () => expect(() => protocolLevel(1, 0, DEFAULT_PROTOCOL.levels)).to.throw(RangeError));
});
