/**
 * Managing an open short option (PROTOCOL §2): its level from the adverse move since entry, and the
 * level-2 roll (buy to close, sell the next expiry for a net credit or not at all). One rule for the
 * live position monitor (activities/protocol/monitor.ts) and the backtester's daily check.
 */
import type { AccountConfig, ProtocolConfig } from '../config';
import { adverseMove, protocolLevel, type Level } from '../levels';
import type { Cents } from '../money';
import { limitLadder, selectStrike, type ChainQuote, type Side } from '../signals';
import { quotesOf } from './entry';

/** The level of a short option: adverse move of the underlying since entry, in ATRs (at least 1 cent). */
export function positionLevel(p: { right: 'C' | 'P'; entryCents: Cents; priceCents: Cents; atrCents: number; levels: ProtocolConfig['levels'] }): Level {
  return protocolLevel(adverseMove(p.right, p.entryCents, p.priceCents), Math.max(1, Math.round(p.atrCents)), p.levels);
}

/**
 * The limit ladder of a roll's legs: it starts at the far side of the market (attempt
 * `signals.maxReprices`), where the net credit was computed, so both legs are placed there.
 */
export const rollLadder = (bid: Cents, ask: Cents, side: Side, signals: ProtocolConfig['signals']): Cents[] => limitLadder(bid, ask, side, signals).slice(signals.maxReprices);

/** Level 2 rolls, once per position and week; level 3 stops rolling (take assignment). */
export const rollDue = (level: Level, rolledThisWeek: boolean): boolean => level === 2 && !rolledThisWeek;

/**
 * A level-2 roll: buy back at the ask, sell the next expiry at its bid, only when that is a net
 * credit; the new strike is the listed one nearest the band's lower delta (more room).
 */
export function planRoll(p: { closeAskCents: Cents; next: readonly ChainQuote[]; band: Pick<AccountConfig, 'deltaMin'>; minStrike?: Cents }): { open: ChainQuote; creditCents: Cents } | null {
  const open = selectStrike(p.next, p.band.deltaMin, p.minStrike);
  if (!open || open.bid <= p.closeAskCents) return null;
  return { open, creditCents: open.bid - p.closeAskCents };
}

/** The level-2 roll of one short position: a covered call is never rolled below the shares' cost basis; a put has no such floor. */
export function planPositionRoll(p: {
  right: 'C' | 'P';
  closeAskCents: Cents;
  next: readonly ChainQuote[];
  band: Pick<AccountConfig, 'deltaMin'>;
  sharesBasisCents?: Cents;
}): { open: ChainQuote; creditCents: Cents } | null {
  const minStrike = p.right === 'C' ? p.sharesBasisCents : undefined;
  return planRoll({ closeAskCents: p.closeAskCents, next: quotesOf(p.next, p.right), band: p.band, ...(minStrike !== undefined ? { minStrike } : {}) });
}
