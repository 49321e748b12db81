/**
 * The account family tree of the Overview: root families (Gen/Rev/Com) with their forks
 * (Gen/Com) nested under the family they forked from, each with its merge history and the
 * totals of its accounts and of its whole subtree. Money in integer cents.
 */

export interface AccountIn {
  id: string;
  kind: string;
  status: string;
  baseCents: number;
  cashCents: number;
  equityCents: number;
  bufferCents: number;
}
export interface FamilyIn {
  id: string;
  name: string;
  parentFamilyId: string | null;
  status: string;
  createdAt: string;
  accounts: AccountIn[];
}
export interface TransferIn {
  key: string;
  familyId: string;
  reason: string;
  from: string | null;
  to: string | null;
  amountCents: number;
  week: string | null;
  at: string;
}

export interface FamilyNode {
  family: FamilyIn;
  depth: number;
  children: FamilyNode[];
  /** FORK entries that created or fed this family, MERGE entries that closed it into its parent. */
  history: TransferIn[];
  equityCents: number;
  cashCents: number;
  bufferCents: number;
  /** This family and every descendant. */
  subtreeEquityCents: number;
}

const KIND_ORDER = ['GEN', 'REV', 'COM'];

/**
 * Builds the forest. A family whose parent is unknown is shown as a root (never dropped); a
 * parent cycle (bad data) is broken at the family seen twice. Children sort by creation time.
 */
export function buildAccountTree(families: readonly FamilyIn[], transfers: readonly TransferIn[] = []): FamilyNode[] {
  const byId = new Map(families.map((f) => [f.id, f]));
  const accountFamily = new Map<string, string>();
  for (const f of families) for (const a of f.accounts) accountFamily.set(a.id, f.id);
  const historyOf = (id: string) =>
    transfers
      .filter((t) => t.familyId === id || (t.reason !== 'REINVEST' && ((t.to && accountFamily.get(t.to) === id) || (t.from && accountFamily.get(t.from) === id))))
      .filter((t) => t.reason === 'FORK' || t.reason === 'MERGE')
      .sort((a, b) => a.at.localeCompare(b.at) || a.key.localeCompare(b.key));

  const rootOf = (f: FamilyIn): boolean => {
    if (!f.parentFamilyId || !byId.has(f.parentFamilyId)) return true;
    const seen = new Set<string>([f.id]);
    let p = byId.get(f.parentFamilyId);
    while (p) {
      if (seen.has(p.id)) return true; // cycle: cut here
      seen.add(p.id);
      p = p.parentFamilyId ? byId.get(p.parentFamilyId) : undefined;
    }
    return false;
  };

  const build = (f: FamilyIn, depth: number, path: Set<string>): FamilyNode => {
    const sum = (k: 'equityCents' | 'cashCents' | 'bufferCents') => f.accounts.reduce((s, a) => s + a[k], 0);
    const kids = families
      .filter((c) => c.parentFamilyId === f.id && !path.has(c.id) && !rootOf(c))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map((c) => build(c, depth + 1, new Set([...path, c.id])));
    const equityCents = sum('equityCents');
    return {
      family: { ...f, accounts: [...f.accounts].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind)) },
      depth,
      children: kids,
      history: historyOf(f.id),
      equityCents,
      cashCents: sum('cashCents'),
      bufferCents: sum('bufferCents'),
      subtreeEquityCents: equityCents + kids.reduce((s, k) => s + k.subtreeEquityCents, 0),
    };
  };

  return families
    .filter(rootOf)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    .map((f) => build(f, 0, new Set([f.id])));
}

/** Depth-first order for rendering (parents before their forks). */
export function flattenTree(nodes: readonly FamilyNode[]): FamilyNode[] {
  return nodes.flatMap((n) => [n, ...flattenTree(n.children)]);
}

/** Display name of an account kind. */
export const kindLabel = (kind: string): string => ({ GEN: 'Gen-Acc', REV: 'Rev-Acc', COM: 'Com-Acc' })[kind] ?? kind;
