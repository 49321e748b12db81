import { expect } from 'chai';
import { compareAB } from '../../src/feedback/abTest';
import { normalDraw, seededRandom } from '../../src/feedback/random';

const sample = (n: number, mu: number, seed: number): number[] => {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, () => mu + 0.02 * normalDraw(rand));
};

describe('feedback/abTest', () => {
  it('when B has a planted better mean (+0.5 sd), then the bootstrap interval excludes 0 and the verdict is B_BETTER (stop)', () => {
    const r = compareAB(sample(150, 0, 1), sample(150, 0.01, 2));
    expect(r.verdict).to.equal('B_BETTER');
    expect(r.stop).to.equal(true);
    expect(r.interval?.[0]).to.be.above(0);
  });

  it('when A is the better one, then the verdict is A_BETTER', () => expect(compareAB(sample(200, 0.01, 11), sample(200, 0, 12)).verdict).to.equal('A_BETTER'));

  it('when there is no difference, then no winner is declared in 20 independent trials at the maximum sample (NO_DIFFERENCE)', () => {
    const verdicts = Array.from({ length: 20 }, (_, s) => compareAB(sample(200, 0, 100 + s), sample(200, 0, 200 + s), { resamples: 1000 }).verdict);
    expect(verdicts.filter((v) => v === 'A_BETTER' || v === 'B_BETTER').length).to.be.at.most(1);
    expect(verdicts.filter((v) => v === 'NO_DIFFERENCE').length).to.be.at.least(19);
  });

  it('when an arm has fewer outcomes than the minimum, then there is no verdict even for a large difference', () => {
    const r = compareAB(sample(20, 0, 5), sample(20, 0.05, 6));
    expect(r.verdict).to.equal('INSUFFICIENT_SAMPLE');
    expect(r.interval).to.equal(null);
    expect(r.stop).to.equal(false);
  });

  it('when there is no difference yet below the maximum sample, then the test continues', () => expect(compareAB(sample(60, 0, 7), sample(60, 0, 8)).verdict).to.equal('CONTINUE'));

  it('when run twice with the same seed, then the interval is identical', () => {
    const a = sample(80, 0, 9);
    const b = sample(80, 0.001, 10);
    expect(compareAB(a, b, { seed: 42 }).interval).to.deep.equal(compareAB(a, b, { seed: 42 }).interval);
  });
});
