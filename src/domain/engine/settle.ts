/**
 * Expiry and the week's classification input (PROTOCOL §3): how a short option settles at the
 * close, and what of it the week-type rules judge. Shared by the live settlement and the backtester.
 */
import type { Cents } from '../money';
import type { WeekInput } from '../weekTypes';

export interface ExpiringOption {
  right: 'C' | 'P';
  strikeCents: Cents;
  /** signed contracts: negative = short */
  quantity: number;
}

export interface Settlement {
  outcome: 'EXPIRED' | 'ASSIGNED' | 'EXERCISED';
  /** signed change in shares */
  shares: number;
  /** signed cash change (strike × shares delivered) */
  cashCents: Cents;
}

/** Expiry at the closing price, as the exchange settles it: in the money strictly (put S < K, call S > K); S = K expires. */
export function settleOption(o: ExpiringOption, closeCents: Cents, multiplier: number): Settlement {
  const itm = o.right === 'C' ? closeCents > o.strikeCents : closeCents < o.strikeCents;
  if (!itm || o.quantity === 0) return { outcome: 'EXPIRED', shares: 0, cashCents: 0 };
  const shares = (o.right === 'C' ? 1 : -1) * o.quantity * multiplier;
  return { outcome: o.quantity < 0 ? 'ASSIGNED' : 'EXERCISED', shares, cashCents: -shares * o.strikeCents };
}

/**
 * The §3 input of a short option held this week, judged at the week's close: a call against the
 * shares' cost basis as it stood before settlement, a put against the weekly ATR.
 */
export function weekInputOf(p: { right: 'C' | 'P'; strikeCents: Cents; rolled: boolean; closeCents: Cents; atrCents: number; costBasisCents: Cents }): WeekInput {
  return p.right === 'P'
    ? { kind: 'PUT', rolled: p.rolled, strike: p.strikeCents, close: p.closeCents, atr: p.atrCents }
    : { kind: 'CALL', rolled: p.rolled, strike: p.strikeCents, close: p.closeCents, costBasis: p.costBasisCents };
}
