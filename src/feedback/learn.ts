/**
 * The learning system: the probability that next week's Gen-Acc put (sold at the close at the
 * protocol's target delta, one week to expiry) is assigned, from regime features known at the
 * close. A logistic regression (ml-logistic-regression, batch gradient descent from zero
 * weights: deterministic) on standardised features with an intercept is trained walk-forward — expanding window,
 * re-trained every `retrainEvery` weeks, each block predicted by a model that saw only earlier
 * weeks — and judged out of sample by the Brier score (lower is better; Brier 1950) against two
 * naive baselines: the base rate of the training weeks and last week's outcome. The model is
 * shown as advice only while it does not beat the better baseline.
 */
import LogisticRegression from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import { regimes, sma, toWeekly, type Bar } from '../domain/indicators';
import { DEFAULT_PROTOCOL, type ProtocolConfig } from '../domain/config';
import { bsPrice } from '../domain/pricing';
import { mean } from './random';
import { strikeForDelta } from './premium';

export const FEATURES = ['bull', 'bear', 'vol_high', 'vol_low', 'atr_ratio', 'ret_1w', 'ret_4w', 'ret_13w', 'dist_fast_ma', 'dist_slow_ma', 'implied_vol', 'assigned_this_week'] as const;

export interface LearnSample {
  week: string;
  x: number[];
  /** 1: the put sold at this close is assigned at next week's close */
  y: 0 | 1;
  /** the put's premium as a fraction of its strike (for the record) */
  premium: number;
}

export interface LearnOptions {
  /** |delta| of the put (default: the middle of Gen-Acc's band) */
  delta?: number;
  volWindowDays?: number;
  volFactor?: number;
  minVol?: number;
  rate?: number;
  /** weeks before the first prediction (default 156) */
  minTrain?: number;
  retrainEvery?: number;
  /** gradient-descent steps per fit */
  steps?: number;
}

/** One sample per week from the week's close; the first slowMa weeks warm up the averages. */
export function buildSamples(daily: readonly Bar[], p: ProtocolConfig = DEFAULT_PROTOCOL, opts: LearnOptions = {}): LearnSample[] {
  const delta = opts.delta ?? (p.accounts.GEN.deltaMin + p.accounts.GEN.deltaMax) / 2;
  const win = opts.volWindowDays ?? 20;
  const factor = opts.volFactor ?? 1.2;
  const minVol = opts.minVol ?? 0.08;
  const rate = opts.rate ?? 0.02;
  const weekly = toWeekly(daily);
  const reg = regimes(weekly, p.regime);
  const closes = weekly.map((w) => w.close);
  const fast = sma(closes, p.regime.fastMa);
  const slow = sma(closes, p.regime.slowMa);
  const idx = new Map(daily.map((b, i) => [b.date, i]));
  const lr = daily.map((b, i) => (i === 0 ? 0 : Math.log(b.close / (daily[i - 1] as Bar).close)));
  const vol = (i: number): number => {
    const r = lr.slice(Math.max(1, i - win + 1), i + 1);
    const m = mean(r);
    const v = r.length > 1 ? r.reduce((s, x) => s + (x - m) ** 2, 0) / (r.length - 1) : 0;
    return Math.max(minVol, Math.sqrt(v * 252) * factor);
  };
  const strikeAt = (w: number): { k: number; iv: number } => {
    const c = closes[w] as number;
    const iv = vol(idx.get((weekly[w] as Bar).date) ?? 0);
    return { k: strikeForDelta('P', delta, c, 7 / 365, iv, rate), iv };
  };
  const out: LearnSample[] = [];
  const start = Math.max(p.regime.slowMa, 14);
  for (let w = start; w + 1 < weekly.length; w++) {
    const c = closes[w] as number;
    const r = reg[w];
    const { k, iv } = strikeAt(w);
    const prev = strikeAt(w - 1);
    const x = [
      r?.trend === 'BULL' ? 1 : 0,
      r?.trend === 'BEAR' ? 1 : 0,
      r?.vol === 'HIGH' ? 1 : 0,
      r?.vol === 'LOW' ? 1 : 0,
      r?.atr !== undefined ? r.atr / c : 0,
      c / (closes[w - 1] as number) - 1,
      c / (closes[w - 4] as number) - 1,
      c / (closes[Math.max(0, w - 13)] as number) - 1,
      c / (fast[w] ?? c) - 1,
      c / (slow[w] ?? c) - 1,
      iv,
      c < prev.k ? 1 : 0,
    ];
    const y = (closes[w + 1] as number) < k ? 1 : 0;
    out.push({ week: weekly[w]?.week ?? '', x, y, premium: bsPrice({ right: 'P', spot: c, strike: k, years: 7 / 365, vol: iv, rate }) / k });
  }
  return out;
}

export const brier = (p: readonly number[], y: readonly number[]): number => mean(p.map((q, i) => (q - (y[i] as number)) ** 2));
export const accuracy = (p: readonly number[], y: readonly number[]): number => mean(p.map((q, i) => ((q >= 0.5 ? 1 : 0) === y[i] ? 1 : 0)));

export interface LearnReport {
  metric: 'brier';
  higher_is_better: false;
  oos_score: number;
  baseline_score: number;
  baseline: 'base_rate' | 'last_week';
  baselines: { base_rate: number; last_week: number };
  oos_accuracy: number;
  oos_weeks: number;
  base_rate: number;
  beats_baseline: boolean;
  status: 'ADVICE_ONLY' | 'RECOMMENDED';
  /** the latest model's probability that a put sold at the last close is assigned */
  next_week: { week: string; assignment_probability: number };
  model: string;
  target: string;
  features: readonly string[];
}

export function learnWalkForward(samples: readonly LearnSample[], opts: LearnOptions = {}): LearnReport {
  const minTrain = opts.minTrain ?? 156;
  const every = opts.retrainEvery ?? 52;
  const stepGrid = opts.steps ? [opts.steps] : [25, 50, 100, 200];
  /** Logistic regression for a fixed number of steps: standardisation from its own rows, then P(y = 1). */
  const fitSteps = (train: readonly LearnSample[], steps: number): ((xs: number[][]) => number[]) => {
    const k = train[0]?.x.length ?? 0;
    const mu = Array.from({ length: k }, (_, j) => mean(train.map((t) => t.x[j] as number)));
    const sd = Array.from({ length: k }, (_, j) => Math.sqrt(mean(train.map((t) => ((t.x[j] as number) - (mu[j] as number)) ** 2))) || 1);
    const design = (xs: number[][]): Matrix => new Matrix(xs.map((x) => [1, ...x.map((v, j) => (v - (mu[j] as number)) / (sd[j] as number))]));
    const ys = train.map((t) => t.y);
    const rate = mean(ys);
    if (rate === 0 || rate === 1) return (xs) => xs.map(() => rate);
    const lr = new LogisticRegression({ numSteps: steps, learningRate: 0.5 / train.length });
    lr.train(design(train.map((t) => t.x)), Matrix.columnVector(ys));
    // one-vs-all: classifier 1 was trained with class 1 → 0, so its score is P(y ≠ 1)
    const c1 = lr.classifiers[1] as (typeof lr.classifiers)[number];
    return (xs) => c1.testScores(design(xs)).map((q) => 1 - q);
  };
  /**
   * Early stopping as regularisation (the library has no penalty): the number of gradient steps
   * is chosen on the last quarter of the training weeks (a nested, time-ordered validation),
   * then the model is re-fitted on all of them.
   */
  const fit = (train: readonly LearnSample[]): ((xs: number[][]) => number[]) => {
    let steps = stepGrid[0] as number;
    if (stepGrid.length > 1 && train.length >= 80) {
      const cut = Math.floor(train.length * 0.75);
      const val = train.slice(cut);
      let best = Infinity;
      for (const n of stepGrid) {
        const b = brier(
          fitSteps(train.slice(0, cut), n)(val.map((t) => t.x)),
          val.map((t) => t.y),
        );
        if (b < best) {
          best = b;
          steps = n;
        }
      }
    }
    return fitSteps(train, steps);
  };
  const p: number[] = [];
  const pBase: number[] = [];
  const pLast: number[] = [];
  const ys: number[] = [];
  for (let s = minTrain; s < samples.length; s += every) {
    // sample i's label is known at close i + 1: at close s every sample before s is known, s itself is not
    const train = samples.slice(0, s);
    const test = samples.slice(s, Math.min(samples.length, s + every));
    const rate = mean(train.map((t) => t.y));
    p.push(...fit(train)(test.map((t) => t.x)));
    pBase.push(...test.map(() => rate));
    // last week's outcome: the put sold a week earlier was (or was not) assigned at this close
    pLast.push(...test.map((t) => t.x[FEATURES.indexOf('assigned_this_week')] as number));
    ys.push(...test.map((t) => t.y));
  }
  const oos = brier(p, ys);
  const baselines = { base_rate: brier(pBase, ys), last_week: brier(pLast, ys) };
  const baseline = baselines.base_rate <= baselines.last_week ? 'base_rate' : 'last_week';
  const bestBaseline = Math.min(baselines.base_rate, baselines.last_week);
  const finalModel = fit(samples.slice(0, samples.length - 1));
  const last = samples[samples.length - 1] as LearnSample;
  const beats = oos < bestBaseline;
  return {
    metric: 'brier',
    higher_is_better: false,
    oos_score: oos,
    baseline_score: bestBaseline,
    baseline,
    baselines,
    oos_accuracy: accuracy(p, ys),
    oos_weeks: ys.length,
    base_rate: mean(samples.map((s) => s.y)),
    beats_baseline: beats,
    status: beats ? 'RECOMMENDED' : 'ADVICE_ONLY',
    next_week: { week: last.week, assignment_probability: finalModel([last.x])[0] ?? 0 },
    model: `logistic regression (ml-logistic-regression), standardised features + intercept, gradient steps (${stepGrid.join('/')}) chosen on the last quarter of each training set; walk-forward: expanding window from ${minTrain} weeks, re-trained every ${every} weeks`,
    target: 'next week: is the Gen-Acc put sold at this close (target delta, 1 week) assigned?',
    features: FEATURES,
  };
}
