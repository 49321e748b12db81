/**
 * Net-position arithmetic for fills: weighted average entry, realised P&L on the closing
 * part, a flip through zero reopening at the fill price. Exact (decimal.js), results in cents.
 */
import Decimal from 'decimal.js';
import type { PositionType } from '../contracts/instruction';

export interface NetPosition {
  /** Signed: + long, - short (shares or contracts). */
  quantity: number;
  /** Average entry price per share (options: per share of the contract, as quoted). */
  avgPrice: string;
  realizedPnlCents: number;
}

export const EMPTY_POSITION: NetPosition = { quantity: 0, avgPrice: '0', realizedPnlCents: 0 };

/** Applies a fill of `signedQty` at `price` (per share), with contract `multiplier`. */
export function applyFill(pos: NetPosition, signedQty: number, price: string | number, multiplier: number): NetPosition {
  if (!Number.isInteger(signedQty) || signedQty === 0) throw new RangeError(`fill quantity must be a non-zero integer, got ${signedQty}`);
  const px = new Decimal(price);
  const q = pos.quantity;
  if (q === 0 || Math.sign(q) === Math.sign(signedQty)) {
    const total = Math.abs(q) + Math.abs(signedQty);
    const avg = new Decimal(pos.avgPrice)
      .mul(Math.abs(q))
      .plus(px.mul(Math.abs(signedQty)))
      .div(total);
    return { quantity: q + signedQty, avgPrice: avg.toDecimalPlaces(6).toString(), realizedPnlCents: pos.realizedPnlCents };
  }
  const closing = Math.min(Math.abs(q), Math.abs(signedQty));
  const pnl = px.minus(pos.avgPrice).mul(closing).mul(Math.sign(q)).mul(multiplier).mul(100);
  const realized = pos.realizedPnlCents + pnl.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
  const next = q + signedQty;
  const avgPrice = next === 0 ? '0' : Math.sign(next) === Math.sign(q) ? pos.avgPrice : px.toString();
  return { quantity: next, avgPrice, realizedPnlCents: realized };
}

/** Unrealised P&L in cents at `mark` per share. */
export function unrealizedPnlCents(pos: NetPosition, mark: string | number, multiplier: number): number {
  return new Decimal(mark).minus(pos.avgPrice).mul(pos.quantity).mul(multiplier).mul(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}

export function marketValueCents(quantity: number, mark: string | number, multiplier: number): number {
  return new Decimal(mark).mul(quantity).mul(multiplier).mul(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}

export function positionType(secType: 'STK' | 'OPT', right: string, quantity: number): PositionType {
  const side = quantity >= 0 ? 'LONG' : 'SHORT';
  if (secType === 'STK') return `${side}_STOCK`;
  return `${side}_${right === 'C' ? 'CALL' : 'PUT'}`;
}
