/** Performance statistics of a weekly value series (floats: these are ratios, not money). */
import { toEpochDay } from '../domain';

export interface Stats {
  totalReturn: number;
  cagr: number;
  volatility: number;
  sharpe: number;
  maxDrawdown: number;
  yearly: Record<string, number>;
}

/** Drawdown at each point: value / running peak − 1 (≤ 0). */
export function drawdowns(values: readonly number[]): number[] {
  let peak = -Infinity;
  return values.map((v) => {
    peak = Math.max(peak, v);
    return peak > 0 ? v / peak - 1 : 0;
  });
}

/**
 * CAGR over the calendar span (days / 365.25), annualised volatility and Sharpe from weekly
 * simple returns × √periodsPerYear with a 0 % risk-free rate, max drawdown as a positive fraction,
 * yearly returns from the last value of the previous year (or the first value) to the year's last.
 */
export function stats(dates: readonly string[], values: readonly number[], periodsPerYear: number): Stats {
  const n = values.length;
  const first = values[0] ?? 0;
  const last = values[n - 1] ?? 0;
  const years = n > 1 ? (toEpochDay(dates[n - 1] ?? '') - toEpochDay(dates[0] ?? '')) / 365.25 : 0;
  const rets = values.slice(1).map((v, i) => v / (values[i] ?? v) - 1);
  const mean = rets.reduce((s, r) => s + r, 0) / Math.max(1, rets.length);
  const sd = Math.sqrt(rets.reduce((s, r) => s + (r - mean) ** 2, 0) / Math.max(1, rets.length - 1));
  const yearly: Record<string, number> = {};
  let startValue = first;
  for (let i = 0; i < n; i++) {
    const y = (dates[i] ?? '').slice(0, 4);
    if ((dates[i + 1] ?? '').slice(0, 4) !== y) {
      yearly[y] = (values[i] ?? 0) / startValue - 1;
      startValue = values[i] ?? 0;
    }
  }
  return {
    totalReturn: first > 0 ? last / first - 1 : 0,
    cagr: years > 0 && first > 0 ? (last / first) ** (1 / years) - 1 : 0,
    volatility: sd * Math.sqrt(periodsPerYear),
    sharpe: sd > 0 ? (mean / sd) * Math.sqrt(periodsPerYear) : 0,
    maxDrawdown: Math.max(0, -Math.min(0, ...drawdowns(values))),
    yearly,
  };
}
