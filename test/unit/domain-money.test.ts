import { expect } from 'chai';
import fc from 'fast-check';
import Decimal from 'decimal.js';
import { add, allocate, cents, compareToFraction, fractionOf, fromDecimal, mulQty, percentOf, sub, toDecimal } from '../../src/domain/money';

describe('domain/money', () => {
  const parses: [string | number, number][] = [
    ['150.25', 15025],
    [150.25, 15025],
    ['0.1', 10],
    [0.3, 30],
    ['-0.05', -5],
    ['1e3', 100000],
    [' 7 ', 700],
  ];
  for (const [input, want] of parses) it(`when ${JSON.stringify(input)} is read, then it is ${want} cents exactly`, () => expect(fromDecimal(input)).to.equal(want));

  const refused: (string | number)[] = ['150.255', 'abc', '', Infinity, NaN, '1e400'];
  for (const input of refused) it(`when ${String(input)} is read without a rounding mode, then it is refused`, () => expect(() => fromDecimal(input)).to.throw(RangeError));

  const rounded: [string, 'HALF_EVEN' | 'HALF_UP' | 'UP' | 'DOWN', number][] = [
    ['1469.250000', 'HALF_UP', 146925],
    ['0.125', 'HALF_EVEN', 12],
    ['0.125', 'HALF_UP', 13],
    ['0.135', 'HALF_EVEN', 14],
    ['0.121', 'UP', 13],
    ['0.129', 'DOWN', 12],
    ['-0.125', 'HALF_UP', -13],
  ];
  for (const [input, mode, want] of rounded) it(`when ${input} is read with ${mode}, then it is ${want}`, () => expect(fromDecimal(input, mode)).to.equal(want));

  const printed: [number, string][] = [
    [15025, '150.25'],
    [5, '0.05'],
    [-5, '-0.05'],
    [0, '0.00'],
    [-100, '-1.00'],
  ];
  for (const [c, s] of printed) it(`when ${c} cents are printed, then they read ${s}`, () => expect(toDecimal(c)).to.equal(s));

  it('when a float or unsafe number is given as cents, then it is refused', () => {
    expect(() => cents(1.5)).to.throw(RangeError);
    expect(() => cents(2 ** 53)).to.throw(RangeError);
    expect(() => mulQty(100, 1.5)).to.throw(RangeError);
  });

  it('when amounts are added, subtracted and multiplied by a quantity, then the result is exact', () => {
    expect(add(10, 20, 30)).to.equal(60);
    expect(sub(10, 30)).to.equal(-20);
    expect(mulQty(15025, 3)).to.equal(45075);
  });

  const fractions: [number, number | string, 'HALF_EVEN' | 'HALF_UP' | 'UP' | 'DOWN', number][] = [
    [1000, 0.05, 'HALF_EVEN', 50],
    [250, 0.05, 'HALF_EVEN', 12],
    [250, 0.05, 'HALF_UP', 13],
    [270, 0.05, 'HALF_EVEN', 14],
    [1, 0.05, 'UP', 1],
    [19, 0.05, 'DOWN', 0],
    [100_000_000, '0.4', 'HALF_EVEN', 40_000_000],
  ];
  for (const [c, f, mode, want] of fractions) it(`when ${f} of ${c} cents is taken with ${mode}, then it is ${want}`, () => expect(fractionOf(c, f, mode)).to.equal(want));
  it('when any amount is multiplied by any fraction in any mode, then the integer path equals decimal.js', () => {
    const modes = { HALF_EVEN: Decimal.ROUND_HALF_EVEN, HALF_UP: Decimal.ROUND_HALF_UP, UP: Decimal.ROUND_UP, DOWN: Decimal.ROUND_DOWN } as const;
    fc.assert(
      fc.property(fc.integer({ min: -1e13, max: 1e13 }), fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(...(Object.keys(modes) as (keyof typeof modes)[])), (c, f6, mode) => {
        const f = f6 / 1e4; // up to 4 decimals, e.g. 0.0525
        const want = new Decimal(c).times(String(f)).toDecimalPlaces(0, modes[mode]).toNumber();
        expect(fractionOf(c, f, mode)).to.equal(want === 0 ? 0 : want);
      }),
      { numRuns: 300 },
    );
  });
  const comparisons: [number, number, number, number][] = [
    [9500, 10000, 0.95, 0],
    [9499, 10000, 0.95, -1],
    [10500, 10000, 1.05, 0],
    [10501, 10000, 1.05, 1],
    [1, 3, 0.3333333333, 1],
  ];
  for (const [a, b, f, want] of comparisons) it(`when ${a} is compared with ${b} × ${f}, then the sign is ${want}`, () => expect(compareToFraction(a, b, f)).to.equal(want));
  it('when a percentage is taken, then it equals the fraction /100', () => expect(percentOf(250, 5, 'HALF_UP')).to.equal(13));

  const splits: [number, (number | string)[], number[]][] = [
    [100, [40, 30, 30], [40, 30, 30]],
    [101, [40, 30, 30], [41, 30, 30]],
    [1, [1, 1, 1], [1, 0, 0]],
    [2, [1, 1, 1], [1, 1, 0]],
    [100_000_001, [0.4, 0.3, 0.3], [40_000_001, 30_000_000, 30_000_000]],
    [-101, [40, 30, 30], [-41, -30, -30]],
    [10, [1, 0], [10, 0]],
  ];
  for (const [total, w, want] of splits) it(`when ${total} is allocated ${w.join('/')}, then the shares are ${want.join('/')}`, () => expect(allocate(total, w)).to.deep.equal(want));

  it('when any sum is allocated by any weights, then the shares add back exactly and differ from exact by < 1 cent', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 6 }), (total, w) => {
        fc.pre(w.some((x) => x > 0));
        const parts = allocate(total, w);
        const sw = w.reduce((s, x) => s + x, 0);
        expect(parts.reduce((s, x) => s + x, 0)).to.equal(total);
        parts.forEach((p, i) => expect(Math.abs(p - (total * (w[i] ?? 0)) / sw)).to.be.lessThan(1));
      }),
      { numRuns: 200 },
    );
  });
  it('when weights are all zero or negative, then allocate refuses', () => {
    expect(() => allocate(10, [0, 0])).to.throw(RangeError);
    expect(() => allocate(10, [1, -1])).to.throw(RangeError);
  });
});
