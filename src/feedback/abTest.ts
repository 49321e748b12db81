/**
 * A/B comparison of two variants' per-period outcomes (e.g. weekly returns of accounts trading
 * variant A and variant B): a percentile bootstrap confidence interval for the difference of
 * means (Efron & Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 13), a minimum sample
 * before any verdict, and a stop rule for repeated looks.
 *
 * Stop rule (group-sequential with Bonferroni alpha spending): at most `maxLooks` looks are
 * planned; each look uses the confidence level 1 − alpha / maxLooks, so the chance of a false
 * verdict over all looks stays ≤ alpha. The test stops with a winner as soon as the interval
 * excludes 0, or with NO_DIFFERENCE when both arms reach `maxSample` without that (futility).
 * Before `minSample` outcomes in each arm there is no verdict at all.
 */
import { mean, seededRandom } from './random';

export interface AbOptions {
  /** outcomes per arm before any verdict (default 30) */
  minSample?: number;
  /** outcomes per arm at which the test stops without a winner (default 200) */
  maxSample?: number;
  /** overall false-verdict rate (default 0.05) */
  alpha?: number;
  /** planned looks the alpha is spread over (default 5) */
  maxLooks?: number;
  /** bootstrap resamples (default 2000) */
  resamples?: number;
  /** PRNG seed: the same data and seed give the same interval (default 1) */
  seed?: number;
}

export type AbVerdict = 'INSUFFICIENT_SAMPLE' | 'CONTINUE' | 'B_BETTER' | 'A_BETTER' | 'NO_DIFFERENCE';

export interface AbResult {
  verdict: AbVerdict;
  /** true when the stop rule ends the test */
  stop: boolean;
  n_a: number;
  n_b: number;
  mean_a: number;
  mean_b: number;
  /** mean(B) − mean(A) */
  difference: number;
  /** percentile bootstrap interval of the difference at `confidence` (null before the minimum sample) */
  interval: [number, number] | null;
  confidence: number;
  method: string;
}

/** Percentile bootstrap interval of mean(b) − mean(a), resampling each arm independently. */
export function bootstrapDifference(a: readonly number[], b: readonly number[], confidence: number, resamples: number, seed: number): [number, number] {
  const rand = seededRandom(seed);
  const diffs = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sa = 0;
    for (let i = 0; i < a.length; i++) sa += a[Math.floor(rand() * a.length)] as number;
    let sb = 0;
    for (let i = 0; i < b.length; i++) sb += b[Math.floor(rand() * b.length)] as number;
    diffs[r] = sb / b.length - sa / a.length;
  }
  diffs.sort();
  const tail = (1 - confidence) / 2;
  const at = (q: number): number => diffs[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))] as number;
  return [at(tail), at(1 - tail)];
}

export function compareAB(a: readonly number[], b: readonly number[], opts: AbOptions = {}): AbResult {
  const minSample = opts.minSample ?? 30;
  const maxSample = opts.maxSample ?? 200;
  const alpha = opts.alpha ?? 0.05;
  const maxLooks = opts.maxLooks ?? 5;
  const confidence = 1 - alpha / maxLooks;
  const base = {
    n_a: a.length,
    n_b: b.length,
    mean_a: mean(a),
    mean_b: mean(b),
    difference: mean(b) - mean(a),
    confidence,
    method: `percentile bootstrap of the difference of means, ${opts.resamples ?? 2000} resamples; Bonferroni over ${maxLooks} looks (alpha ${alpha}); minimum ${minSample}, maximum ${maxSample} per arm`,
  };
  if (Math.min(a.length, b.length) < minSample) return { ...base, verdict: 'INSUFFICIENT_SAMPLE', stop: false, interval: null };
  const interval = bootstrapDifference(a, b, confidence, opts.resamples ?? 2000, opts.seed ?? 1);
  if (interval[0] > 0) return { ...base, verdict: 'B_BETTER', stop: true, interval };
  if (interval[1] < 0) return { ...base, verdict: 'A_BETTER', stop: true, interval };
  if (Math.min(a.length, b.length) >= maxSample) return { ...base, verdict: 'NO_DIFFERENCE', stop: true, interval };
  return { ...base, verdict: 'CONTINUE', stop: false, interval };
}
