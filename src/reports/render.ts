/**
 * A report as CSV (one row per account, family and strategy: spreadsheets) or as one
 * self-contained HTML page with inline SVG charts (equity curve, drawdown, week-type calendar):
 * no script, no CDN, so it opens offline and passes a strict Content-Security-Policy.
 */
import type { EquityPoint, Figures, Report } from './compute';

const money = (c: number): string => `${c < 0 ? '-' : ''}$${(Math.abs(c) / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? v.toString() : (JSON.stringify(v) ?? '');
  // Leading = + - @ would run as a formula in a spreadsheet: quote them as text.
  const safe = /^[=+\-@]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

const FIGURE_COLS = ['openingCashCents', 'cashCents', 'equityCents', 'premiumCents', 'commissionsCents', 'realisedPnlCents', 'unrealisedPnlCents', 'netTransfersCents'] as const;

export function reportCsv(r: Report): string {
  const head = ['level', 'id', 'kind_or_scheme', ...FIGURE_COLS.map((c) => c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)), 'max_drawdown_cents', 'max_drawdown_pct', 'week_types', 'extra'];
  const fig = (f: Figures) => [...FIGURE_COLS.map((c) => f[c]), f.drawdown.maxCents, f.drawdown.maxPct];
  const types = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k}:${v}`).join(' ');
  const rows: unknown[][] = [
    ['total', 'all', r.kind, ...fig(r.totals), '', `${r.from}..${r.to}`],
    ...r.families.map((f) => ['family', f.familyId, f.name, ...fig(f), types(f.weekTypes), `forks=${f.forks.count}/${f.forks.cents} merges=${f.merges.count}/${f.merges.cents} reinvest=${f.reinvestments.count}/${f.reinvestments.cents}`]),
    ...r.accounts.map((a) => ['account', a.accountId, a.kind, ...fig(a), types(a.weekTypes), a.familyId]),
    ...r.strategies.map((s) => [
      'strategy',
      `${s.clientName}:${s.strategy}`,
      s.scheme,
      '', '', '',
      s.premiumCollectedCents - s.premiumPaidCents,
      s.commissionsCents,
      s.realisedPnlToDateCents,
      s.unrealisedPnlCents,
      '', '', '',
      types(s.instructions),
      `fills=${s.fills}`,
    ]),
  ];
  return [head, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

function lineChart(title: string, points: { date: string; v: number }[], colour: string): string {
  const W = 640;
  const H = 200;
  const pad = 40;
  if (points.length === 0) return '';
  const vs = points.map((p) => p.v);
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  const span = hi - lo || 1;
  const x = (i: number) => pad + (points.length === 1 ? 0 : (i * (W - 2 * pad)) / (points.length - 1));
  const y = (v: number) => H - pad - ((v - lo) * (H - 2 * pad)) / span;
  const path = points.map((p, i) => `${x(i).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
  return `<figure><figcaption>${esc(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">
<rect width="${W}" height="${H}" fill="#fff" stroke="#ccc"/>
<text x="4" y="${y(hi) + 4}" font-size="10">${esc(money(hi))}</text><text x="4" y="${y(lo) + 4}" font-size="10">${esc(money(lo))}</text>
<text x="${pad}" y="${H - 8}" font-size="10">${esc(points[0]!.date)}</text><text x="${W - pad - 60}" y="${H - 8}" font-size="10">${esc(points[points.length - 1]!.date)}</text>
<polyline fill="none" stroke="${colour}" stroke-width="2" points="${path}"/></svg></figure>`;
}

const TYPE_COLOURS: Record<string, string> = { 'P-EW': '#2e7d32', 'P-AWL': '#f9a825', 'P-AOL': '#ef6c00', 'P-DD': '#c62828', 'P-RO': '#1565c0', 'C-PNO': '#66bb6a', 'C-WAP': '#43a047', 'C-WAP+': '#1b5e20', 'C-REC': '#8e24aa', 'C-RO': '#1e88e5', 'W-IDL': '#9e9e9e' };

function weekCalendar(r: Report): string {
  if (r.weekTypes.length === 0) return '<p>No week types recorded in this period.</p>';
  const weeks = [...new Set(r.weekTypes.map((w) => w.week))].sort();
  const rows = [...new Set(r.weekTypes.map((w) => `${w.accountId} ${w.symbol}`))].sort();
  const cell = 28;
  const left = 180;
  const W = left + weeks.length * cell + 10;
  const H = 30 + rows.length * cell;
  const rects = r.weekTypes.map((w) => {
    const cx = left + weeks.indexOf(w.week) * cell;
    const cy = 24 + rows.indexOf(`${w.accountId} ${w.symbol}`) * cell;
    return `<rect x="${cx}" y="${cy}" width="${cell - 2}" height="${cell - 2}" fill="${TYPE_COLOURS[w.type] ?? '#607d8b'}"><title>${esc(`${w.accountId} ${w.symbol} ${w.week}: ${w.type}`)}</title></rect>`;
  });
  const labels = rows.map((l, i) => `<text x="4" y="${40 + i * cell}" font-size="11">${esc(l)}</text>`);
  const heads = weeks.map((w, i) => `<text x="${left + i * cell}" y="14" font-size="9">${esc(w.slice(5))}</text>`);
  return `<figure><figcaption>Week types by account and symbol</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${heads.join('')}${labels.join('')}${rects.join('')}</svg></figure>`;
}

const curvePoints = (c: EquityPoint[]) => c.map((p) => ({ date: p.date, v: p.equityCents }));

export function reportHtml(r: Report): string {
  const tr = (cells: unknown[]) => `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  const figRow = (id: string, f: Figures) => tr([id, money(f.equityCents), money(f.cashCents), money(f.premiumCents), money(f.realisedPnlCents), money(f.unrealisedPnlCents), money(f.netTransfersCents), `${money(f.drawdown.maxCents)} (${f.drawdown.maxPct}%)`]);
  const head = '<tr><th>id</th><th>equity</th><th>cash</th><th>premium</th><th>realised P&amp;L</th><th>unrealised P&amp;L</th><th>net transfers</th><th>max drawdown</th></tr>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ALL-USE ${esc(r.kind)} report ${esc(r.from)}..${esc(r.to)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}figure{margin:1em 0}</style></head><body>
<h1>ALL-USE ${esc(r.kind)} report</h1><p>Period ${esc(r.from)} to ${esc(r.to)}; generated ${esc(r.generatedAt)}.</p>
<h2>Totals</h2><table>${head}${figRow('all accounts', r.totals)}</table>
${lineChart('Equity (all accounts)', curvePoints(r.totals.curve), '#1565c0')}
${lineChart('Drawdown (all accounts)', r.totals.drawdown.series.map((p) => ({ date: p.date, v: -p.drawdownCents })), '#c62828')}
<h2>Account families</h2><table>${head}${r.families.map((f) => figRow(`${f.name} (${f.familyId})`, f)).join('')}</table>
<table><tr><th>family</th><th>forks</th><th>merges</th><th>reinvestments</th><th>week types</th></tr>${r.families.map((f) => tr([f.familyId, `${f.forks.count} / ${money(f.forks.cents)}`, `${f.merges.count} / ${money(f.merges.cents)}`, `${f.reinvestments.count} / ${money(f.reinvestments.cents)}`, JSON.stringify(f.weekTypes)])).join('')}</table>
<h2>Accounts</h2><table>${head}${r.accounts.map((a) => figRow(`${a.accountId} ${a.kind}`, a)).join('')}</table>
<h2>Week types</h2>${weekCalendar(r)}
<h2>Protocol events</h2>${r.events.length ? `<table><tr><th>at</th><th>account</th><th>event</th><th>detail</th></tr>${r.events.map((e) => tr([e.at, e.accountId ?? '', e.action, JSON.stringify(e.detail)])).join('')}</table>` : '<p>None.</p>'}
<h2>Open positions at their marks</h2>${r.positions.length ? `<table><tr><th>owner</th><th>contract</th><th>quantity</th><th>avg price</th><th>mark</th><th>marked by</th><th>unrealised</th></tr>${r.positions.map((p) => tr([`${p.ownerKind} ${p.ownerId}`, p.secType === 'OPT' ? `${p.symbol} ${p.expiry} ${p.right}${p.strike}` : p.symbol, p.quantity, p.avgPrice, p.mark, p.markSource === 'BROKER' ? 'broker quote' : p.markSource === 'MODEL' ? 'MODEL (no quote)' : 'COST (no mark)', money(p.unrealisedPnlCents)])).join('')}</table>` : '<p>None.</p>'}
<h2>STAR-LAB strategies</h2><table><tr><th>strategy</th><th>scheme</th><th>instructions</th><th>fills</th><th>premium collected</th><th>premium paid</th><th>commissions</th><th>realised to date</th><th>unrealised</th></tr>
${r.strategies.map((s) => tr([`${s.clientName}:${s.strategy}`, s.scheme, JSON.stringify(s.instructions), s.fills, money(s.premiumCollectedCents), money(s.premiumPaidCents), money(s.commissionsCents), money(s.realisedPnlToDateCents), money(s.unrealisedPnlCents)])).join('')}</table>
</body></html>
`;
}
