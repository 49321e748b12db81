/**
 * The compliance report as CSV (one long table: a `section` column says what each row is, so
 * every figure of the JSON is one row) and as one self-contained HTML page with inline SVG bar
 * charts (no script, no CDN: it opens offline and passes a strict Content-Security-Policy).
 */
import type { ComplianceReport, Count } from './compliance';

export const COMPLIANCE_CSV_COLUMNS = ['section', 'at', 'actor', 'subject', 'code', 'count', 'used_cents', 'limit_cents', 'share_pct', 'detail'] as const;
type Row = Partial<Record<(typeof COMPLIANCE_CSV_COLUMNS)[number], unknown>>;

/** A value as text: strings as they are, numbers and booleans by toString, anything else as JSON. */
const text = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? v.toString() : (JSON.stringify(v) ?? '');

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : text(v);
  // Leading = + - @ would run as a formula in a spreadsheet: quote them as text.
  const safe = /^[=+\-@]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function complianceRows(r: ComplianceReport): Row[] {
  const c = (section: string, list: Count[], field: 'subject' | 'code' | 'actor') => list.map((x) => ({ section, [field]: x.key, count: x.count }));
  return [
    { section: 'period', subject: `${r.from}..${r.to}`, at: r.generated_at },
    { section: 'refusals_total', count: r.refusals.total },
    ...c('refusals_by_code', r.refusals.by_code, 'code'),
    ...c('refusals_by_client', r.refusals.by_client, 'actor'),
    ...r.refusals.items.map((x) => ({ section: 'refusal', at: x.at, actor: x.client, subject: x.all_use_order_id, code: x.code, detail: x.reason })),
    { section: 'door_refusals_total', count: r.door_refusals.total },
    ...c('door_refusals_by_code', r.door_refusals.by_code, 'code'),
    ...c('door_refusals_by_client', r.door_refusals.by_client, 'actor'),
    ...r.door_refusals.items.map((x) => ({ section: 'door_refusal', at: x.minute, actor: x.client, subject: x.scope, code: x.code, count: x.count, detail: `first_at=${x.first_at} last_at=${x.last_at} body_hashes=${x.body_hashes.join(';')}` })),
    ...r.limits.segments.map((s) => ({ section: 'segment', subject: s.segment, count: s.open_orders, used_cents: s.used_cents, limit_cents: s.capital_limit_cents, share_pct: s.used_pct, detail: `working_cents=${s.working_cents} held_cents=${s.held_cents} max_open_orders_per_strategy=${s.max_open_orders_per_strategy ?? 'default'}` })),
    ...r.limits.accounts.map((a) => ({ section: 'account', subject: a.account_id, code: a.kind, count: a.open_orders, used_cents: a.held_cents, limit_cents: a.cash_cents })),
    ...r.limits.concentration.map((s) => ({ section: 'concentration', subject: s.symbol, used_cents: s.notional_cents, limit_cents: s.limit_cents, share_pct: s.used_pct })),
    ...r.limits.concentration.flatMap((s) => s.owners.map((o) => ({ section: 'concentration_owner', subject: s.symbol, actor: o.owner, used_cents: o.notional_cents, share_pct: o.share_pct }))),
    ...r.controls.map((x) => ({ section: 'control', at: x.at, actor: x.actor, subject: x.scope, code: x.action, detail: x.reason })),
    ...r.reconciliation.map((x) => ({ section: 'reconciliation', at: x.at, actor: x.actor, subject: x.target, code: x.action, detail: x.detail })),
    ...r.credentials.map((x) => ({ section: 'credential', at: x.at, actor: x.actor, subject: x.target, code: x.code ?? x.action, detail: x.action })),
    { section: 'denied_total', count: r.denied_access.total },
    ...c('denied_by_code', r.denied_access.by_code, 'code'),
    ...c('denied_by_actor', r.denied_access.by_actor, 'actor'),
    ...r.denied_access.items.map((x) => ({ section: 'denied', at: x.at, actor: x.actor, subject: x.target, code: x.code, detail: x.ip })),
  ];
}

export function complianceCsv(r: ComplianceReport): string {
  return [COMPLIANCE_CSV_COLUMNS.join(','), ...complianceRows(r).map((row) => COMPLIANCE_CSV_COLUMNS.map((k) => csvCell(row[k])).join(','))].join('\n') + '\n';
}

const esc = (s: unknown): string => text(s ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const money = (c: number): string => `${c < 0 ? '-' : ''}$${(Math.abs(c) / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** Horizontal bars, one per item; `max` fixes the scale (e.g. 100 for percentages). */
function bars(title: string, items: { label: string; value: number; text?: string }[], colour: string, max?: number): string {
  if (items.length === 0) return `<p>${esc(title)}: none.</p>`;
  const left = 220;
  const W = 680;
  const row = 22;
  const H = 10 + items.length * row;
  const top = max ?? Math.max(...items.map((i) => i.value), 1);
  const body = items
    .map((it, n) => {
      const w = Math.max(1, Math.round(((W - left - 90) * Math.min(it.value, top)) / top));
      const y = 5 + n * row;
      return `<text x="4" y="${y + 14}" font-size="11">${esc(it.label.slice(0, 34))}</text><rect x="${left}" y="${y}" width="${w}" height="${row - 6}" fill="${colour}"><title>${esc(`${it.label}: ${it.text ?? it.value}`)}</title></rect><text x="${left + w + 4}" y="${y + 14}" font-size="11">${esc(it.text ?? it.value)}</text>`;
    })
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${body}</svg></figure>`;
}

const table = (head: string[], rows: unknown[][]) =>
  rows.length ? `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(typeof c === 'object' && c !== null ? JSON.stringify(c) : c)}</td>`).join('')}</tr>`).join('')}</table>` : '<p>None.</p>';

export function complianceHtml(r: ComplianceReport): string {
  const cnt = (l: Count[]) => l.map((x) => ({ label: x.key, value: x.count }));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ALL-USE risk and compliance report ${esc(r.from)}..${esc(r.to)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}figure{margin:1em 0}</style></head><body>
<h1>ALL-USE risk and compliance report</h1><p>Period ${esc(r.from)} to ${esc(r.to)} (New York dates); generated ${esc(r.generated_at)}. Limit use and concentration are as of generation.</p>
<h2 id="refusals">Refusals (${r.refusals.total})</h2>
${bars('Refusals by risk code', cnt(r.refusals.by_code), '#c62828')}
${bars('Refusals by client', cnt(r.refusals.by_client), '#ef6c00')}
${table(['at', 'order', 'client', 'strategy', 'symbol', 'code', 'reason'], r.refusals.items.map((x) => [x.at, x.all_use_order_id, x.client, x.strategy, x.symbol, x.code, x.reason]))}
<h2 id="door-refusals">Refused at the door, nothing started (${r.door_refusals.total})</h2>
${bars('Door refusals by client', cnt(r.door_refusals.by_client), '#ad1457')}
${table(['minute (UTC)', 'client', 'code', 'scope', 'requests', 'first', 'last', 'request hashes'], r.door_refusals.items.map((x) => [x.minute, x.client, x.code, x.scope, x.count, x.first_at, x.last_at, x.body_hashes.join(' ')]))}
<h2 id="limits">Limit use</h2>
${bars('Segment capital used (% of limit)', r.limits.segments.map((s) => ({ label: s.segment, value: s.used_pct, text: `${s.used_pct}% (${money(s.used_cents)} of ${money(s.capital_limit_cents)})` })), '#1565c0', 100)}
${table(['segment', 'capital limit', 'working', 'held', 'used %', 'open orders', 'max open orders / strategy'], r.limits.segments.map((s) => [s.segment, money(s.capital_limit_cents), money(s.working_cents), money(s.held_cents), s.used_pct, s.open_orders, s.max_open_orders_per_strategy ?? 'default']))}
${table(['account', 'kind', 'cash', 'held (cost)', 'open orders'], r.limits.accounts.map((a) => [a.account_id, a.kind, money(a.cash_cents), money(a.held_cents), a.open_orders]))}
${bars('Concentration by symbol (% of the per-symbol limit)', r.limits.concentration.map((s) => ({ label: s.symbol, value: s.used_pct, text: `${s.used_pct}% (${money(s.notional_cents)})` })), '#6a1b9a', 100)}
${table(['symbol', 'notional (cost)', 'limit', 'owners'], r.limits.concentration.map((s) => [s.symbol, money(s.notional_cents), money(s.limit_cents), s.owners.map((o) => `${o.owner} ${o.share_pct}%`).join('; ')]))}
<h2 id="controls">Kill switch and reduce-only (${r.controls.length})</h2>
${table(['at', 'action', 'scope', 'who', 'why'], r.controls.map((x) => [x.at, x.action, x.scope, x.actor, x.reason ?? '']))}
<h2 id="reconciliation">Reconciliation differences (${r.reconciliation.length})</h2>
${table(['at', 'action', 'actor', 'target', 'outcome', 'detail'], r.reconciliation.map((x) => [x.at, x.action, x.actor, x.target ?? '', x.outcome, x.detail]))}
<h2 id="credentials">Credential issues and revocations (${r.credentials.length})</h2>
${table(['at', 'action', 'actor', 'client / key', 'outcome', 'code'], r.credentials.map((x) => [x.at, x.action, x.actor, x.target ?? '', x.outcome, x.code ?? '']))}
<h2 id="denied">Denied access attempts (${r.denied_access.total})</h2>
${bars('Denied by code', cnt(r.denied_access.by_code), '#455a64')}
${table(['at', 'action', 'actor', 'target', 'code', 'ip'], r.denied_access.items.map((x) => [x.at, x.action, x.actor, x.target ?? '', x.code ?? '', x.ip ?? '']))}
</body></html>
`;
}
