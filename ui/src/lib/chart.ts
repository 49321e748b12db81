/**
 * SVG line charts for the reports (equity curve, drawdown) without a chart library: scale the
 * series into the box and build the path. Pure, so it is tested without a browser.
 */
export interface Point {
  x: string;
  y: number;
}

export interface LineGeometry {
  d: string;
  min: number;
  max: number;
  /** Coordinates of each point, for markers and hit areas. */
  points: { x: number; y: number }[];
}

/** Path of `series` in a width×height box with `pad` px margins; a flat series is drawn mid-height. */
export function linePath(series: readonly Point[], width: number, height: number, pad = 8): LineGeometry {
  if (!series.length) return { d: '', min: 0, max: 0, points: [] };
  const ys = series.map((p) => p.y);
  const min = Math.min(...ys);
  const max = Math.max(...ys);
  const span = max - min;
  const w = width - 2 * pad;
  const h = height - 2 * pad;
  const points = series.map((p, i) => ({
    x: Number((pad + (series.length === 1 ? w / 2 : (i * w) / (series.length - 1))).toFixed(2)),
    y: Number((span === 0 ? pad + h / 2 : pad + h - ((p.y - min) / span) * h).toFixed(2)),
  }));
  return { d: points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' '), min, max, points };
}
