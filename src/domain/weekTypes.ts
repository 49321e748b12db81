/**
 * PROTOCOL §3: the type of a position's week, rules evaluated top to bottom, first match wins.
 * Inputs are integer cents; fractional thresholds (K × (1 − L), B × 1.05) are compared exactly
 * (compareToFraction), so a close exactly on a boundary lands where the table says.
 */
import Decimal from 'decimal.js';
import { cents, compareToFraction, type Cents } from './money';
import { previousWeek } from './calendar';
import type { ProtocolConfig } from './config';

export const WEEK_TYPES = ['P-RO', 'P-EW', 'P-AWL', 'P-DD', 'P-AOL', 'C-RO', 'C-REC', 'C-WAP+', 'C-WAP', 'C-PNO', 'W-IDL'] as const;
export type WeekType = (typeof WEEK_TYPES)[number];

export type WeekInput =
  /** the account was short a put this week */
  | { kind: 'PUT'; rolled: boolean; strike: Cents; close: Cents; atr: Cents }
  /** the account held shares and was short a call this week */
  | { kind: 'CALL'; rolled: boolean; strike: Cents; close: Cents; costBasis: Cents }
  /** no option position this week */
  | { kind: 'IDLE' };

/** 1 − x and 1 + x exactly (0.05 → 0.95, not 0.9500000000000001). */
const oneMinus = (x: number): number => new Decimal(1).minus(String(x)).toNumber();
const onePlus = (x: number): number => new Decimal(1).plus(String(x)).toNumber();

export function classifyWeek(w: WeekInput, rules: ProtocolConfig['weekTypes']): WeekType {
  if (w.kind === 'IDLE') return 'W-IDL';
  const S = cents(w.close);
  const K = cents(w.strike);
  if (w.kind === 'PUT') {
    const A = cents(w.atr);
    if (w.rolled) return 'P-RO';
    if (S >= K) return 'P-EW';
    if (compareToFraction(S, K, oneMinus(rules.assignmentLossLimit)) >= 0) return 'P-AWL';
    if (S < K - rules.deepDrawdownAtr * A) return 'P-DD';
    return 'P-AOL';
  }
  const B = cents(w.costBasis);
  if (w.rolled) return 'C-RO';
  if (S < B) return 'C-REC';
  if (S >= K && compareToFraction(K, B, onePlus(rules.strongAppreciation)) >= 0) return 'C-WAP+';
  if (S >= K) return 'C-WAP';
  return 'C-PNO';
}

/** A zero count for each of the eleven types (reports always show all of them). */
export const emptyWeekTypeCounts = (): Record<WeekType, number> => Object.fromEntries(WEEK_TYPES.map((t) => [t, 0])) as Record<WeekType, number>;

/**
 * What gates entries in `week`: each symbol's type in the week just before it, and only that
 * week. A P-DD or P-AOL blocks the following week (PROTOCOL §3); an older one, or a week the
 * symbol sat out, blocks nothing.
 */
export function previousWeekTypesOf(rows: readonly { symbol: string; week: string; type: string }[], week: string): Record<string, string> {
  const prev = previousWeek(week);
  return Object.fromEntries(rows.filter((r) => r.week === prev).map((r) => [r.symbol, r.type]));
}
