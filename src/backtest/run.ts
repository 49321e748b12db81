/** CSV text → validated bars → simulation → statistics and the summary line; timed separately. */
import { DEFAULT_PROTOCOL, WEEK_TYPES, withOverrides, type ProtocolConfig } from '../domain';
import { parseBarsCsv } from './csv';
import type { Bar } from '../domain/indicators';
import { runBacktest, type RunResult } from './engine';
import { buildMarket } from './market';
import { describeAssumptions, parseBacktestOptions, type BacktestHooks, type BacktestOptions } from './options';
import { stats, type Stats } from './stats';

/** The protocol as the backtest runs it: every account on the one underlying, with the protocol's per-symbol caps unless a comparison run turns them off. */
export function backtestProtocol(o: BacktestOptions, base: ProtocolConfig = DEFAULT_PROTOCOL): ProtocolConfig {
  const acct = (k: 'GEN' | 'REV' | 'COM') => ({ underlyings: [o.symbol], concentrationLimit: o.protocolConcentration ? base.accounts[k].concentrationLimit : 1 });
  return withOverrides(base, { accounts: { GEN: acct('GEN'), REV: acct('REV'), COM: acct('COM') } });
}

/** The headline assumptions as one JSON object (the summary line's `assumptions`). */
export function headlineAssumptions(o: BacktestOptions, p: ProtocolConfig): Record<string, unknown> {
  return {
    concentration_caps: o.protocolConcentration,
    cash_rate: o.cashRateSeries.length ? { constant_before: o.cashRate, series_entries: o.cashRateSeries.length, series_from: o.cashRateSeries[0]?.from } : o.cashRate,
    weeklies_from: o.weekliesFrom,
    commission_per_contract: p.market.commissionPerContractCents / 100,
    assignment_fee_per_share: o.assignmentFeePerShareMills / 1000,
    assignment_fee_min: o.assignmentFeeMinCents / 100,
    fill_attempt: o.fillAttempt,
    half_spread: o.halfSpread,
    vol_factor: o.volFactor,
    bs_rate: o.rate,
    unit_divisor: o.unitDivisor,
    lump_sum: o.lumpSumCents / 100,
  };
}

export interface BacktestOutput {
  run: RunResult;
  strategy: Stats;
  hold: Stats;
  holdValues: number[];
  assumptions: string[];
  summary: Record<string, unknown>;
}

const round = (x: number, d = 6): number => Math.round(x * 10 ** d) / 10 ** d;

export function backtestCsv(text: string, input: Partial<BacktestOptions> & BacktestHooks = {}, onWeek?: (i: number, n: number) => void): BacktestOutput {
  const o = parseBacktestOptions(input);
  const t0 = performance.now();
  const bars = parseBarsCsv(text, { maxGapDays: o.maxGapDays });
  return backtestBars(bars, input, onWeek, performance.now() - t0);
}

/**
 * The same run over bars already loaded and validated (the market-data store): `loadMs` is
 * reported as csv_parse_ms, the time it took to get the bars.
 */
export function backtestBars(bars: Bar[], input: Partial<BacktestOptions> & BacktestHooks = {}, onWeek?: (i: number, n: number) => void, loadMs = 0): BacktestOutput {
  const o = parseBacktestOptions(input);
  const t1 = performance.now();
  const p = backtestProtocol(o);
  const run = runBacktest(buildMarket(bars, o, p), bars, p, { ...o, ...(input.onDecision ? { onDecision: input.onDecision } : {}) }, onWeek);
  const dates = run.points.map((x) => x.date);
  const strategy = stats(
    dates,
    run.points.map((x) => x.total),
    o.periodsPerYear,
  );
  const base = run.points[0]?.indexClose ?? 1;
  const holdValues = run.points.map((x) => Math.round((o.lumpSumCents * x.indexClose) / base));
  const hold = stats(dates, holdValues, o.periodsPerYear);
  const t2 = performance.now();
  const summary = {
    weeks: run.points.length - 1,
    start: dates[0],
    end: dates[dates.length - 1],
    cagr: round(strategy.cagr),
    max_drawdown: round(strategy.maxDrawdown),
    sharpe: round(strategy.sharpe, 4),
    yearly_returns: Object.fromEntries(Object.entries(strategy.yearly).map(([y, r]) => [y, round(r)])),
    week_types: Object.fromEntries(WEEK_TYPES.map((t) => [t, run.weekTypes[t]])),
    forks: run.events.filter((e) => e.kind === 'FORK').length,
    merges: run.events.filter((e) => e.kind === 'MERGE').length,
    premium_collected: run.book.premium / 100,
    commissions: run.book.commissions / 100,
    elapsed_ms: round(t2 - t1, 1),
    csv_parse_ms: round(loadMs, 1),
    interest: run.book.interest / 100,
    assignment_fees: run.book.assignmentFees / 100,
    premium_target: run.premiumTarget,
    assumptions: headlineAssumptions(o, p),
  };
  const assumptions = [
    `Data: ${bars.length} daily bars ${bars[0]?.date} – ${bars[bars.length - 1]?.date}; weeks are Monday–Friday, closing on the last trading day; the first ${p.regime.atrPeriod} weeks warm up the weekly ATR.`,
    'One family from one lump sum; Gen-Acc, Rev-Acc and Com-Acc all trade the index itself (the only series); fills at the daily close of the entry day.',
    `Options are European, priced by Black-Scholes from the volatility estimate below. Expiries as listed: from ${o.weekliesFrom} weekly (the week's last trading day); before it only the monthly expiry (third Friday, or the trading day before), so an entry sells the month's expiry and holds it for up to ~4 weeks, a level-2 roll goes to the next month, and a week with a monthly option still open is classified where it stands at the week's close. Entry days with no time left to expiry are skipped.`,
    "Short options are settled at expiry against the close by the live engine's rule (domain settleOption): strictly in the money only — puts below the strike are assigned (shares at the strike), calls above it are called away, S = K expires; no early exercise.",
    "The level ≥ 1 entry gate is per account (its own open position), as live; reinvestment runs at the quarter's last weekly close, as live.",
    "Levels are checked at each daily close before expiry against the daily ATR(14) of the previous close (PROTOCOL §2: daily bars for intraweek monitoring); level 2 rolls once per week to next week's expiry at the band delta for a net credit or not at all; level 3 holds to assignment. P-DD uses the weekly ATR of the previous week.",
    "Calls are written at or above the cost basis; Com-Acc buys shares in round lots of 100 with usable cash first; no commission on Com-Acc's share purchases.",
    `Commission ${p.market.commissionPerContractCents / 100} USD per option contract on every option trade; none on expiry. Assignment and call-away carry no option commission but a delivery fee of ${o.assignmentFeePerShareMills / 1000} USD per share (min ${o.assignmentFeeMinCents / 100} USD). No taxes, no slippage beyond the spread.`,
    `Interest on cash: ${(o.cashRate * 100).toFixed(2)} % a year${o.cashRateSeries.length ? ` before ${o.cashRateSeries[0]?.from}, then the ${o.cashRateSeries.length}-entry rate series` : ''}, on each account's positive cash (the cash securing puts included, as at a broker and in the Cboe PUT index), actual/365, credited at each weekly close in whole cents (rounded down).`,
    o.protocolConcentration
      ? 'Per-symbol concentration caps ON (the protocol): an account puts at most its concentrationLimit (Gen 10 %, Rev 20 %, Com 100 %) of its value at risk in the one symbol, so most of Gen and Rev sits in cash.'
      : 'COMPARISON RUN — per-symbol concentration caps OFF (--no-protocol-concentration): not the protocol; every account may put all its usable cash at risk in the one symbol.',
    `targetWeeklyPremium is a yardstick: each entry's premium per week of its life as a fraction of the account's value is compared with it; premium_target counts entries and those below the target per account kind (it does not size trades).`,
    "Forks and merges are checked at each weekly close; reinvestment at the quarter's last weekly close moves 25 % of the quarter's net premium of Rev-Acc and Com-Acc to a LEAPS sleeve.",
    'Buy & hold buys the index with the whole lump sum at the same starting close, price only (no dividends), like the strategy.',
    'elapsed_ms is the simulation (market model, weekly loop, statistics) without CSV parsing or writing the report; csv_parse_ms is parsing + validating the CSV; both in one cold process.',
    'Forked families trade like any family, but one contract of the unit needs its strike × 100 in cash: small forked accounts stay idle (W-IDL) until they can afford one.',
    'Sharpe uses weekly returns, annualised by √52, with a 0 % risk-free rate; CAGR uses calendar days / 365.25.',
    ...describeAssumptions(o),
  ];
  return { run, strategy, hold, holdValues, assumptions, summary };
}
