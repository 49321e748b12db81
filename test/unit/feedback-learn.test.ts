import { expect } from 'chai';
import { buildSamples, learnWalkForward } from '../../src/feedback/learn';
import { normalDraw, seededRandom } from '../../src/feedback/random';
import { addDays, isTradingDay } from '../../src/domain/calendar';
import type { Bar } from '../../src/domain/indicators';

/**
 * Daily bars with a known pattern: while the close is below its 20-day-old level (a falling
 * market), the drift is strongly negative; otherwise positive. Momentum makes next week's
 * assignment predictable from the regime features; without the pattern it is not.
 */
function market(days: number, seed: number, pattern: boolean): Bar[] {
  const rand = seededRandom(seed);
  const out: Bar[] = [];
  let d = '2001-01-02';
  let p = 100;
  while (out.length < days) {
    if (isTradingDay(d)) {
      const back = out[out.length - 20]?.close ?? p * 100;
      const drift = pattern ? (p * 100 < back ? -0.006 : 0.004) : 0.0003;
      const prev = p;
      p *= Math.exp(drift + 0.01 * normalDraw(rand));
      const c = Math.round(p * 100);
      out.push({ date: d, open: Math.round(prev * 100), high: Math.max(c, Math.round(prev * 100)) + 10, low: Math.min(c, Math.round(prev * 100)) - 10, close: c });
    }
    d = addDays(d, 1);
  }
  return out;
}

describe('feedback/learn', function () {
  this.timeout(120_000);

  it('when the synthetic market has a known momentum pattern, then the model’s out-of-sample Brier score beats both naive baselines', () => {
    const r = learnWalkForward(buildSamples(market(1800, 1, true)), { minTrain: 104 });
    expect(r.metric).to.equal('brier');
    expect(r.oos_weeks).to.be.above(200);
    expect(r.oos_score, JSON.stringify(r.baselines)).to.be.below(r.baseline_score);
    expect(r.beats_baseline).to.equal(true);
    expect(r.status).to.equal('RECOMMENDED');
  });

  it('when the market is a pattern-free random walk, then the model does not beat the base rate and stays advice only', () => {
    const r = learnWalkForward(buildSamples(market(1800, 2, false)), { minTrain: 104 });
    expect(r.oos_score).to.be.at.least(r.baselines.base_rate - 0.005);
    expect(r.beats_baseline).to.equal(r.oos_score < r.baseline_score);
    if (!r.beats_baseline) expect(r.status).to.equal('ADVICE_ONLY');
  });

  it('when samples are built, then each label is next week’s outcome and the last-week feature is the previous label', () => {
    const s = buildSamples(market(800, 3, true));
    for (let i = 1; i < s.length; i++) expect(s[i]?.x.at(-1)).to.equal(s[i - 1]?.y);
  });
});
