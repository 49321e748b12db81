/**
 * The backtest's own assumptions (beyond the protocol config): one zod schema, every number a
 * stated default that the report prints. Change them on the command line, never in code.
 */
import { z } from 'zod';
import type { Decision } from '../contracts/parity';

export const backtestSchema = z.object({
  lumpSumCents: z.number().int().positive().default(100_000_000).describe('the client deposit ($1,000,000)'),
  symbol: z.string().default('SPX').describe('name of the single underlying'),
  unitDivisor: z.number().int().min(1).default(10).describe('underlying = index / divisor (10: an SPY-like unit, so a contract is ~$14,000 not ~$140,000)'),
  volWindowDays: z.number().int().min(2).default(20).describe('days of close-to-close returns in the realised volatility'),
  leapsVolWindowDays: z
    .number()
    .int()
    .min(2)
    .default(252)
    .describe(
      "LEAPS are priced and marked at the realised vol of this many days × volFactor: a 2-year option's implied vol moves far less than a month's, and marking it at the 20-day vol turned the March 2020 spike into a paper gain of ~30 %",
    ),
  volFactor: z.number().positive().default(1.2).describe('implied vol = realised vol × factor (implied usually trades above realised)'),
  minVol: z.number().positive().default(0.08).describe('floor of the volatility estimate'),
  rate: z.number().min(0).default(0.02).describe('risk-free rate in Black-Scholes (constant)'),
  dividendYield: z.number().min(0).default(0).describe('dividend yield (0: the data is a price index)'),
  halfSpread: z.number().min(0).default(0.05).describe('half bid-ask spread as a fraction of the model price'),
  minHalfSpreadCents: z.number().int().min(0).default(1).describe('smallest half spread (1 cent)'),
  fillAttempt: z.number().int().min(0).default(1).describe('the limit ladder attempt assumed to fill (0 = mid, 1 = first re-price)'),
  fillModel: z
    .enum(['attempt', 'marketable'])
    .default('attempt')
    .describe(
      "'attempt': the ladder's fillAttempt fills; 'marketable': the first attempt that reaches the touch fills, at the touch, as the simulator fills (none: no trade) — the parity check's model",
    ),
  strikeStepCents: z.number().int().min(1).default(100).describe('listed strike spacing ($1)'),
  leapsStrikeStepCents: z.number().int().min(1).default(500).describe('strike spacing of LEAPS chains ($5)'),
  chainWidthSd: z.number().positive().default(4).describe('chain spans spot ± this many σ√T (at least 3 strikes each side)'),
  protocolConcentration: z
    .boolean()
    .default(true)
    .describe(
      "the protocol's per-symbol concentration caps (Gen 10 %, Rev 20 %, Com 100 % of account value at risk in one symbol) are ON; --no-protocol-concentration turns them off for a labelled comparison run only",
    ),
  cashRate: z
    .number()
    .min(0)
    .max(1)
    .default(0.01)
    .describe(
      "annual interest on the accounts' cash (incl. cash securing puts), accrued weekly in whole cents: 1 % = the 3-month T-bill's 2000–2020 average (≈1.6 %) less the broker's 0.5 % spread, rounded down",
    ),
  cashRateSeries: z
    .array(z.object({ from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), rate: z.number().min(0).max(1) }))
    .default([])
    .describe('optional rate series (--cash-rate-file, CSV date,rate): each rate applies from its date until the next; before the first date cashRate applies'),
  weekliesFrom: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .default('2010-01-01')
    .describe('weekly expiries from this date; before it only the monthly expiry (third Friday, or the trading day before) is listed'),
  assignmentFeePerShareMills: z
    .number()
    .int()
    .min(0)
    .default(5)
    .describe(
      "fee per share delivered at assignment or call-away, in 1/1000 USD (5 = $0.005, the broker's fixed stock rate; IB charges no option commission on assignment but this covers the delivery's clearing and regulatory fees, conservatively)",
    ),
  assignmentFeeMinCents: z.number().int().min(0).default(100).describe('minimum fee per assignment ($1)'),
  maxGapDays: z.number().int().min(1).default(7).describe('CSV: more calendar days than this between bars is an error'),
  leapsMonths: z.number().int().min(1).default(24).describe('LEAPS bought at this tenor, sold below the protocol minimum'),
  periodsPerYear: z.number().int().min(1).default(52).describe('weekly returns annualised with this'),
});
export type BacktestOptions = z.infer<typeof backtestSchema>;
/**
 * What a caller of the run may observe beyond the options (not part of the schema: functions).
 * `onDecision` receives every decision of the run in the parity vocabulary (src/contracts/parity.ts),
 * in the order they are taken: each week's orders and fills, expiries and assignments as they happen,
 * then at the week's close the week types and every account's cash.
 */
export interface BacktestHooks {
  onDecision?: (d: Decision) => void;
}
export type BacktestRunOptions = BacktestOptions & BacktestHooks;

export const parseBacktestOptions = (input: unknown = {}): BacktestOptions => backtestSchema.parse(input);

/** The assumptions as sentences for the report. */
export function describeAssumptions(o: BacktestOptions): string[] {
  const show = (v: unknown): string => (Array.isArray(v) && v.length > 3 ? `[${v.length} entries, ${JSON.stringify(v[0])} … ${JSON.stringify(v[v.length - 1])}]` : JSON.stringify(v));
  return Object.entries(backtestSchema.shape).map(([k, s]) => `${k} = ${show(o[k as keyof BacktestOptions])}: ${s.description ?? ''}`);
}
