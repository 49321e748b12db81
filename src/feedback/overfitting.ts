/**
 * Guards against back-test overfitting.
 *
 * - Probability of Backtest Overfitting by Combinatorially Symmetric Cross-Validation (CSCV):
 *   Bailey, Borwein, López de Prado, Zhu, "The Probability of Backtest Overfitting", Journal of
 *   Computational Finance 20(4), 2017. The periods × candidates performance matrix is cut into S
 *   blocks; for every way of taking S/2 blocks as in-sample (the rest out-of-sample) the best
 *   in-sample candidate's out-of-sample relative rank ω gives the logit λ = ln(ω / (1 − ω));
 *   PBO is the share of splits with λ ≤ 0 (the in-sample winner at or below the out-of-sample median).
 * - Deflated Sharpe Ratio: Bailey & López de Prado, "The Deflated Sharpe Ratio: Correcting for
 *   Selection Bias, Backtest Overfitting and Non-Normality", Journal of Portfolio Management 40(5), 2014.
 */
import { normCdf } from '../domain/pricing';
import { moments, normInv, sharpe } from './random';

export interface PboResult {
  name: 'PBO (CSCV)';
  value: number;
  splits: number;
  blocks: number;
  candidates: number;
  /** median logit of the in-sample winner's out-of-sample rank */
  median_logit: number;
}

function* combinations(n: number, k: number): Generator<number[]> {
  const c = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    yield c.slice();
    let i = k - 1;
    while (i >= 0 && c[i] === n - k + i) i--;
    if (i < 0) return;
    c[i] = (c[i] as number) + 1;
    for (let j = i + 1; j < k; j++) c[j] = (c[j - 1] as number) + 1;
  }
}

/**
 * PBO of choosing the best of `returns.length` candidates by Sharpe. `returns[k]` is candidate k's
 * per-period returns, all of the same length. Per-block sums make each split O(S × N).
 */
export function probabilityOfBacktestOverfitting(returns: readonly (readonly number[])[], blocks = 16): PboResult {
  const N = returns.length;
  const T = Math.min(...returns.map((r) => r.length));
  if (N < 2) throw new RangeError('PBO needs at least two candidates');
  if (blocks % 2 !== 0 || blocks < 2) throw new RangeError('blocks must be even and ≥ 2');
  if (T < blocks * 2) throw new RangeError(`PBO needs at least ${blocks * 2} periods, got ${T}`);
  // sufficient statistics per block and candidate: count, sum, sum of squares
  const size = Math.floor(T / blocks);
  const sum = Array.from({ length: blocks }, () => new Float64Array(N));
  const sq = Array.from({ length: blocks }, () => new Float64Array(N));
  const cnt = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const from = b * size;
    const to = b === blocks - 1 ? T : from + size;
    cnt[b] = to - from;
    for (let k = 0; k < N; k++) {
      const r = returns[k] as readonly number[];
      let s = 0;
      let s2 = 0;
      for (let t = from; t < to; t++) {
        const x = r[t] as number;
        s += x;
        s2 += x * x;
      }
      (sum[b] as Float64Array)[k] = s;
      (sq[b] as Float64Array)[k] = s2;
    }
  }
  const sr = (bs: readonly number[], k: number): number => {
    let n = 0;
    let s = 0;
    let s2 = 0;
    for (const b of bs) {
      n += cnt[b] as number;
      s += (sum[b] as Float64Array)[k] as number;
      s2 += (sq[b] as Float64Array)[k] as number;
    }
    const m = s / n;
    const v = (s2 - n * m * m) / (n - 1);
    return v > 1e-20 ? m / Math.sqrt(v) : 0;
  };
  const logits: number[] = [];
  const all = Array.from({ length: blocks }, (_, i) => i);
  for (const is of combinations(blocks, blocks / 2)) {
    const oos = all.filter((b) => !is.includes(b));
    let best = 0;
    let bestIs = -Infinity;
    for (let k = 0; k < N; k++) {
      const s = sr(is, k);
      if (s > bestIs) {
        bestIs = s;
        best = k;
      }
    }
    const oosBest = sr(oos, best);
    // relative rank of the winner out of sample: 1 = worst … N = best (ties count half)
    let below = 0;
    let ties = 0;
    for (let k = 0; k < N; k++) {
      const s = sr(oos, k);
      if (s < oosBest) below++;
      else if (s === oosBest && k !== best) ties++;
    }
    const omega = (below + ties / 2 + 1) / (N + 1);
    logits.push(Math.log(omega / (1 - omega)));
  }
  const sorted = [...logits].sort((a, b) => a - b);
  return {
    name: 'PBO (CSCV)',
    value: logits.filter((l) => l <= 0).length / logits.length,
    splits: logits.length,
    blocks,
    candidates: N,
    median_logit: sorted[Math.floor(sorted.length / 2)] ?? 0,
  };
}

export interface DeflatedSharpe {
  name: 'Deflated Sharpe ratio';
  /** probability that the selected strategy's true Sharpe exceeds the best expected from N unskilled trials */
  value: number;
  /** per-period Sharpe of the selected strategy */
  sharpe: number;
  /** the expected maximum per-period Sharpe of N trials with no skill */
  benchmark: number;
  trials: number;
}

/**
 * DSR of the best of N trials: SR0 = √V[SR] × ((1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e))), then
 * the probabilistic Sharpe ratio of the winner against SR0 with its skewness and kurtosis.
 */
export function deflatedSharpe(returns: readonly (readonly number[])[]): DeflatedSharpe {
  const N = returns.length;
  const srs = returns.map((r) => sharpe(r));
  let best = 0;
  srs.forEach((s, k) => {
    if (s > (srs[best] as number)) best = k;
  });
  const m = srs.reduce((s, x) => s + x, 0) / N;
  const v = N > 1 ? srs.reduce((s, x) => s + (x - m) ** 2, 0) / (N - 1) : 0;
  const gamma = 0.5772156649015329;
  const sr0 = N > 1 ? Math.sqrt(v) * ((1 - gamma) * normInv(1 - 1 / N) + gamma * normInv(1 - 1 / (N * Math.E))) : 0;
  const r = returns[best] as readonly number[];
  const srStar = srs[best] as number;
  const { skew, kurtosis } = moments(r);
  const denom = Math.sqrt(Math.max(1e-12, 1 - skew * srStar + ((kurtosis - 1) / 4) * srStar * srStar));
  const z = ((srStar - sr0) * Math.sqrt(Math.max(1, r.length - 1))) / denom;
  return { name: 'Deflated Sharpe ratio', value: normCdf(z), sharpe: srStar, benchmark: sr0, trials: N };
}
