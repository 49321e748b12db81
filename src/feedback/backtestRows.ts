/**
 * A back-test run as performance rows (one per account and week), the same shape as live rows,
 * so performance cuts and the drift report treat both alike.
 */
import { leapsId } from '../domain/ledger';
import type { Bar } from '../domain/indicators';
import type { ProtocolConfig } from '../domain/config';
import type { WeekType } from '../domain/weekTypes';
import { runBacktest, type RunResult, type WeekObservation } from '../backtest/engine';
import { buildMarket } from '../backtest/market';
import type { BacktestOptions } from '../backtest/options';
import type { PerformanceRow } from './performance';

/** Week types in which the short option was exercised: a put assigned or a call called away. */
export const ASSIGNED_TYPES: ReadonlySet<WeekType> = new Set<WeekType>(['P-AWL', 'P-DD', 'P-AOL', 'C-WAP+', 'C-WAP']);

/** An observer for runBacktest that turns every weekly close into rows; `rows` collects them. */
export function rowCollector(configVersion: string, underlying: string): { rows: PerformanceRow[]; observe: (w: WeekObservation) => void } {
  const rows: PerformanceRow[] = [];
  const lastBase = new Map<string, number>();
  const observe = (w: WeekObservation): void => {
    for (const a of w.book.accounts) {
      const value = w.values[a.id] ?? 0;
      // realised: cash (incl. the LEAPS sleeve) + shares at cost; unrealised: the marks beyond it
      const base = w.book.cash(a.id) + w.book.cash(leapsId(a.id)) + a.shares * a.basis;
      const prev = lastBase.get(a.id) ?? base;
      lastBase.set(a.id, base);
      const type = a.lastType ?? 'W-IDL';
      rows.push({
        source: 'BACKTEST',
        week: w.week,
        account: a.id,
        family: a.family.id,
        kind: a.kind,
        underlying,
        weekType: type,
        regime: `${w.regime.trend}/${w.regime.vol}`,
        level: a.level,
        configVersion,
        premiumCents: a.weekPremium,
        expectedPremiumCents: a.weekPremium,
        assigned: ASSIGNED_TYPES.has(type),
        realizedPnlCents: base - prev,
        unrealizedPnlCents: value - base,
        valueCents: value,
      });
    }
  };
  return { rows, observe };
}

/** Runs the back-test and returns its result with the rows. */
export function backtestRows(bars: readonly Bar[], p: ProtocolConfig, o: BacktestOptions, configVersion = 'default'): { run: RunResult; rows: PerformanceRow[] } {
  const c = rowCollector(configVersion, o.symbol);
  const run = runBacktest(buildMarket(bars, o, p), bars, p, o, undefined, c.observe);
  return { run, rows: c.rows };
}
