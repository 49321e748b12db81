/**
 * Walk-forward optimisation of protocol parameters on the back-tester.
 *
 * Every candidate is back-tested once over the whole span (in worker threads); a trial's weekly
 * returns are causal (the engine uses only closes up to each week: checked here by re-running the
 * default candidate on data cut at a window end and comparing). The walk-forward then chooses, in
 * each in-sample window, the candidate with the best Sharpe from the return matrix up to that
 * window's end (views that refuse to be read further), and judges it on the following
 * out-of-sample window. PBO (CSCV) and the deflated Sharpe ratio are computed on the same matrix.
 *
 * Simplification, stated in every result: a window's out-of-sample figures are the chosen
 * candidate's returns in that window from its own full-span run (as if it had traded all along),
 * not a restart of the book at the window start.
 */
import os from 'node:os';
import { weekOf } from '../domain/calendar';
import { parseBarsCsv } from '../backtest/csv';
import { runBacktest } from '../backtest/engine';
import { buildMarket } from '../backtest/market';
import { parseBacktestOptions, type BacktestOptions } from '../backtest/options';
import { backtestProtocol } from '../backtest/run';
import type { Candidate } from './grid';
import { deflatedSharpe, probabilityOfBacktestOverfitting } from './overfitting';
import { defaultWorkers } from './pool';
import { dataKeyOf, freshPools, type PoolSource } from './warmPools';
import { round } from './random';
import { threadCpuMs } from './threadCpu';
import { TrialRunner, type TrialResult } from './trial';
import { figures, LookAheadError, splitWalkForward, walkForwardMatrix, type WalkForwardSpec } from './walkForward';

export interface OptimizeInput {
  csvText: string;
  options?: Partial<BacktestOptions>;
  candidates: Candidate[];
  walkForward?: WalkForwardSpec;
  /** worker threads (default: every core) */
  workers?: number;
  /** measure parallel efficiency (one worker on the first trials, then all) */
  measureParallel?: boolean;
  /** least rounds of that measurement (default 3; each round: the first trials on one worker, then on all) */
  calibrationRounds?: number;
  /** rounds go on until the one-worker side has run this long (default 2,000 ms; at most 200 rounds) */
  calibrationMs?: number;
  /** trials already stored (resume): not run again */
  done?: ReadonlyMap<string, TrialResult>;
  /** called with each new trial as it lands (persist it here) */
  onTrial?: (r: TrialResult, done: number, total: number) => Promise<void> | void;
  /** where the trial pool comes from (default: a fresh one, closed after the run; the worker keeps one warm) */
  pools?: PoolSource;
  /** CSCV blocks (even) */
  pboBlocks?: number;
  /** what the recommendation is about */
  kind?: 'PROTOCOL' | 'LEAPS';
}

export interface Recommendation {
  action: 'PROPOSE' | 'KEEP';
  candidate: string;
  label: string;
  /** the protocol overrides (and back-test options) of the proposed set */
  protocol: Candidate['protocol'];
  options: Candidate['options'];
  reason: string;
}

export interface OptimizeReport {
  kind: 'PROTOCOL' | 'LEAPS';
  span: { start: string; end: string; weeks: number };
  trials: number;
  trials_resumed: number;
  windows: {
    index: number;
    chosen: string;
    in_sample: { start_week: string; end_week: string; weeks: number; sharpe: number; total_return: number };
    out_of_sample: { start_week: string; end_week: string; weeks: number; sharpe: number; total_return: number; default_sharpe: number; default_total_return: number };
  }[];
  out_of_sample: { sharpe: number; total_return: number; default_sharpe: number; default_total_return: number };
  overfitting: { name: string; value: number; splits: number; blocks: number };
  deflated_sharpe: { name: string; value: number; trials: number };
  causality: { checked_at_week: string; ok: true };
  cost_ratio: number;
  parallel_efficiency: number | null;
  /** the same on a CPU basis (per-thread CPU time), far less disturbed by other load */
  parallel_efficiency_cpu: number | null;
  measurements: {
    cost_basis: 'thread CPU time' | 'wall time';
    cost_ratio_wall: number;
    plain_backtest_cpu_ms: number | null;
    cost_per_set_cpu_ms: number | null;
    plain_backtest_ms: number;
    plain_backtest_cold_ms: number;
    worker_ms: number;
    analysis_ms: number;
    cost_per_set_ms: number;
    workers: number;
    one_worker_ms: number | null;
    all_workers_ms: number | null;
    speedup: number | null;
    one_worker_cpu_ms: number | null;
    all_workers_cpu_ms: number | null;
    trial_busy_share: number | null;
    /** 1-minute load average at the start and the end of the run */
    load_average_1m: number[];
    cores: number;
    measurement_ms: number;
    /** alternating rounds the parallel measurement took (calibrationRounds at least, then until calibrationMs) */
    calibration_rounds: number;
    /** the trial threads were kept warm from an earlier run (their start-up is not in this run's cost) */
    pool_reused: boolean;
    /** the workers' start-up in this run's cost (0 when the pool was reused) */
    startup_ms: number;
  };
  best_in_sample_overall: { candidate: string; sharpe: number };
  recommendation: Recommendation;
  notes: string[];
}

const r4 = (x: number): number => round(x, 4);

export async function optimize(input: OptimizeInput): Promise<OptimizeReport> {
  const o = parseBacktestOptions(input.options ?? {});
  const bars = parseBarsCsv(input.csvText, { maxGapDays: o.maxGapDays });
  const cands = input.candidates;
  if (cands.length < 2) throw new RangeError('an optimisation needs at least two candidates');
  const def = cands[0] as Candidate;

  // One plain back-test of the same span (market + weekly loop), warm: the yardstick of cost_ratio.
  const p0 = backtestProtocol(o);
  const plainCpu: (number | null)[] = [];
  const plain = (): number => {
    const t = performance.now();
    const c = threadCpuMs();
    runBacktest(buildMarket(bars, o, p0), bars, p0, o);
    const c1 = threadCpuMs();
    plainCpu.push(c === null || c1 === null ? null : c1 - c);
    return performance.now() - t;
  };
  const coldMs = plain();
  const warm = [plain(), plain(), plain()].sort((a, b) => a - b);
  const plainMs = warm[1] as number;
  const warmCpu = plainCpu.slice(1);
  // CPU ticks are 10 ms: the mean of the three warm runs (30 ms of resolution over three runs)
  const plainCpuMs = warmCpu.every((x) => x !== null) ? warmCpu.reduce((a, b) => a + b, 0) / warmCpu.length : null;

  const done = new Map(input.done ?? []);
  const todo = cands.filter((c) => !done.has(c.id));
  const n = Math.max(1, input.workers ?? defaultWorkers());
  let analysisMs = 0;
  let workerMs = 0;
  let workerCpu: number | null = 0;
  let measureMs = 0;
  let one: number | null = null;
  let all: number | null = null;
  let oneCpu: number | null = null;
  let calibrationCpuMs: number | null = null;
  let allBusyMs = 0;
  let rounds = 0;
  let reused = false;
  let startupMs = 0;
  const load = [os.loadavg()[0] as number];
  if (todo.length > 0) {
    const pools = input.pools ?? freshPools;
    const pool = await pools.acquire(n, { bars, options: input.options ?? {} }, dataKeyOf(input.csvText));
    reused = pool.trialMs > 0;
    startupMs = reused ? 0 : pool.setupMs;
    // A new pool's start-up is this run's cost; a warm pool's counters hold its earlier runs, so
    // this run's figures are only what it adds to them.
    const base = reused ? { ms: pool.workerMs, cpu: pool.workerCpuMs } : { ms: 0, cpu: 0 };
    let healthy = false;
    try {
      const land = async (r: TrialResult): Promise<void> => {
        done.set(r.id, r);
        await input.onTrial?.(r, done.size, cands.length);
      };
      let rest = todo;
      let calibrationMs = 0;
      let calibrationCpu: number | null = 0;
      if ((input.measureParallel ?? true) && n > 1 && todo.length >= 2 * n) {
        // Same run, same work: the first n trials run for real, one per worker (every worker is
        // then warm on a full-span trial); then, as a measurement, one worker repeats those n
        // trials alone, and every one of the n workers repeats them all at once (n× the work;
        // ideal: the same time). Balanced and equally warm by construction. Repeats must give
        // identical returns and are dropped.
        const first = todo.slice(0, n);
        rest = todo.slice(n);
        await pool.runAll(first, land, n);
        const same = (rs: TrialResult[]) => {
          for (const r of rs) if (JSON.stringify(r.returns) !== JSON.stringify(done.get(r.id)?.returns)) throw new Error(`trial ${r.id} differs between runs: not deterministic`);
        };
        // Repeated in alternating rounds until the one-worker side has run `calibrationMs`: a round
        // is ~50 ms since trials take ~25 ms (a scheduler's time slices and the main thread's
        // messages weigh on so short a window); alternating spreads any drift of the machine's
        // other load over both halves alike.
        const before = pool.workerMs;
        const cpuStart = pool.workerCpuMs;
        const add = (a: number | null, b: number | null, c: number | null) => (a === null || b === null || c === null ? null : a + (c - b));
        one = all = allBusyMs = 0;
        oneCpu = calibrationCpuMs = 0;
        const minRounds = Math.max(1, input.calibrationRounds ?? 3);
        const windowMs = input.calibrationMs ?? 2000;
        for (; rounds < minRounds || (one < windowMs && rounds < 200); rounds++) {
          const cpu0 = pool.workerCpuMs;
          let t = performance.now();
          (await pool.runEach(first, 1)).forEach(same);
          one += performance.now() - t;
          const busy1 = pool.workerMs;
          const cpu1 = pool.workerCpuMs;
          t = performance.now();
          (await pool.runEach(first, n)).forEach(same);
          all += performance.now() - t;
          allBusyMs += pool.workerMs - busy1;
          const cpu2 = pool.workerCpuMs;
          oneCpu = add(oneCpu, cpu0, cpu1);
          calibrationCpuMs = add(calibrationCpuMs, cpu1, cpu2);
        }
        calibrationMs = pool.workerMs - before;
        const cpuEnd = pool.workerCpuMs;
        calibrationCpu = cpuStart === null || cpuEnd === null ? null : cpuEnd - cpuStart;
      }
      await pool.runAll(rest, land, n);
      workerMs = pool.workerMs - base.ms - calibrationMs;
      const totalCpu = pool.workerCpuMs;
      workerCpu = totalCpu === null || base.cpu === null || calibrationCpu === null ? null : totalCpu - base.cpu - calibrationCpu;
      measureMs = calibrationMs;
      healthy = true;
    } finally {
      await pools.release(pool, healthy);
    }
  }

  const t0 = performance.now();
  const a0 = threadCpuMs();
  const trials = cands.map((c) => done.get(c.id) as TrialResult);
  const weeks = trials[0]?.weeks ?? [];
  for (const t of trials) if (t.weeks.length !== weeks.length) throw new Error(`trial ${t.id} covers ${t.weeks.length} weeks, not ${weeks.length}`);
  const matrix = trials.map((t) => t.returns);
  const spec = input.walkForward ?? { inSample: 156, outOfSample: 52 };
  const windows = splitWalkForward(weeks.length, spec);
  if (windows.length === 0) throw new RangeError(`no walk-forward window fits ${weeks.length} weeks with ${spec.inSample} in-sample`);

  // Causality of the engine: the default candidate on data cut at the middle window's end must
  // reproduce its full-span values up to there.
  const cut = (windows[Math.floor(windows.length / 2)] as (typeof windows)[number]).inSample.end;
  const cutWeek = weeks[cut - 1] as string;
  const runner = new TrialRunner(bars, input.options ?? {});
  let keep = 0;
  while (keep < bars.length && weekOf((bars[keep] as (typeof bars)[number]).date) <= cutWeek) keep++;
  const partial = runner.run(def, bars.slice(0, keep));
  const fullDef = trials[0] as TrialResult;
  for (let i = 0; i < partial.values.length; i++)
    if (partial.values[i] !== fullDef.values[i]) throw new LookAheadError(`the back-test of ${def.id} changes at week ${i} when data after ${cutWeek} is removed`);

  const wf = walkForwardMatrix(matrix, windows);
  const defRow = matrix[0] as number[];
  const defOos = windows.flatMap((w) => defRow.slice(w.outOfSample.start, w.outOfSample.end));
  const pbo = probabilityOfBacktestOverfitting(matrix, input.pboBlocks ?? 16);
  const dsr = deflatedSharpe(matrix);
  const full = matrix.map((r) => figures(r, o.periodsPerYear).sharpe);
  const bestAll = full.indexOf(Math.max(...full));
  const defFig = figures(defOos, o.periodsPerYear);
  analysisMs = performance.now() - t0;
  const a1 = threadCpuMs();
  const analysisCpu = a0 === null || a1 === null ? null : a1 - a0;

  const lastChoice = wf.windows.at(-1)?.chosen ?? 0;
  const chosen = cands[lastChoice] as Candidate;
  const beats = wf.oos.sharpe > defFig.sharpe;
  const propose = lastChoice !== 0 && beats && pbo.value <= 0.3;
  const reason =
    lastChoice === 0
      ? 'the latest in-sample window chooses the current parameters'
      : !beats
        ? `walk-forward out-of-sample Sharpe ${r4(wf.oos.sharpe)} does not beat the current parameters' ${r4(defFig.sharpe)} over the same weeks`
        : pbo.value > 0.3
          ? `PBO ${r4(pbo.value)} > 0.3: the in-sample choice is likely overfitted`
          : `walk-forward out-of-sample Sharpe ${r4(wf.oos.sharpe)} beats the current ${r4(defFig.sharpe)} with PBO ${r4(pbo.value)}`;
  const costPerSet = (workerMs + analysisMs) / Math.max(1, todo.length);
  const cpuBasis = plainCpuMs !== null && plainCpuMs > 0 && workerCpu !== null && analysisCpu !== null;
  const costPerSetCpu = cpuBasis ? ((workerCpu as number) + analysisCpu) / Math.max(1, todo.length) : null;
  load.push(os.loadavg()[0] as number);
  // Wall: each of n workers did the one-worker work in `all` (ideal all = one). CPU: the same work's
  // CPU on one worker against its mean CPU per worker when n run at once (contention), times the
  // share of the n workers' wall time spent inside trials (gaps: start of work, the main thread).
  const speedup = one !== null && all !== null && all > 0 ? (n * one) / all : null;
  const busyShare = all !== null && all > 0 ? Math.min(1, allBusyMs / (n * all)) : null;
  const cpuEfficiency = oneCpu !== null && oneCpu > 0 && calibrationCpuMs !== null && calibrationCpuMs > 0 && busyShare !== null ? (oneCpu / (calibrationCpuMs / n)) * busyShare : null;
  const wk = (i: number): string => weeks[i] ?? '';
  return {
    kind: input.kind ?? 'PROTOCOL',
    span: { start: wk(0), end: wk(weeks.length - 1), weeks: weeks.length },
    trials: cands.length,
    trials_resumed: cands.length - todo.length,
    windows: wf.windows.map((w) => {
      const d = figures(defRow.slice(w.out_of_sample.start, w.out_of_sample.end), o.periodsPerYear);
      return {
        index: w.index,
        chosen: (cands[w.chosen] as Candidate).id,
        in_sample: { start_week: wk(w.in_sample.start), end_week: wk(w.in_sample.end - 1), weeks: w.in_sample.periods, sharpe: r4(w.in_sample.sharpe), total_return: r4(w.in_sample.total_return) },
        out_of_sample: {
          start_week: wk(w.out_of_sample.start),
          end_week: wk(w.out_of_sample.end - 1),
          weeks: w.out_of_sample.periods,
          sharpe: r4(w.out_of_sample.sharpe),
          total_return: r4(w.out_of_sample.total_return),
          default_sharpe: r4(d.sharpe),
          default_total_return: r4(d.total_return),
        },
      };
    }),
    out_of_sample: { sharpe: r4(wf.oos.sharpe), total_return: r4(wf.oos.total_return), default_sharpe: r4(defFig.sharpe), default_total_return: r4(defFig.total_return) },
    overfitting: { name: pbo.name, value: r4(pbo.value), splits: pbo.splits, blocks: pbo.blocks },
    deflated_sharpe: { name: dsr.name, value: r4(dsr.value), trials: dsr.trials },
    causality: { checked_at_week: cutWeek, ok: true },
    cost_ratio: todo.length === 0 ? 0 : cpuBasis ? r4((costPerSetCpu as number) / plainCpuMs) : r4(costPerSet / plainMs),
    parallel_efficiency: speedup === null ? (n === 1 ? 1 : null) : r4(speedup / n),
    parallel_efficiency_cpu: cpuEfficiency === null ? (n === 1 ? 1 : null) : r4(cpuEfficiency),
    measurements: {
      cost_basis: cpuBasis ? 'thread CPU time' : 'wall time',
      cost_ratio_wall: todo.length > 0 ? r4(costPerSet / plainMs) : 0,
      plain_backtest_cpu_ms: plainCpuMs === null ? null : round(plainCpuMs, 1),
      cost_per_set_cpu_ms: costPerSetCpu === null ? null : round(costPerSetCpu, 1),
      plain_backtest_ms: round(plainMs, 1),
      plain_backtest_cold_ms: round(coldMs, 1),
      worker_ms: round(workerMs, 1),
      analysis_ms: round(analysisMs, 1),
      cost_per_set_ms: round(costPerSet, 1),
      workers: n,
      one_worker_ms: one === null ? null : round(one, 1),
      all_workers_ms: all === null ? null : round(all, 1),
      measurement_ms: round(measureMs, 1),
      calibration_rounds: rounds,
      pool_reused: reused,
      startup_ms: round(startupMs, 1),
      speedup: speedup === null ? null : r4(speedup),
      one_worker_cpu_ms: oneCpu,
      all_workers_cpu_ms: calibrationCpuMs,
      trial_busy_share: busyShare === null ? null : r4(busyShare),
      load_average_1m: load.map((x) => round(x, 2)),
      cores: os.availableParallelism(),
    },
    best_in_sample_overall: { candidate: (cands[bestAll] as Candidate).id, sharpe: r4(full[bestAll] ?? 0) },
    recommendation: { action: propose ? 'PROPOSE' : 'KEEP', candidate: chosen.id, label: chosen.label, protocol: chosen.protocol, options: chosen.options, reason },
    notes: [
      'cost_ratio = (worker thread time: start-up incl. a JIT warm-up unless the pool was kept warm from an earlier run (pool_reused) + every new trial, + main-thread analysis incl. the causality re-run) ÷ new trials ÷ one plain back-test of the same span (market + weekly loop) on the main thread, warm (median of 3 after a cold run; CPU: their mean). Basis: per-thread CPU time from /proc/thread-self/stat where available (10 ms ticks; wall time per thread inflates when other processes take the cores), else wall time; cost_ratio_wall is the wall-time version.',
      'parallel_efficiency = time of N trials repeated on one worker ÷ time of every one of the N workers repeating those same N trials at once (N× the work; ideal: the same time), wall clock, in this run (N = workers), after the N trials ran for real one per worker (so every worker is equally warm); the repeats are a measurement, left out of cost_ratio (measurement_ms). Other load on the machine (load_average_1m, at start and end) lowers it.',
      "parallel_efficiency_cpu = (thread CPU of the N trials on one worker ÷ mean thread CPU per worker when N run them at once) × the share of the N workers' wall time spent inside trials (trial_busy_share): the same figure on a CPU basis, which other processes on the machine disturb far less (10 ms ticks from /proc/thread-self/stat, so ± a few %; slightly above 1 is within that).",
      "Out-of-sample figures of a window are the chosen candidate's returns in that window from its own full-span run (no restart of the book at the window start).",
      'The first candidate is the current configuration; a PROPOSE needs a different latest choice, a better walk-forward out-of-sample Sharpe than the current parameters over the same weeks, and PBO ≤ 0.3.',
    ],
  };
}
