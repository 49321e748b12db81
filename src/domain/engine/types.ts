/**
 * The decision core's inputs and outputs (issue 13, "one decision core"): the books of an account
 * as both drivers see them, the market observation of one symbol, and the intended actions. The
 * live activities fill these from the database and the broker, the backtester from its simulated
 * book and historical bars; both then execute what the core returns.
 */
import type { AccountKind } from '../config';
import type { Regime } from '../indicators';
import type { Level } from '../levels';
import type { Cents } from '../money';
import type { ChainQuote } from '../signals';
import type { WeekType } from '../weekTypes';

/** One account's books at the moment of a decision. */
export interface AccountBooks {
  accountId: string;
  kind: AccountKind;
  cashCents: Cents;
  valueCents: Cents;
  /** shares held and their cost basis per symbol */
  shares: Readonly<Record<string, { quantity: number; costBasisCents: Cents }>>;
  /** short call contracts already written per symbol */
  callsWritten: Readonly<Record<string, number>>;
  /** strike × multiplier × contracts of open short puts per symbol */
  atRiskCents: Readonly<Record<string, Cents>>;
  previousWeekType: Readonly<Record<string, WeekType>>;
  maxOpenLevel: Readonly<Record<string, Level>>;
}

/** What the market shows for one symbol when the decision is taken. */
export interface SymbolObservation {
  symbol: string;
  closeCents: Cents;
  /** the regime of the latest complete weekly bar (no look-ahead) */
  regime: Regime;
  /** the expiry the entry sells (YYYY-MM-DD) and its chain (either or both rights; split by delta's sign) */
  expiry: string;
  chain: readonly ChainQuote[];
}

export type EntryAction = 'SELL_TO_OPEN_PUT' | 'SELL_TO_OPEN_CALL' | 'BUY_STOCK';

/** An intended opening order; the strike of an option is chosen again at entry (see entryStrike). */
export interface EntryOrder {
  accountId: string;
  symbol: string;
  action: EntryAction;
  quantity: number;
  strikeCents?: Cents;
  expiry?: string;
  underlyingCents: Cents;
  atrCents?: Cents;
  regime: Pick<Regime, 'trend' | 'vol'>;
  targetDelta?: number;
}

export interface EntryPlan {
  orders: EntryOrder[];
  skipped: { symbol: string; reason: string }[];
}
