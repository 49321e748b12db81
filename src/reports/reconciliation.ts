/**
 * The reconciliation report as one self-contained HTML page (no script, no CDN): the summary,
 * every difference with both sides' figures (unexplained first), the bookings made, and the
 * orphaned-order cases tradeInstruction recorded. The JSON is the stored run body itself.
 */
interface DiffView { key: string; kind: string; explained: boolean; timing?: 'in_flight' | 'deferred'; message: string; scopes: string[]; broker: unknown; books: unknown; bookings: Array<{ key: string }> }
interface RunBody {
  runId: string; trigger: string; brokerTime: string; differences: number; explained: number; unexplained: number; reduce_only: string[]; deferred?: number; in_flight?: number;
  differences_detail?: DiffView[]; booked?: string[]; cases?: Array<{ createdAt: string; target: string | null; outcome: string; detail: unknown }>;
}

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const js = (v: unknown): string => esc(JSON.stringify(v ?? null));

export function reconciliationHtml(body: unknown): string {
  const r = body as RunBody;
  // Unexplained first, then deferred (timing), then explained and in flight.
  const rank = (d: DiffView): number => (d.timing === 'deferred' ? 1 : d.explained ? 2 : 0);
  const diffs = [...(r.differences_detail ?? [])].sort((a, b) => rank(a) - rank(b));
  const verdict = (d: DiffView): string => (d.timing === 'deferred' ? 'deferred (may be timing)' : d.timing === 'in_flight' ? 'in flight' : d.explained ? 'explained' : '<b>UNEXPLAINED</b>');
  const rows = diffs.map((d) => `<tr class="${d.explained || d.timing ? 'ok' : 'bad'}"><td>${esc(d.kind)}</td><td>${verdict(d)}</td><td>${esc(d.message)}</td>`
    + `<td><code>${js(d.broker)}</code></td><td><code>${js(d.books)}</code></td><td>${esc(d.scopes.join(', '))}</td><td>${esc(d.bookings.map((b) => b.key).join(' '))}</td></tr>`).join('\n');
  const cases = (r.cases ?? []).map((c) => `<tr><td>${esc(c.createdAt)}</td><td>${esc(c.target ?? '')}</td><td>${esc(c.outcome)}</td><td><code>${js(c.detail)}</code></td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Reconciliation ${esc(r.runId)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px;vertical-align:top;text-align:left}tr.bad{background:#fde2e2}tr.ok{background:#eef8ee}code{font-size:12px;word-break:break-all}</style>
</head><body>
<h1>Books vs broker: reconciliation ${esc(r.runId)}</h1>
<p>Trigger <b>${esc(r.trigger)}</b>, broker time ${esc(r.brokerTime)}. Differences: <b>${r.differences}</b>, explained <b>${r.explained}</b>, unexplained <b>${r.unexplained}</b>, deferred <b>${r.deferred ?? 0}</b>, in flight <b>${r.in_flight ?? 0}</b>.
Reduce-only set on: <b>${esc(r.reduce_only.length ? r.reduce_only.join(', ') : 'nothing')}</b>.</p>
<h2>Differences</h2>
${diffs.length ? `<table><tr><th>kind</th><th></th><th>what</th><th>broker</th><th>books</th><th>scopes</th><th>bookings</th></tr>\n${rows}</table>` : '<p>None: the books equal the broker.</p>'}
<h2>Orphaned-order cases (RECONCILIATION_CASE)</h2>
${cases ? `<table><tr><th>when</th><th>instruction</th><th>outcome</th><th>detail</th></tr>\n${cases}</table>` : '<p>None.</p>'}
</body></html>
`;
}
