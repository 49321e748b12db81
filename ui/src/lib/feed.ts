/**
 * The live instruction list: rows from the snapshot and from later change events merged by id
 * (a newer update replaces an older one, never the reverse), newest first, capped.
 */
export interface FeedRow {
  id: string;
  clientName: string;
  clientOrderId: string;
  strategy: string;
  scheme: string;
  source: string;
  symbol: string;
  action: string;
  quantity: number;
  status: string;
  rejectReason: string | null;
  workflowId: string;
  workflowUrl: string | null;
  orderStatus: string | null;
  filledQuantity: number;
  avgFillPrice: string | null;
  createdAt: string;
  updatedAt: string;
}

export function mergeFeed(current: readonly FeedRow[], incoming: readonly FeedRow[], cap = 500): FeedRow[] {
  const byId = new Map(current.map((r) => [r.id, r]));
  for (const r of incoming) {
    const old = byId.get(r.id);
    if (!old || old.updatedAt <= r.updatedAt) byId.set(r.id, r);
  }
  return [...byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)).slice(0, cap);
}

export interface FeedFilter {
  source?: string;
  strategy?: string;
  status?: string;
  text?: string;
}

export function filterFeed(rows: readonly FeedRow[], f: FeedFilter): FeedRow[] {
  const text = f.text?.trim().toLowerCase();
  return rows.filter(
    (r) =>
      (!f.source || r.source === f.source) &&
      (!f.strategy || r.strategy === f.strategy) &&
      (!f.status || r.status === f.status) &&
      (!text || [r.id, r.clientOrderId, r.symbol, r.strategy, r.clientName].some((v) => v.toLowerCase().includes(text))),
  );
}
