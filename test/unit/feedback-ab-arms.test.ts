import { expect } from 'chai';
import { armSamples, armVerdict, experimentRequestSchema, planArms, shadowFamilyId, weekOutcome, type RecordedOutcome } from '../../src/feedback/abArms';
import { mergeOverrides } from '../../src/domain/config';
import { normalDraw, seededRandom } from '../../src/feedback/random';

describe('feedback/abArms: A/B arms that trade', () => {
  describe('planArms', () => {
    it('splits existing families evenly by the stable hash and adds shadow families to each arm', () => {
      const fams = ['F1', 'F2', 'F3', 'F4'];
      const arms = planArms('x1', fams, 2);
      const real = arms.filter((a) => !a.shadow);
      expect(real.filter((a) => a.arm === 'A')).to.have.length(2);
      expect(real.filter((a) => a.arm === 'B')).to.have.length(2);
      expect(planArms('x1', [...fams].reverse(), 2)).to.have.deep.members(arms); // order of the request does not matter
      expect(arms.filter((a) => a.shadow).map((a) => [a.arm, a.familyId])).to.deep.equal([
        ['A', shadowFamilyId('x1', 'A', 1)],
        ['A', 'SHADOW-x1-A2'],
        ['B', 'SHADOW-x1-B1'],
        ['B', 'SHADOW-x1-B2'],
      ]);
    });
    it('refuses an experiment with an empty arm', () => {
      expect(() => planArms('x1', ['F1'], 0)).to.throw(/arm B has no family/);
      expect(() => planArms('x1', [], 0)).to.throw(/arm A has no family/);
      expect(planArms('x1', [], 1).map((a) => a.arm)).to.deep.equal(['A', 'B']);
    });
  });

  describe('weekOutcome', () => {
    const accounts = ['F:GEN', 'F:REV', 'F:COM'];
    it('nets premium sold against premium paid, sums commissions, counts assignments, on the capital', () => {
      const o = weekOutcome(
        [
          { reason: 'PREMIUM', fromAccountId: 'MARKET', toAccountId: 'F:GEN', amountCents: 50_000 },
          { reason: 'PREMIUM', fromAccountId: 'MARKET', toAccountId: 'F:REV', amountCents: 30_000 },
          { reason: 'PREMIUM', fromAccountId: 'F:GEN', toAccountId: 'MARKET', amountCents: 10_000 }, // bought back (roll)
          { reason: 'COMMISSION', fromAccountId: 'F:GEN', toAccountId: 'MARKET', amountCents: 1_000 },
          { reason: 'ASSIGNMENT', fromAccountId: 'F:REV', toAccountId: 'MARKET', amountCents: 2_000_000 },
          { reason: 'TRADE', fromAccountId: 'F:COM', toAccountId: 'MARKET', amountCents: 5_000_000 }, // a share purchase is not income
          { reason: 'PREMIUM', fromAccountId: 'MARKET', toAccountId: 'G:GEN', amountCents: 99_999 }, // another family's
        ],
        accounts,
        10_000_000,
      );
      expect(o).to.deep.equal({ premiumCents: 70_000, commissionCents: 1_000, assignments: 1, returnOnCapital: 69_000 / 10_000_000 });
    });
    it('an idle week is a zero outcome, and no capital gives a zero return (not a division by zero)', () => {
      expect(weekOutcome([], accounts, 10_000_000)).to.deep.equal({ premiumCents: 0, commissionCents: 0, assignments: 0, returnOnCapital: 0 });
      expect(weekOutcome([{ reason: 'PREMIUM', fromAccountId: 'MARKET', toAccountId: 'F:GEN', amountCents: 5 }], accounts, 0).returnOnCapital).to.equal(0);
    });
  });

  describe('armVerdict', () => {
    const exp = { id: 'x1', base: { levels: { rollAtr: 2.5 } }, variant: { accounts: { GEN: { deltaMin: 0.3, deltaMax: 0.4 } } } } as const;
    const proposal = mergeOverrides(exp.base, exp.variant);
    /** `weeks` weeks of two families per arm; arm B earns `edge` more per week. */
    function outcomes(weeks: number, edge: number, seed: number): RecordedOutcome[] {
      const rand = seededRandom(seed);
      const out: RecordedOutcome[] = [];
      for (const [familyId, arm] of [
        ['A1', 'A'],
        ['A2', 'A'],
        ['B1', 'B'],
        ['B2', 'B'],
      ] as const)
        for (let w = 1; w <= weeks; w++) out.push({ familyId, arm, week: `2027-W${String(w).padStart(2, '0')}`, returnOnCapital: 0.002 + (arm === 'B' ? edge : 0) + 0.002 * normalDraw(rand) });
      return out;
    }
    it('gives no verdict below the minimum sample per arm', () => {
      const v = armVerdict({ ...exp, proposal }, outcomes(10, 0.01, 1), { minSample: 30 });
      expect([v.result.verdict, v.result.stop, v.result.n_a, v.result.n_b, v.result.interval]).to.deep.equal(['INSUFFICIENT_SAMPLE', false, 20, 20, null]);
      expect(v.recommendation).to.equal(null);
    });
    it('stops with B better on a planted edge and proposes base + variant (only a proposal)', () => {
      const v = armVerdict({ ...exp, proposal }, outcomes(20, 0.002, 2), { minSample: 30 });
      expect([v.result.verdict, v.result.stop]).to.deep.equal(['B_BETTER', true]);
      expect(v.recommendation).to.include({ id: 'rec-ab-x1', kind: 'AB' });
      expect(v.recommendation!.proposedConfig.protocol).to.deep.equal({ levels: { rollAtr: 2.5 }, accounts: { GEN: { deltaMin: 0.3, deltaMax: 0.4 } } });
    });
    it('with no difference it continues, and stops without a winner at the maximum sample', () => {
      expect(armVerdict({ ...exp, proposal }, outcomes(20, 0, 3), { minSample: 30, maxSample: 100 }).result.verdict).to.equal('CONTINUE');
      const end = armVerdict({ ...exp, proposal }, outcomes(20, 0, 3), { minSample: 30, maxSample: 40 });
      expect([end.result.verdict, end.result.stop, end.recommendation]).to.deep.equal(['NO_DIFFERENCE', true, null]);
    });
    it('samples each arm by family then week, whatever order the rows come in', () => {
      const rows = outcomes(3, 0, 4);
      expect(armSamples([...rows].reverse())).to.deep.equal(armSamples(rows));
    });
  });

  describe('experimentRequestSchema', () => {
    const ok = { id: 'x1', variant: { accounts: { GEN: { deltaMin: 0.3 } } }, families: ['F1', 'F2'], reason: 'why' };
    it('fills defaults', () => {
      expect(experimentRequestSchema.parse(ok)).to.deep.include({ base: {}, min_sample: 30, max_sample: 200, alpha: 0.05, max_looks: 5 });
    });
    it('refuses an empty variant, min above max, a family twice, unknown keys', () => {
      for (const bad of [
        { ...ok, variant: {} },
        { ...ok, min_sample: 50, max_sample: 40 },
        { ...ok, families: ['F1', 'F1'] },
        { ...ok, extra: 1 },
        { ...ok, id: '1x' },
        { ...ok, reason: ' ' },
      ])
        expect(experimentRequestSchema.safeParse(bad).success, JSON.stringify(bad)).to.equal(false);
    });
  });
});
