import { expect } from 'chai';
import { armReturns, assignVariants, evaluateExperiment, type Experiment } from '../../src/feedback/abExperiment';
import type { PerformanceRow } from '../../src/feedback/performance';
import { normalDraw, seededRandom } from '../../src/feedback/random';

const exp: Experiment = { id: 'x1', variants: { A: {}, B: { levels: { rollAtr: 2.5 } } } };

/** 52 weeks of one account per family; families in arm B earn `edge` more per week. */
function rows(families: string[], assignment: Record<string, 'A' | 'B'>, edge: number, seed: number): PerformanceRow[] {
  const rand = seededRandom(seed);
  const out: PerformanceRow[] = [];
  for (const f of families) {
    let v = 1_000_000;
    for (let w = 1; w <= 52; w++) {
      v = Math.round(v * (1 + (assignment[f] === 'B' ? edge : 0) + 0.01 * normalDraw(rand)));
      out.push({
        source: 'LIVE',
        week: `2025-W${String(w).padStart(2, '0')}`,
        account: `${f}:GEN`,
        family: f,
        kind: 'GEN',
        underlying: 'SPY',
        weekType: 'P-EW',
        regime: 'BULL/NORMAL',
        level: 0,
        configVersion: assignment[f] ?? '',
        premiumCents: 0,
        expectedPremiumCents: null,
        assigned: false,
        realizedPnlCents: 0,
        unrealizedPnlCents: 0,
        valueCents: v,
      });
    }
  }
  return out;
}

describe('feedback/abExperiment', () => {
  const fams = Array.from({ length: 10 }, (_, i) => `F${i}`);

  it('when families are assigned, then the arms are balanced and the assignment is the same every time', () => {
    const a = assignVariants('x1', fams);
    expect(Object.values(a).filter((v) => v === 'A')).to.have.length(5);
    expect(assignVariants('x1', [...fams].reverse())).to.deep.equal(a);
    expect(assignVariants('x2', fams)).to.not.deep.equal(a);
  });

  it('when arm B earns a planted edge, then the experiment stops with B_BETTER and proposes B’s configuration', () => {
    const a = assignVariants('x1', fams);
    const v = evaluateExperiment(exp, rows(fams, a, 0.005, 1), a, { maxSample: 400 });
    expect(armReturns(rows(fams, a, 0.005, 1), a, 'A')).to.have.length(5 * 51);
    expect(v.result.verdict).to.equal('B_BETTER');
    expect(v.recommendation?.proposedConfig).to.deep.equal({ protocol: { levels: { rollAtr: 2.5 } } });
  });

  it('when the arms do not differ, then there is no winner and nothing is proposed', () => {
    const a = assignVariants('x1', fams);
    const v = evaluateExperiment(exp, rows(fams, a, 0, 2), a, { maxSample: 200 });
    expect(['NO_DIFFERENCE', 'CONTINUE']).to.include(v.result.verdict);
    expect(v.recommendation).to.equal(null);
  });
});
