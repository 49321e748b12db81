/**
 * PROTOCOL §2: protocol level of an open position from its adverse move measured in ATRs.
 * Boundaries are inclusive on the lower side, as written: move = 1 × ATR is already level 1.
 */
import type { ProtocolConfig } from './config';
import type { OptionRight } from './pricing';

export type Level = 0 | 1 | 2 | 3;

/** Adverse move of the underlying since entry: down for a short put, up for a covered call. */
export const adverseMove = (right: OptionRight, entryPrice: number, price: number): number => (right === 'P' ? entryPrice - price : price - entryPrice);

/** Level for an adverse `move` (same units as `atr`; a favourable, negative move is level 0). */
export function protocolLevel(move: number, atr: number, cfg: ProtocolConfig['levels']): Level {
  if (!Number.isFinite(atr) || atr <= 0) throw new RangeError(`ATR must be positive: ${atr}`);
  if (!Number.isFinite(move)) throw new RangeError(`move must be finite: ${move}`);
  if (move >= cfg.recoveryAtr * atr) return 3;
  if (move >= cfg.rollAtr * atr) return 2;
  if (move >= cfg.watchAtr * atr) return 1;
  return 0;
}

/** What the level asks for (PROTOCOL §2), for logs and reports. */
export const LEVEL_ACTIONS: Readonly<Record<Level, string>> = {
  0: 'hold; let it expire',
  1: 'watch hourly; no new entries in the symbol',
  2: 'roll for a net credit or not at all',
  3: 'recovery: take assignment, covered calls at or above cost basis',
};

/**
 * The underlying's price a level's move is measured from (PROTOCOL §2): the price when the order
 * was entered (recorded at entry), else — for plans entered before that was recorded — the close
 * the plan was made at.
 */
export const levelReferenceCents = (detail: Readonly<Record<string, unknown>> | undefined, plannedUnderlyingCents: number): number =>
  typeof detail?.entryUnderlyingCents === 'number' ? detail.entryUnderlyingCents : plannedUnderlyingCents;
