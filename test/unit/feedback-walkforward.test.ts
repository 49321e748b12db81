import { expect } from 'chai';
import { assertCausal, historyView, LookAheadError, splitWalkForward, walkForward, walkForwardMatrix } from '../../src/feedback/walkForward';
import { normalDraw, seededRandom } from '../../src/feedback/random';

/** A random-walk price series (no pattern to find). */
function prices(n: number, seed: number): number[] {
  const rand = seededRandom(seed);
  const out = [100];
  for (let i = 1; i < n; i++) out.push((out[i - 1] as number) * Math.exp(0.01 * normalDraw(rand)));
  return out;
}

/** Honest momentum: after close i hold sign(p[i] − p[i − lag]). */
const momentum = (lag: number, h: readonly number[]): number[] => h.map((p, i) => (i >= lag ? Math.sign(p - (h[i - lag] as number)) : 0));
/** Planted look-ahead: after close i hold sign(p[i + 1] − p[i]), i.e. it reads tomorrow's close. */
const cheat = (_: number, h: readonly number[]): number[] => h.map((p, i) => (i + 1 < h.length ? Math.sign((h[i + 1] as number) - p) : 0));

describe('feedback/walkForward', () => {
  it('when 100 periods are split 40 in / 20 out, then out-of-sample windows tile [40, 100) and each starts where its in-sample ends', () => {
    const w = splitWalkForward(100, { inSample: 40, outOfSample: 20 });
    expect(w.map((x) => [x.inSample.start, x.inSample.end, x.outOfSample.start, x.outOfSample.end])).to.deep.equal([
      [0, 40, 40, 60],
      [20, 60, 60, 80],
      [40, 80, 80, 100],
    ]);
    expect(splitWalkForward(100, { inSample: 40, outOfSample: 20, anchored: true }).map((x) => x.inSample.start)).to.deep.equal([0, 0, 0]);
    expect(splitWalkForward(95, { inSample: 40, outOfSample: 20 }).at(-1)?.outOfSample).to.deep.equal({ start: 80, end: 95 });
  });

  it('when code reads a history view at or past its end, then it gets LookAheadError, not a value', () => {
    const v = historyView([1, 2, 3, 4], 2);
    expect(v[1]).to.equal(2);
    expect(v.length).to.equal(2);
    expect(() => v[2]).to.throw(LookAheadError);
    expect(() => v[3]).to.throw(LookAheadError);
  });

  it('when a choice function tries to read the out-of-sample returns, then the walk-forward refuses it with LookAheadError', () => {
    const matrix = [prices(60, 1).map((p) => p / 1000), prices(60, 2).map((p) => p / 1000)];
    const windows = splitWalkForward(60, { inSample: 30, outOfSample: 10 });
    const peeking = ({ window, returns }: { window: { outOfSample: { start: number } }; returns: readonly (readonly number[])[] }) =>
      (returns[0]?.[window.outOfSample.start] ?? 0) > (returns[1]?.[window.outOfSample.start] ?? 0) ? 0 : 1;
    expect(() => walkForwardMatrix(matrix, windows, { choose: peeking })).to.throw(LookAheadError);
    // an honest chooser over the same matrix runs
    expect(walkForwardMatrix(matrix, windows).windows).to.have.length(windows.length);
  });

  it('when a strategy reads tomorrow’s close (planted look-ahead), then the causality check catches it and the walk-forward refuses to judge it', () => {
    const p = prices(300, 7);
    expect(() => assertCausal((h) => cheat(0, h), p, [150])).to.throw(LookAheadError, /looks ahead|past the window end/);
    expect(() => walkForward(p, [1, 2], cheat, { inSample: 100, outOfSample: 50 })).to.throw(LookAheadError);
    // the same cheat would have looked brilliant had it been allowed: every period won
    const full = cheat(0, p);
    const wins = p.slice(1).filter((x, i) => (full[i] ?? 0) * (x - (p[i] as number)) > 0).length;
    expect(wins).to.equal(p.length - 1);
  });

  it('when strategies are causal, then the walk-forward reports in-sample and out-of-sample figures for every window', () => {
    const p = prices(300, 7);
    const r = walkForward(p, [2, 5, 10], momentum, { inSample: 100, outOfSample: 50 });
    expect(r.windows).to.have.length(4);
    for (const w of r.windows) {
      expect(w.in_sample.end).to.equal(w.out_of_sample.start);
      expect(w.out_of_sample.periods).to.equal(w.out_of_sample.end - w.out_of_sample.start);
      expect([0, 1, 2]).to.include(w.chosen);
    }
    expect(r.oosReturns).to.have.length(200);
  });
});
