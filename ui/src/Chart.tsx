import { linePath, type Point } from './lib/chart';
import { formatCents, formatCentsShort } from './lib/money';

/** An SVG line chart of cents over dates, with a text summary for screen readers. */
export function LineChart({ title, series, tone = 'equity', testId }: { title: string; series: Point[]; tone?: 'equity' | 'drawdown'; testId?: string }) {
  const W = 640;
  const H = 200;
  const g = linePath(series, W, H, 12);
  const first = series[0];
  const last = series.at(-1);
  const summary = series.length
    ? `${title}: ${series.length} points from ${first!.x} to ${last!.x}, lowest ${formatCents(g.min)}, highest ${formatCents(g.max)}, last ${formatCents(last!.y)}`
    : `${title}: no data in this period`;
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      {series.length === 0 ? (
        <p className="empty">No data in this period.</p>
      ) : (
        <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} preserveAspectRatio="none">
          <title>{summary}</title>
          <line x1="12" x2={W - 12} y1={H - 12} y2={H - 12} className="axis" />
          <path d={g.d} className={`line line-${tone}`} fill="none" />
          {g.points.length <= 60 && g.points.map((p, i) => <circle key={i} cx={p.x} cy={p.y} r="2.5" className={`dot line-${tone}`} />)}
          <text x="14" y="22" className="label">
            {formatCentsShort(g.max)}
          </text>
          <text x="14" y={H - 18} className="label">
            {formatCentsShort(g.min)}
          </text>
        </svg>
      )}
      {series.length > 0 && (
        <p className="muted small">
          {first!.x} → {last!.x}
        </p>
      )}
    </figure>
  );
}
