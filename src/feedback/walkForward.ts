/**
 * Walk-forward analysis: in-sample windows choose a candidate, the following out-of-sample
 * windows judge it. Look-ahead is made impossible by construction, not by convention:
 *  - a window's choice function receives only history up to the in-sample end, as a view that
 *    throws LookAheadError on any index at or past that end (it is not merely "asked" not to look);
 *  - a strategy's output series is checked for causality: computed on a prefix of the data it
 *    must equal the full-data computation up to that prefix's end (assertCausal). A strategy
 *    that peeks at a later bar fails this check, or throws on the view, and the walk-forward refuses it.
 */
import { mean, sharpe, stdev } from './random';

export class LookAheadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LookAheadError';
  }
}

export interface Range {
  /** first index (inclusive) */
  start: number;
  /** end index (exclusive) */
  end: number;
}
export interface Window {
  index: number;
  inSample: Range;
  outOfSample: Range;
}
export interface WalkForwardSpec {
  /** periods in each in-sample window */
  inSample: number;
  /** periods in each out-of-sample window */
  outOfSample: number;
  /** periods between window starts (default: outOfSample, so out-of-sample windows tile) */
  step?: number;
  /** anchored: every in-sample window starts at `start` (expanding); else rolling */
  anchored?: boolean;
  /** first usable index (e.g. after an indicator warm-up) */
  start?: number;
}

/** The windows over `total` periods; the last out-of-sample window may be shorter, never empty. */
export function splitWalkForward(total: number, spec: WalkForwardSpec): Window[] {
  const { inSample, outOfSample } = spec;
  const step = spec.step ?? outOfSample;
  const start = spec.start ?? 0;
  if (!(Number.isInteger(inSample) && inSample > 0 && Number.isInteger(outOfSample) && outOfSample > 0 && Number.isInteger(step) && step > 0))
    throw new RangeError('inSample, outOfSample and step must be positive integers');
  const out: Window[] = [];
  for (let k = 0; ; k++) {
    const isEnd = start + inSample + k * step;
    if (isEnd >= total) break;
    out.push({ index: k, inSample: { start: spec.anchored ? start : isEnd - inSample, end: isEnd }, outOfSample: { start: isEnd, end: Math.min(total, isEnd + outOfSample) } });
  }
  return out;
}

/**
 * A read-only view of the first `end` items: reading index ≥ end throws LookAheadError, so code
 * handed this view cannot see the future even by mistake. Array methods work on the visible part.
 */
export function historyView<T>(items: readonly T[], end: number): readonly T[] {
  const visible = Object.freeze(items.slice(0, end));
  return new Proxy(visible, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key) && Number(key) >= end) throw new LookAheadError(`read of index ${key} at or past the window end ${end}`);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

/**
 * Checks that `series(history)[i]` depends only on history[0..i]: for every checkpoint c, the
 * series computed on the first c items must equal the full series on [0, c). Throws LookAheadError
 * on the first difference (or when the strategy reads past its view).
 */
export function assertCausal<T>(series: (history: readonly T[]) => readonly number[], items: readonly T[], checkpoints: readonly number[], tolerance = 1e-9): readonly number[] {
  const full = series(historyView(items, items.length));
  for (const c of checkpoints) {
    const part = series(historyView(items, c));
    for (let i = 0; i < c; i++) {
      const a = full[i] ?? NaN;
      const b = part[i] ?? NaN;
      if (!(Math.abs(a - b) <= tolerance || (Number.isNaN(a) && Number.isNaN(b))))
        throw new LookAheadError(`output at index ${i} changes when data after index ${c - 1} is removed (${a} vs ${b}): the strategy looks ahead`);
    }
  }
  return full;
}

export interface ChoiceContext {
  window: Window;
  /** per candidate, its per-period returns from the first period up to the in-sample end (a view) */
  returns: readonly (readonly number[])[];
}
/** Picks a candidate index from in-sample evidence only. Default: the best in-sample Sharpe. */
export type Choose = (ctx: ChoiceContext) => number;

export const bestInSampleSharpe: Choose = ({ window, returns }) => {
  let best = 0;
  let bestScore = -Infinity;
  returns.forEach((r, k) => {
    const s = sharpe(r.slice(window.inSample.start, window.inSample.end));
    if (s > bestScore + 1e-15) {
      best = k;
      bestScore = s;
    }
  });
  return best;
};

export interface WindowFigures {
  periods: number;
  /** per-period mean return */
  mean_return: number;
  /** compounded return over the window */
  total_return: number;
  /** Sharpe per period × √periodsPerYear */
  sharpe: number;
}
export interface WindowResult {
  index: number;
  in_sample: Range & WindowFigures;
  out_of_sample: Range & WindowFigures;
  chosen: number;
}
export interface WalkForwardResult {
  windows: WindowResult[];
  /** the out-of-sample returns of the chosen candidates, concatenated */
  oosReturns: number[];
  oos: WindowFigures;
}

export function figures(r: readonly number[], periodsPerYear: number): WindowFigures {
  return {
    periods: r.length,
    mean_return: mean(r),
    total_return: r.reduce((v, x) => v * (1 + x), 1) - 1,
    sharpe: stdev(r) > 0 ? sharpe(r) * Math.sqrt(periodsPerYear) : 0,
  };
}

/**
 * The walk-forward over a candidates × periods return matrix: each window's choice sees only the
 * matrix up to the in-sample end (views), the chosen candidate's following out-of-sample returns
 * are what the window reports.
 */
export function walkForwardMatrix(matrix: readonly (readonly number[])[], windows: readonly Window[], opts: { choose?: Choose; periodsPerYear?: number } = {}): WalkForwardResult {
  const choose = opts.choose ?? bestInSampleSharpe;
  const ppy = opts.periodsPerYear ?? 52;
  const out: WindowResult[] = [];
  const oosReturns: number[] = [];
  for (const w of windows) {
    const views = Object.freeze(matrix.map((row) => historyView(row, w.inSample.end)));
    const chosen = choose({ window: w, returns: views });
    const row = matrix[chosen];
    if (!Number.isInteger(chosen) || !row) throw new RangeError(`choice ${chosen} is not a candidate index`);
    const is = row.slice(w.inSample.start, w.inSample.end);
    const oos = row.slice(w.outOfSample.start, w.outOfSample.end);
    oosReturns.push(...oos);
    out.push({ index: w.index, chosen, in_sample: { ...w.inSample, ...figures(is, ppy) }, out_of_sample: { ...w.outOfSample, ...figures(oos, ppy) } });
  }
  return { windows: out, oosReturns, oos: figures(oosReturns, ppy) };
}

/**
 * The whole walk-forward of position-taking strategies on a price series: `decide(candidate,
 * history)` gives the position held after each close (exposure, e.g. −1..1); period i + 1 earns
 * position[i] × (price[i + 1] / price[i] − 1). Every candidate's decisions are checked for
 * causality at every window end before any window is judged.
 */
export function walkForward<P>(
  prices: readonly number[],
  candidates: readonly P[],
  decide: (candidate: P, history: readonly number[]) => readonly number[],
  spec: WalkForwardSpec,
  opts: { choose?: Choose; periodsPerYear?: number } = {},
): WalkForwardResult {
  const windows = splitWalkForward(prices.length, spec);
  const checkpoints = [...new Set(windows.map((w) => w.inSample.end))];
  const matrix = candidates.map((c) => {
    const pos = assertCausal((h) => decide(c, h), prices, checkpoints);
    return prices.map((p, i) => (i === 0 ? 0 : (pos[i - 1] ?? 0) * (p / (prices[i - 1] as number) - 1)));
  });
  return walkForwardMatrix(matrix, windows, opts);
}
