/**
 * What both sides of the parity check share, fixed once: the bars (the CSV scaled to a tradable
 * unit and rounded to cents, written to one file both the simulator and the backtester read), the
 * stretch (atrPeriod warm-up weeks before --from, then --weeks traded weeks), the protocol and the
 * backtest options chosen to describe the simulator (docs/BACKTEST.md "Parity").
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addDays, weekOf, type IsoDate } from '../domain/calendar';
import { DEFAULT_PROTOCOL, type ProtocolConfig } from '../domain/config';
import type { Bar } from '../domain/indicators';
import { divideCents } from '../backtest/market';
import { parseBarsCsv } from '../backtest/csv';
import { parseBacktestOptions, type BacktestOptions } from '../backtest/options';
import { backtestProtocol } from '../backtest/run';

export interface ParityInput {
  data: string;
  from: IsoDate;
  weeks: number;
  symbol: string;
}

export interface ParitySetup extends ParityInput {
  /** the scaled bars in cents, warm-up included, up to the last traded week's close */
  bars: Bar[];
  /** the same bars as a CSV file (date,open,high,low,close) */
  csvFile: string;
  /** ISO weeks traded, in order */
  tradedWeeks: string[];
  protocol: ProtocolConfig;
  options: BacktestOptions;
  cleanup(): void;
}

/**
 * The one option market both sides use: Black-Scholes at the backtester's volatility estimate,
 * this rate, quotes of mid ± max(1 cent, 2 % of mid), strikes every $1, stock at the price itself.
 */
export const PARITY_MARKET = { rate: 0.04, halfSpread: 0.02, minHalfSpreadCents: 1, strikeStepCents: 100 } as const;
/** The deposit: large enough that Gen (10 % concentration) can secure one put on a ~$125 unit. */
export const PARITY_DEPOSIT_CENTS = 100_000_000;
/** Index / 10: an SPY-like unit (the backtester's default unitDivisor). */
const UNIT_DIVISOR = 10;

export function paritySetup(input: ParityInput): ParitySetup {
  const raw = parseBarsCsv(fs.readFileSync(input.data, 'utf8'), { maxGapDays: 7 });
  const scaled = raw.map((b) => ({
    date: b.date,
    open: divideCents(b.open, UNIT_DIVISOR),
    high: divideCents(b.high, UNIT_DIVISOR),
    low: divideCents(b.low, UNIT_DIVISOR),
    close: divideCents(b.close, UNIT_DIVISOR),
  }));
  const options = parseBacktestOptions({
    symbol: input.symbol,
    lumpSumCents: PARITY_DEPOSIT_CENTS,
    unitDivisor: 1,
    // The simulator's books earn no interest: off on both sides.
    cashRate: 0,
    // The simulator lists weekly expiries on every date.
    weekliesFrom: '1990-01-01',
    rate: PARITY_MARKET.rate,
    halfSpread: PARITY_MARKET.halfSpread,
    minHalfSpreadCents: PARITY_MARKET.minHalfSpreadCents,
    strikeStepCents: PARITY_MARKET.strikeStepCents,
    // The simulator delivers at assignment without a fee (src/ib-sim/core.ts settleOption).
    assignmentFeePerShareMills: 0,
    assignmentFeeMinCents: 0,
    // The simulator fills a limit order once it reaches the touch, at the touch.
    fillModel: 'marketable',
  });
  const protocol = backtestProtocol(options, DEFAULT_PROTOCOL);
  const warmStart = addDays(input.from, -7 * protocol.regime.atrPeriod);
  const end = addDays(input.from, 7 * input.weeks - 3); // the last traded week's Friday
  const bars = scaled.filter((b) => b.date >= warmStart && b.date <= end);
  if (!bars.some((b) => b.date >= input.from)) throw new Error(`${input.data}: no bars from ${input.from}`);
  if ((bars[bars.length - 1]?.date ?? '') < addDays(end, -4)) throw new Error(`${input.data}: the data ends before ${input.weeks} weeks from ${input.from}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'all-use-parity-bars-'));
  const csvFile = path.join(dir, 'bars.csv');
  const c = (x: number) => (x / 100).toFixed(2);
  fs.writeFileSync(csvFile, ['date,open,high,low,close', ...bars.map((b) => [b.date, c(b.open), c(b.high), c(b.low), c(b.close)].join(','))].join('\n') + '\n');
  const tradedWeeks = [...new Set(bars.filter((b) => b.date >= input.from).map((b) => weekOf(b.date)))];
  return { ...input, bars, csvFile, tradedWeeks, protocol, options, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
