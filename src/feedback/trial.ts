/**
 * One trial: the back-test of one candidate over the whole span, reduced to its weekly returns
 * and headline figures. The market model depends only on the data and the volatility options,
 * so it is built once per worker and shared by every candidate that does not change it.
 */
import { DEFAULT_PROTOCOL, withOverrides, type ProtocolConfig } from '../domain/config';
import type { Bar } from '../domain/indicators';
import { runBacktest } from '../backtest/engine';
import { buildMarket, type Market } from '../backtest/market';
import { parseBacktestOptions, type BacktestOptions } from '../backtest/options';
import { backtestProtocol } from '../backtest/run';
import { stats } from '../backtest/stats';
import type { Candidate } from './grid';
import { canonical } from './grid';
import { returnsOf, round } from './random';
import { threadCpuMs } from './threadCpu';

export interface TrialResult {
  id: string;
  label: string;
  /** the week of each return (the week it ends) */
  weeks: string[];
  /** weekly simple returns of the total value */
  returns: number[];
  /** total value at each weekly close (cents), starting with the lump sum */
  values: number[];
  figures: { total_return: number; cagr: number; sharpe: number; max_drawdown: number; premium_cents: number };
  /** time spent computing this trial (ms, wall clock of its thread) */
  ms: number;
  /** CPU time of its thread (ms, 10 ms resolution), null where not measurable */
  cpuMs: number | null;
}

export function candidateConfig(c: Candidate, baseOptions: Partial<BacktestOptions> = {}, base: ProtocolConfig = DEFAULT_PROTOCOL): { p: ProtocolConfig; o: BacktestOptions } {
  const o = parseBacktestOptions({ ...baseOptions, ...c.options });
  return { p: withOverrides(backtestProtocol(o, base), c.protocol), o };
}

/** Builds (and caches) the market per data-relevant option set and regime config. */
export class TrialRunner {
  private markets = new Map<string, Market>();
  constructor(
    readonly bars: readonly Bar[],
    readonly baseOptions: Partial<BacktestOptions> = {},
  ) {}

  market(p: ProtocolConfig, o: BacktestOptions): Market {
    const key = canonical({ r: p.regime, u: o.unitDivisor, w: o.volWindowDays, f: o.volFactor, m: o.minVol });
    let m = this.markets.get(key);
    if (!m) {
      m = buildMarket(this.bars, o, p);
      this.markets.set(key, m);
    }
    return m;
  }

  /** Builds the market `c` trades on now (a worker's start-up), so its first trial costs what the others cost. */
  prepare(c: Candidate): void {
    const { p, o } = candidateConfig(c, this.baseOptions);
    this.market(p, o);
  }

  run(c: Candidate, bars: readonly Bar[] = this.bars): TrialResult {
    const t0 = performance.now();
    const c0 = threadCpuMs();
    const { p, o } = candidateConfig(c, this.baseOptions);
    const m = bars === this.bars ? this.market(p, o) : buildMarket(bars, o, p);
    const run = runBacktest(m, bars, p, o);
    const values = run.points.map((x) => x.total);
    const s = stats(
      run.points.map((x) => x.date),
      values,
      o.periodsPerYear,
    );
    return {
      id: c.id,
      label: c.label,
      weeks: run.points.slice(1).map((x) => x.week),
      returns: returnsOf(values),
      values,
      figures: { total_return: round(s.totalReturn), cagr: round(s.cagr), sharpe: round(s.sharpe, 4), max_drawdown: round(s.maxDrawdown), premium_cents: run.book.premium },
      ms: performance.now() - t0,
      cpuMs: c0 === null ? null : (threadCpuMs() ?? c0) - c0,
    };
  }
}
