import { expect } from 'chai';
import fc from 'fast-check';
import { formatCents, formatCentsOrDash, formatCentsShort, formatPrice, formatShare, pnlClass } from '../../ui/src/lib/money';

describe('command center: money formatting (ui/src/lib/money.ts)', () => {
  it('when given integer cents, then it shows dollars with grouped thousands and exactly two decimals', () => {
    expect(formatCents(0)).to.equal('$0.00');
    expect(formatCents(5)).to.equal('$0.05');
    expect(formatCents(29)).to.equal('$0.29');
    expect(formatCents(123456)).to.equal('$1,234.56');
    expect(formatCents(100_000_000_00)).to.equal('$100,000,000.00');
    expect(formatCents(-5)).to.equal('-$0.05');
    expect(formatCents(-123456789)).to.equal('-$1,234,567.89');
    expect(formatCents(123456, { sign: true })).to.equal('+$1,234.56');
    expect(formatCents(0, { sign: true })).to.equal('$0.00');
  });

  it('when the amount is beyond float precision (bigint), then every cent is kept', () => {
    expect(formatCents(12345678901234567891n)).to.equal('$123,456,789,012,345,678.91');
    expect(() => formatCents(0.5)).to.throw(RangeError);
    expect(() => formatCents(Number.MAX_SAFE_INTEGER + 2)).to.throw(RangeError);
  });

  it('when formatting any safe integer, then parsing the text back gives the same cents (no float rounding)', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (c) => {
        const s = formatCents(c);
        const back = BigInt(s.replace(/[$,.]/g, '').replace(/^-/, '')) * (s.startsWith('-') ? -1n : 1n);
        return back === BigInt(c);
      }),
    );
  });

  it('when the backend has no amount, then a dash is shown, not $0.00', () => {
    expect(formatCentsOrDash(null)).to.equal('—');
    expect(formatCentsOrDash(undefined)).to.equal('—');
    expect(formatCentsOrDash(0)).to.equal('$0.00');
  });

  it('when a broker price is a decimal string, then it keeps 2–4 decimals, rounding half-up on the string', () => {
    expect(formatPrice('150.2500')).to.equal('150.25');
    expect(formatPrice('150')).to.equal('150.00');
    expect(formatPrice('0.0512')).to.equal('0.0512');
    expect(formatPrice('1.23456')).to.equal('1.2346');
    expect(formatPrice('1.99995')).to.equal('2.00');
    expect(formatPrice('-3.5')).to.equal('-3.50');
    expect(formatPrice('-0.00001')).to.equal('0.00');
    expect(formatPrice('12345.6')).to.equal('12,345.60');
    expect(formatPrice(null)).to.equal('—');
    expect(formatPrice('1e-7')).to.equal('1e-7'); // not plain decimal notation: as received, never a thrown render
  });

  it('when shortening for a chart axis, and colouring P&L, then sign and scale are right', () => {
    expect(formatCentsShort(123_456_789)).to.equal('$1.23M');
    expect(formatCentsShort(-2_500_000)).to.equal('-$25.0k');
    expect(formatCentsShort(99_900)).to.equal('$999');
    expect(pnlClass(5)).to.equal('pnl-pos');
    expect(pnlClass(-5)).to.equal('pnl-neg');
    expect(pnlClass(0)).to.equal('pnl-zero');
    expect(pnlClass(null)).to.equal('pnl-zero');
    expect(formatShare(0.05)).to.equal('5 %');
    expect(formatShare(0.015)).to.equal('1.5 %');
  });
});
