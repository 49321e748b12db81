/**
 * The parity check's vocabulary (issue 13): what the live engine and the backtester each decided,
 * week by week, in one normalised form, so `npm run parity` can compare the two to the cent.
 * Both sides name accounts by role, never by database id: 'GEN', 'REV', 'COM' for the family's
 * own accounts, a fork's accounts as '<fork n>/GEN' etc. ('F1/GEN', 'F1/COM'), the LEAPS sleeve
 * as '<account>:LEAPS'. Money is integer cents; dates are ISO (YYYY-MM-DD), weeks ISO weeks.
 */
export type DecisionKind = 'WEEK_TYPE' | 'ORDER' | 'FILL' | 'EXPIRY' | 'ASSIGNMENT' | 'CASH';

interface DecisionBase {
  /** ISO week of the trading week the decision belongs to, e.g. '2008-W40'. */
  week: string;
  account: string;
  symbol: string;
}

/** The classification of an account's week in one symbol (PROTOCOL §3). */
export interface WeekTypeDecision extends DecisionBase {
  kind: 'WEEK_TYPE';
  type: string;
}

/** An option or stock leg as both sides describe it; right/strike/expiry are null for stock. */
export interface Leg {
  right: 'C' | 'P' | null;
  strikeCents: number | null;
  /** YYYY-MM-DD */
  expiry: string | null;
}

/** An order the protocol decided to place: what, how many and its limit ladder (one price per attempt). */
export interface OrderDecision extends DecisionBase, Leg {
  kind: 'ORDER';
  /** The trade action (src/domain/instrument.ts vocabulary), e.g. SELL_TO_OPEN, BUY_TO_CLOSE, BUY_STOCK. */
  action: string;
  quantity: number;
  limitLadderCents: number[];
}

export interface FillDecision extends DecisionBase, Leg {
  kind: 'FILL';
  action: string;
  quantity: number;
  priceCents: number;
  commissionCents: number;
}

/** An option that expired worthless, or was assigned / exercised (shares at the strike). */
export interface SettlementDecision extends DecisionBase, Leg {
  kind: 'EXPIRY' | 'ASSIGNMENT';
  quantity: number;
}

/** An account's cash at the week's close, after settlement, fork, merge and reinvestment. */
export interface CashDecision extends DecisionBase {
  kind: 'CASH';
  cashCents: number;
}

export type Decision = WeekTypeDecision | OrderDecision | FillDecision | SettlementDecision | CashDecision;

export interface ParityMismatch {
  week: string;
  kind: DecisionKind;
  /** The decision's identity (week, kind, account, symbol, leg, action). */
  key: string;
  /** Fields that differ, or 'missing in live' / 'missing in backtest'. */
  fields: string[];
  backtest: Decision | null;
  live: Decision | null;
}

/** The command's last line. */
export interface ParityReport {
  weeks: number;
  decisions: number;
  mismatches: number;
  first_mismatch: ParityMismatch | null;
}
