import { expect } from 'chai';
import { deflatedSharpe, probabilityOfBacktestOverfitting } from '../../src/feedback/overfitting';
import { normalDraw, seededRandom } from '../../src/feedback/random';

function noise(n: number, t: number, seed: number, drift: (k: number) => number = () => 0): number[][] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, (_, k) => Array.from({ length: t }, () => drift(k) + 0.01 * normalDraw(rand)));
}

describe('feedback/overfitting', () => {
  it('when every candidate is pure noise, then PBO reports overfitting (≥ 0.3: the in-sample winner is no better than a coin out of sample)', () => {
    for (const seed of [1, 2, 3]) {
      const r = probabilityOfBacktestOverfitting(noise(20, 480, seed), 12);
      expect(r.name).to.equal('PBO (CSCV)');
      expect(r.splits).to.equal(924); // C(12, 6)
      expect(r.value, `seed ${seed}`).to.be.at.least(0.3);
    }
  });

  it('when one candidate has a genuine edge among noise, then PBO is low (≤ 0.1)', () => {
    const r = probabilityOfBacktestOverfitting(
      noise(20, 480, 4, (k) => (k === 7 ? 0.004 : 0)),
      12,
    );
    expect(r.value).to.be.at.most(0.1);
  });

  it('when the best of many noise strategies is deflated, then the DSR is not significant; a real edge is', () => {
    const dsrNoise = deflatedSharpe(noise(50, 260, 5));
    expect(dsrNoise.name).to.equal('Deflated Sharpe ratio');
    expect(dsrNoise.value).to.be.below(0.95);
    const dsrEdge = deflatedSharpe(noise(50, 260, 5, (k) => (k === 3 ? 0.005 : 0)));
    expect(dsrEdge.value).to.be.above(0.95);
  });

  it('when the input is too short or has one candidate, then it refuses with a RangeError', () => {
    expect(() => probabilityOfBacktestOverfitting(noise(1, 100, 1))).to.throw(RangeError);
    expect(() => probabilityOfBacktestOverfitting(noise(3, 10, 1), 16)).to.throw(RangeError);
  });
});
