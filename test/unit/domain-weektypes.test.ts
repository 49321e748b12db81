import { expect } from 'chai';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import { classifyWeek, emptyWeekTypeCounts, WEEK_TYPES, type WeekInput, type WeekType } from '../../src/domain/weekTypes';

const rules = DEFAULT_PROTOCOL.weekTypes; // L = 5 %, P-DD at 3 ATR, C-WAP+ at B × 1.05
const put = (close: number, atr = 100, rolled = false): WeekInput => ({ kind: 'PUT', rolled, strike: 10000, close, atr });
const call = (close: number, strike = 10000, costBasis = 9000, rolled = false): WeekInput => ({ kind: 'CALL', rolled, strike, close, costBasis });

describe('domain/weekTypes', () => {
  // K = $100.00; K × (1 − L) = $95.00; K − 3A = $97.00 with A = $1, $85.00 with A = $5.
  const cases: [string, WeekInput, WeekType][] = [
    ['a rolled put, even deep in the money', put(5000, 100, true), 'P-RO'],
    ['S = K', put(10000), 'P-EW'],
    ['S above K', put(12000), 'P-EW'],
    ['S one cent below K', put(9999), 'P-AWL'],
    ['S exactly K × (1 − L)', put(9500), 'P-AWL'],
    ['S one cent under K × (1 − L), A = $5 (K − 3A = $85)', put(9499, 500), 'P-AOL'],
    ['S at K − 3A exactly ($85.00), A = $5', put(8500, 500), 'P-AOL'],
    ['S one cent under K − 3A, A = $5', put(8499, 500), 'P-DD'],
    ['S under both limits, A = $1: P-AWL is not reached, P-DD is checked before P-AOL', put(9400, 100), 'P-DD'],
    ['S within L although under K − 3A (A = $1): table order gives P-AWL first', put(9600, 100), 'P-AWL'],
    ['a rolled call', call(5000, 10000, 9000, true), 'C-RO'],
    ['S one cent under B', call(8999), 'C-REC'],
    ['S under B even above K', call(9500, 9000, 9600), 'C-REC'],
    ['S = B, under K', call(9000), 'C-PNO'],
    ['S = K and K = B × 1.05 exactly', call(10500, 10500, 10000), 'C-WAP+'],
    ['S = K and K one cent under B × 1.05', call(10499, 10499, 10000), 'C-WAP'],
    ['S above K, K = B', call(10200, 10000, 10000), 'C-WAP'],
    ['S one cent under K, above B', call(9999), 'C-PNO'],
    ['no option position', { kind: 'IDLE' }, 'W-IDL'],
  ];
  for (const [what, input, want] of cases) it(`when ${what}, then the week is ${want}`, () => expect(classifyWeek(input, rules)).to.equal(want));

  it('when L is changed in the config, then the P-AWL boundary moves with it', () => expect(classifyWeek(put(9499, 500), { ...rules, assignmentLossLimit: 0.1 })).to.equal('P-AWL'));
  it('when an input is not whole cents, then it is refused', () => expect(() => classifyWeek(put(99.5), rules)).to.throw(RangeError));
  it('when counts are initialised, then all eleven types are present at zero', () => {
    expect(WEEK_TYPES).to.have.length(11);
    expect(Object.values(emptyWeekTypeCounts())).to.deep.equal(new Array(11).fill(0));
  });
});
