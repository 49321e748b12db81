import { expect } from 'chai';
import { buildAccountTree, flattenTree, kindLabel, type FamilyIn, type TransferIn } from '../../ui/src/lib/tree';

const acc = (fam: string, kind: string, cash: number, extra = 0) => ({
  id: `${fam}:${kind}`,
  kind,
  status: 'OPEN',
  baseCents: cash,
  cashCents: cash,
  equityCents: cash + extra,
  bufferCents: Math.ceil((cash + extra) * 0.05),
});
const fam = (id: string, parent: string | null, createdAt: string, kinds = parent ? ['COM', 'GEN'] : ['COM', 'REV', 'GEN'], cash = 1_000_00): FamilyIn => ({
  id,
  name: id,
  parentFamilyId: parent,
  status: 'OPEN',
  createdAt,
  accounts: kinds.map((k) => acc(id, k, cash)),
});

describe('command center: account family tree (ui/src/lib/tree.ts)', () => {
  it('when a root has forks and a fork has its own fork, then they nest under their parents in creation order with subtree totals', () => {
    const families = [fam('F1b', 'F1', '2026-03-01'), fam('ROOT', null, '2026-01-01'), fam('F1', 'ROOT', '2026-02-01'), fam('F2', 'ROOT', '2026-01-15'), fam('F1a', 'F1', '2026-02-15')];
    const tree = buildAccountTree(families);
    expect(tree.map((n) => n.family.id)).to.deep.equal(['ROOT']);
    const flat = flattenTree(tree);
    expect(flat.map((n) => `${'-'.repeat(n.depth)}${n.family.id}`)).to.deep.equal(['ROOT', '-F2', '-F1', '--F1a', '--F1b']);
    expect(tree[0]!.equityCents).to.equal(3 * 1_000_00);
    expect(tree[0]!.subtreeEquityCents).to.equal(3 * 1_000_00 + 4 * 2 * 1_000_00);
    expect(tree[0]!.bufferCents).to.equal(3 * 50_00);
  });

  it('when accounts arrive in any order, then they show Gen, Rev, Com', () => {
    const [root] = buildAccountTree([fam('R', null, '2026-01-01')]);
    expect(root!.family.accounts.map((a) => kindLabel(a.kind))).to.deep.equal(['Gen-Acc', 'Rev-Acc', 'Com-Acc']);
  });

  it('when a fork merged back, then its FORK and MERGE entries are its history, in time order; REINVEST is not', () => {
    const transfers: TransferIn[] = [
      { key: 'MERGE:F1:2026-W30:F1:GEN', familyId: 'F1', reason: 'MERGE', from: 'F1:GEN', to: 'ROOT:COM', amountCents: 500_000_00, week: '2026-W30', at: '2026-07-24T20:00:00Z' },
      { key: 'FORK:ROOT:2026-W05:F1:GEN', familyId: 'ROOT', reason: 'FORK', from: 'ROOT:GEN', to: 'F1:GEN', amountCents: 12_500_00, week: '2026-W05', at: '2026-01-30T20:00:00Z' },
      { key: 'REINVEST:F1:COM:2026-Q1', familyId: 'F1', reason: 'REINVEST', from: 'F1:COM', to: 'F1:COM:LEAPS', amountCents: 100, week: null, at: '2026-03-31T20:00:00Z' },
    ];
    const merged = { ...fam('F1', 'ROOT', '2026-01-30'), status: 'MERGED' };
    const flat = flattenTree(buildAccountTree([fam('ROOT', null, '2026-01-01'), merged], transfers));
    const f1 = flat.find((n) => n.family.id === 'F1')!;
    expect(f1.history.map((h) => h.reason)).to.deep.equal(['FORK', 'MERGE']);
    expect(f1.family.status).to.equal('MERGED');
    // the root sees the fork it made and the merge into its Com-Acc
    expect(flat[0]!.history.map((h) => h.reason)).to.deep.equal(['FORK', 'MERGE']);
  });

  it('when a parent is missing or the parents form a cycle, then no family is dropped and the build ends', () => {
    const flat = flattenTree(buildAccountTree([fam('ORPHAN', 'GONE', '2026-01-01'), fam('A', 'B', '2026-01-02'), fam('B', 'A', '2026-01-03')]));
    expect(flat.map((n) => n.family.id).sort()).to.deep.equal(['A', 'B', 'ORPHAN']);
  });

  it('when there is no family, then the tree is empty', () => {
    expect(buildAccountTree([])).to.deep.equal([]);
  });
});
