import { expect } from 'chai';
import fc from 'fast-check';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import { applyEntries, balanceOf, cashBuffer, contractsFor, emptyLedger, initialSplit, mergeWaitsFor, planFork, planMerge, planReinvest, receiveAtCost, usableCash } from '../../src/domain/ledger';

const cfg = DEFAULT_PROTOCOL;

describe('domain/ledger', () => {
  const splits: [number, [number, number, number]][] = [
    [100_000_000, [40_000_000, 30_000_000, 30_000_000]], // $1,000,000
    [100_000_001, [40_000_001, 30_000_000, 30_000_000]], // one spare cent: largest remainder (.4) → GEN
    [100_000_002, [40_000_001, 30_000_001, 30_000_000]], // .8/.6/.6 → GEN, then REV (tie with COM → earlier)
    [10, [4, 3, 3]],
  ];
  for (const [lump, [g, r, c]] of splits)
    it(`when ${lump} cents are deposited, then Gen/Rev/Com get ${g}/${r}/${c}`, () => {
      const { state } = applyEntries(emptyLedger(), initialSplit('F0', lump, cfg.accounts, 'D1'));
      expect([balanceOf(state, 'F0:GEN'), balanceOf(state, 'F0:REV'), balanceOf(state, 'F0:COM'), balanceOf(state, 'EXTERNAL')]).to.deep.equal([g, r, c, -lump]);
    });

  it('when the same deposit is applied twice, then the second changes nothing', () => {
    const entries = initialSplit('F0', 100_000_000, cfg.accounts, 'D1');
    const once = applyEntries(emptyLedger(), entries).state;
    const twice = applyEntries(once, entries);
    expect(twice.applied).to.deep.equal([]);
    expect(twice.state).to.equal(once);
  });

  it('when a batch repeats a key, then only its first entry is applied', () => {
    const e = { from: 'A', to: 'B', amountCents: 5, reason: 'PREMIUM' as const, key: 'k' };
    expect(applyEntries(emptyLedger(), [e, { ...e, amountCents: 7 }]).state.balances).to.deep.equal({ A: -5, B: 5 });
  });
  it('when an entry is not a positive whole amount, then it is refused', () => {
    expect(() => applyEntries(emptyLedger(), [{ from: 'A', to: 'B', amountCents: 0, reason: 'PREMIUM', key: 'z' }])).to.throw(RangeError);
    expect(() => applyEntries(emptyLedger(), [{ from: 'A', to: 'B', amountCents: 1.5, reason: 'PREMIUM', key: 'h' }])).to.throw(RangeError);
  });

  const buffers: [number, number, number, number][] = [
    [40_000_000, 40_000_000, 2_000_000, 38_000_000], // $400,000: buffer $20,000
    [40_000_001, 40_000_001, 2_000_001, 38_000_000], // 2,000,000.05 rounds up
    [40_000_000, 1_000_000, 2_000_000, 0], // cash already under the buffer
  ];
  for (const [value, cash, buf, usable] of buffers)
    it(`when value ${value} and cash ${cash}, then buffer ${buf} and usable ${usable}`, () => {
      expect(cashBuffer(value, 0.05)).to.equal(buf);
      expect(usableCash(cash, value, 0.05)).to.equal(usable);
    });

  const sizes: [string, Parameters<typeof contractsFor>[0], number][] = [
    ['cash allows 27 but 10 % of $400k allows 2 at K = $140', { usableCash: 38_000_000, strike: 14_000, accountValue: 40_000_000, concentrationLimit: 0.1, multiplier: 100 }, 2],
    ['one contract already at risk', { usableCash: 38_000_000, strike: 14_000, accountValue: 40_000_000, concentrationLimit: 0.1, atRiskInSymbol: 1_400_000, multiplier: 100 }, 1],
    ['no concentration cap', { usableCash: 38_000_000, strike: 14_000, accountValue: 40_000_000, concentrationLimit: 1, multiplier: 100 }, 27],
    ['cash for 0.99 contract', { usableCash: 1_399_999, strike: 14_000, accountValue: 40_000_000, concentrationLimit: 1, multiplier: 100 }, 0],
    ['over-concentrated already', { usableCash: 38_000_000, strike: 14_000, accountValue: 40_000_000, concentrationLimit: 0.1, atRiskInSymbol: 9_000_000, multiplier: 100 }, 0],
  ];
  for (const [what, p, want] of sizes) it(`when ${what}, then ${want} contracts`, () => expect(contractsFor(p)).to.equal(want));

  describe('fork', () => {
    const base = { family: 'F0', base: 40_000_000, week: '2025-W19', fork: cfg.fork };
    it('when Gen is $55,000 over its base, then $27,500 founds F0/2025-W19 (Gen $13,750 + Com $13,750) and $27,500 goes to F0:COM', () => {
      const p = planFork({ ...base, genValue: 45_500_000, genCash: 45_500_000 });
      expect(p?.child).to.equal('F0/2025-W19');
      expect(p?.newBase).to.equal(40_000_000);
      expect(p?.entries.map((e) => [e.to, e.amountCents, e.reason, e.key])).to.deep.equal([
        ['F0/2025-W19:GEN', 1_375_000, 'FORK', 'FORK:F0:2025-W19:F0/2025-W19:GEN'],
        ['F0/2025-W19:COM', 1_375_000, 'FORK', 'FORK:F0:2025-W19:F0/2025-W19:COM'],
        ['F0:COM', 2_750_000, 'FORK', 'FORK:F0:2025-W19:F0:COM'],
      ]);
    });
    it('when the surplus is an odd number of cents, then the halves still add back exactly', () => {
      const p = planFork({ ...base, genValue: 45_000_003, genCash: 45_000_003 });
      expect(p?.entries.map((e) => e.amountCents)).to.deep.equal([1_250_001, 1_250_001, 2_500_001]);
    });
    it('when Gen is one cent short of the threshold, then there is no fork', () => expect(planFork({ ...base, genValue: 44_999_999, genCash: 44_999_999 })).to.equal(null));
    it('when Gen has only $30,000 cash of a $55,000 surplus, then $30,000 moves and the base resets to $425,000', () => {
      const p = planFork({ ...base, genValue: 45_500_000, genCash: 3_000_000 });
      expect([p?.moved, p?.newBase]).to.deep.equal([3_000_000, 42_500_000]);
    });
    it('when any Gen value and cash fork, then the entries add up to the amount moved and the base is what stays', () =>
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1e11 }), fc.integer({ min: 0, max: 1e11 }), (gain, cash) => {
          const genValue = base.base + gain;
          const p = planFork({ ...base, genValue, genCash: cash });
          if (gain < cfg.fork.thresholdCents || cash === 0) {
            expect(p).to.equal(null);
            return;
          }
          expect(p?.entries.reduce((s, e) => s + e.amountCents, 0)).to.equal(Math.min(gain, cash));
          expect(p?.newBase).to.equal(genValue - Math.min(gain, cash));
        }),
        { numRuns: 200 },
      ));
    it('when the fork of a week is applied twice, then the second changes nothing', () => {
      let s = applyEntries(emptyLedger(), initialSplit('F0', 100_000_000, cfg.accounts, 'D1')).state;
      s = applyEntries(s, [{ from: 'MARKET', to: 'F0:GEN', amountCents: 5_500_000, reason: 'PREMIUM', key: 'P1' }]).state;
      const p = planFork({ ...base, genValue: balanceOf(s, 'F0:GEN'), genCash: balanceOf(s, 'F0:GEN') });
      const s1 = applyEntries(s, p?.entries ?? []).state;
      expect(applyEntries(s1, p?.entries ?? []).applied).to.have.length(0);
      expect(balanceOf(s1, 'F0:GEN')).to.equal(40_000_000);
      expect(balanceOf(s1, 'F0:COM')).to.equal(32_750_000);
    });
  });

  describe('merge', () => {
    const p = { family: 'F0/2025-W19', parent: 'F0', cash: { 'F0/2025-W19:GEN': 30_000_000, 'F0/2025-W19:COM': 5_000_000 }, week: '2030-W01', merge: cfg.merge };
    it('when the forked family reaches $500,000, then each of its accounts sends its cash to the parent Com', () =>
      expect(planMerge({ ...p, familyValue: 50_000_000 })?.map((e) => [e.from, e.to, e.amountCents, e.key])).to.deep.equal([
        ['F0/2025-W19:COM', 'F0:COM', 5_000_000, 'MERGE:F0/2025-W19:2030-W01:F0/2025-W19:COM'],
        ['F0/2025-W19:GEN', 'F0:COM', 30_000_000, 'MERGE:F0/2025-W19:2030-W01:F0/2025-W19:GEN'],
      ]));
    it('when it is one cent short, then it does not merge', () => expect(planMerge({ ...p, familyValue: 49_999_999 })).to.equal(null));
    it('when the family still holds an open option, then the merge waits (no entries) until it is gone', () => {
      expect(planMerge({ ...p, familyValue: 60_000_000, openOptions: 1 })).to.equal(null);
      expect(planMerge({ ...p, familyValue: 60_000_000, openOptions: 0 })).to.have.length(2);
    });
    it('when positions are listed for a merge, then only open options make it wait', () => {
      const held = [
        { account: 'F1:GEN', symbol: 'AAPL', secType: 'STK' as const, quantity: 100, avgPrice: '190' },
        { account: 'F1:GEN', symbol: 'AAPL', secType: 'OPT' as const, quantity: 0, avgPrice: '0' },
        { account: 'F1:COM', symbol: 'AAPL', secType: 'OPT' as const, quantity: -1, avgPrice: '1.2' },
      ];
      expect(mergeWaitsFor(held).map((h) => h.account)).to.deep.equal(['F1:COM']);
    });
    const cases: [string, { quantity: number; avgPrice: string }, { quantity: number; avgPrice: string }, { quantity: number; avgPrice: string; realizedPnlCents: number }][] = [
      ['nothing held', { quantity: 0, avgPrice: '0' }, { quantity: 100, avgPrice: '190' }, { quantity: 100, avgPrice: '190', realizedPnlCents: 0 }],
      ['50 at 180 held', { quantity: 50, avgPrice: '180' }, { quantity: 100, avgPrice: '190' }, { quantity: 150, avgPrice: '186.666667', realizedPnlCents: 0 }],
      ['100 short at 200 held', { quantity: -100, avgPrice: '200' }, { quantity: 100, avgPrice: '190' }, { quantity: 0, avgPrice: '0', realizedPnlCents: 100_000 }],
    ];
    for (const [what, held, incoming, want] of cases)
      it(`when shares arrive at cost by a merge and the parent has ${what}, then basis and P&L are ${JSON.stringify(want)}`, () =>
        expect(receiveAtCost({ ...held, realizedPnlCents: 0 }, incoming, 1)).to.deep.equal(want));
  });

  const reinvests: [number, number | null][] = [
    [1_234_567, 308_641],
    [4, 1],
    [3, null],
    [0, null],
    [-500, null],
  ];
  for (const [premium, leaps] of reinvests)
    it(`when ${premium} cents of premium accumulated this quarter, then ${leaps ?? 'nothing'} moves to LEAPS`, () => {
      const e = planReinvest({ account: 'F0:REV', premiumCents: premium, quarter: '2025-Q2', reinvest: cfg.reinvest });
      expect(e.map((x) => [x.to, x.amountCents, x.reason, x.key])).to.deep.equal(leaps === null ? [] : [['F0:REV:LEAPS', leaps, 'REINVEST', 'REINVEST:F0:REV:2025-Q2']]);
    });
});
