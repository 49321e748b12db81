import { expect } from 'chai';
import { contrast, LEVEL_SWATCHES, levelSwatch, statusSwatch, UNKNOWN_LEVEL } from '../../ui/src/lib/levels';

describe('command center: protocol-level and status colours (ui/src/lib/levels.ts)', () => {
  it('when a position is at level 0–3, then each level has its own colour and label, escalating to red at recovery', () => {
    const swatches = [0, 1, 2, 3].map((l) => levelSwatch(l));
    expect(new Set(swatches.map((s) => s.bg)).size).to.equal(4);
    expect(swatches.map((s) => s.label)).to.deep.equal(['L0 hold', 'L1 watch', 'L2 roll', 'L3 recovery']);
    expect(levelSwatch(3).bg).to.equal('#b3261e');
  });

  it('when the level is unknown or out of range, then it shows n/a, never a guessed level', () => {
    for (const l of [null, undefined, 4, -1, 1.5, NaN]) expect(levelSwatch(l)).to.equal(UNKNOWN_LEVEL);
  });

  it('when drawn, then every level and status badge meets WCAG AA contrast (4.5:1)', () => {
    const all = [...Object.values(LEVEL_SWATCHES), UNKNOWN_LEVEL, ...['FILLED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'PARTIALLY_FILLED', 'SUBMITTED', 'RECEIVED'].map(statusSwatch)];
    for (const s of all) expect(contrast(s.fg, s.bg), `${s.label} ${s.fg} on ${s.bg}`).to.be.at.least(4.5);
  });

  it('when computing contrast, then it matches the WCAG formula at the extremes', () => {
    expect(contrast('#000000', '#ffffff')).to.be.closeTo(21, 1e-9);
    expect(contrast('#777777', '#777777')).to.equal(1);
    expect(() => contrast('red', '#fff')).to.throw(RangeError);
  });

  it('when an instruction is terminal or in flight, then its status colour says so', () => {
    expect(statusSwatch('FILLED').fg).to.equal('#0b5d1e');
    expect(statusSwatch('REJECTED').bg).to.equal('#b3261e');
    expect(statusSwatch('SUBMITTED')).to.include({ label: 'SUBMITTED', title: 'in flight' });
  });
});
