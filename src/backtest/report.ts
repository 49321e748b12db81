/** The HTML report: self-contained, charts as inline SVG drawn here (no script, no CDN, no network). */
import { WEEK_TYPES } from '../domain';
import type { RunResult } from './engine';
import { drawdowns, type Stats } from './stats';

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;
const usd = (cents: number): string => `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#7f7f7f'];

interface Series {
  name: string;
  values: number[];
}

/** A line chart of series over the same x positions, with min/max labels and a legend. */
export function svgChart(title: string, dates: readonly string[], series: readonly Series[], fmt: (v: number) => string, w = 900, h = 300): string {
  const pad = { l: 90, r: 10, t: 24, b: 24 };
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const span = hi - lo || 1;
  const n = Math.max(1, dates.length - 1);
  const x = (i: number): number => pad.l + ((w - pad.l - pad.r) * i) / n;
  const y = (v: number): number => pad.t + (h - pad.t - pad.b) * (1 - (v - lo) / span);
  const paths = series.map((s, k) => {
    const d = s.values.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
    return `<path d="${d}" fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.2"/>`;
  });
  const legend = series.map((s, k) => `<text x="${pad.l + 10 + k * 140}" y="14" fill="${COLORS[k % COLORS.length]}">${esc(s.name)}</text>`);
  const axis = [
    `<text x="4" y="${y(hi) + 4}">${esc(fmt(hi))}</text>`,
    `<text x="4" y="${y(lo) + 4}">${esc(fmt(lo))}</text>`,
    `<text x="${pad.l}" y="${h - 6}">${esc(dates[0] ?? '')}</text>`,
    `<text x="${w - pad.r - 70}" y="${h - 6}">${esc(dates[dates.length - 1] ?? '')}</text>`,
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${h - pad.b}" stroke="#999"/>`,
    `<line x1="${pad.l}" y1="${h - pad.b}" x2="${w - pad.r}" y2="${h - pad.b}" stroke="#999"/>`,
  ];
  return `<figure><figcaption>${esc(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-size="11" font-family="sans-serif">${axis.join('')}${paths.join('')}${legend.join('')}</svg></figure>`;
}

const table = (head: string[], rows: (string | number)[][]): string =>
  `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join('')}</tr>`).join('')}</table>`;

export function renderReport(p: { run: RunResult; strategy: Stats; hold: Stats; holdValues: number[]; assumptions: string[]; summary: Record<string, unknown> }): string {
  const { run } = p;
  const dates = run.points.map((x) => x.date);
  const ids = ['F0:GEN', 'F0:REV', 'F0:COM'];
  const forked = run.points.map((pt) =>
    Object.entries(pt.values)
      .filter(([k]) => !ids.includes(k))
      .reduce((s, [, v]) => s + v, 0),
  );
  const equity: Series[] = [
    { name: 'ALL-USE total', values: run.points.map((x) => x.total / 100) },
    { name: 'buy & hold', values: p.holdValues.map((v) => v / 100) },
    ...ids.map((id) => ({ name: id, values: run.points.map((x) => (x.values[id] ?? 0) / 100) })),
    { name: 'forked families', values: forked.map((v) => v / 100) },
  ];
  const dd: Series[] = [
    { name: 'ALL-USE drawdown', values: drawdowns(run.points.map((x) => x.total)) },
    { name: 'buy & hold drawdown', values: drawdowns(p.holdValues) },
  ];
  const statRow = (name: string, s: Stats): (string | number)[] => [name, pct(s.totalReturn), pct(s.cagr), pct(s.volatility), s.sharpe.toFixed(2), pct(s.maxDrawdown)];
  const accounts = Object.entries(run.byAccount);
  const capsOff = (p.summary.assumptions as { concentration_caps?: boolean } | undefined)?.concentration_caps === false;
  return `<!doctype html><html><head><meta charset="utf-8"><title>ALL-USE backtest</title><style>
body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#eee}
</style></head><body><h1>ALL-USE backtest ${esc(dates[0] ?? '')} – ${esc(dates[dates.length - 1] ?? '')}${capsOff ? ' — COMPARISON RUN, concentration caps OFF (not the protocol)' : ''}</h1>
${table(['', 'total return', 'CAGR', 'volatility', 'Sharpe (rf 0)', 'max drawdown'], [statRow('ALL-USE (all accounts)', p.strategy), statRow('buy & hold index', p.hold)])}
${svgChart('Equity (USD)', dates, equity, (v) => `$${Math.round(v).toLocaleString('en-US')}`)}
${svgChart('Drawdown', dates, dd, pct, 900, 200)}
<h2>Week types (account-weeks)</h2>${table(
    ['account', ...WEEK_TYPES],
    [
      ['all', ...WEEK_TYPES.map((t) => run.weekTypes[t])],
      [
        'frequency',
        ...WEEK_TYPES.map((t) =>
          pct(
            run.weekTypes[t] /
              Math.max(
                1,
                WEEK_TYPES.reduce((s, k) => s + run.weekTypes[k], 0),
              ),
          ),
        ),
      ],
      ['net premium', ...WEEK_TYPES.map((t) => usd(run.premiumByType[t]))],
      ...accounts.map(([id, c]) => [id, ...WEEK_TYPES.map((t) => c[t])]),
    ],
  )}
<h2>Flows</h2>${table(['premium collected (net of buy-backs)', 'commissions', 'assignment fees', 'interest on cash', 'rolls', 'forks', 'merges'], [[usd(run.book.premium), usd(run.book.commissions), usd(run.book.assignmentFees), usd(run.book.interest), run.rolls, run.events.filter((e) => e.kind === 'FORK').length, run.events.filter((e) => e.kind === 'MERGE').length]])}
<h2>Skipped entries and risk rejections</h2>${table(['reason', 'count'], [...Object.entries(run.skips), ...Object.entries(run.book.rejects).map(([k, v]) => [`risk: ${k}`, v ?? 0])])}
<h2>targetWeeklyPremium (entries whose premium per week of life was below the account's target)</h2>${table(
    ['account kind', 'entries', 'below target'],
    Object.entries(run.premiumTarget).map(([k, v]) => [k, v.entries, v.below]),
  )}
<h2>Yearly returns</h2>${table(
    ['year', 'ALL-USE', 'buy & hold'],
    Object.keys(p.strategy.yearly).map((y) => [y, pct(p.strategy.yearly[y] ?? 0), pct(p.hold.yearly[y] ?? 0)]),
  )}
<h2>Fork / merge / reinvest events</h2>${table(
    ['week', 'event', 'detail'],
    run.events.map((e) => [e.week, e.kind, e.detail]),
  )}
<h2>Assumptions</h2><ul>${p.assumptions.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>
<h2>Summary</h2><pre>${esc(JSON.stringify(p.summary, null, 2))}</pre></body></html>`;
}
