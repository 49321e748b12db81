/**
 * The simulated account: cash and positions, changed by fills and by option expiry the way a
 * real broker changes them (premium in/out, assignment delivers or takes stock at the strike).
 */
import { Market } from './market';
import { Position, SimContract } from './types';
import { orderCommissionCents } from '../domain/commission';

/** IB tiered-free "fixed" schedule: options $0.65/contract; stock $0.005/share capped at 1 % of value; $1.00 minimum per order. */
/** IB's fixed pricing on the order's cumulative fill (src/domain/commission.ts), in dollars. */
export function commissionFor(c: SimContract, cumQty: number, avgPrice: number): number {
  return orderCommissionCents(c.secType === 'OPT' ? 'OPT' : 'STK', cumQty, avgPrice * 100) / 100;
}

export interface PositionChange {
  position: Position;
  realizedPnl?: number;
}

export class Account {
  cash: number;
  private readonly positions = new Map<number, Position>();
  listeners: Array<(p: Position) => void> = [];

  constructor(
    readonly id: string,
    startingCash: number,
    private readonly market: Market,
  ) {
    this.cash = startingCash;
  }

  all(): Position[] {
    return [...this.positions.values()];
  }
  get(conId: number): Position | undefined {
    return this.positions.get(conId);
  }

  /**
   * Books a fill. signedQty > 0 buys. Commission is folded into avgCost as IB does; a fill that
   * reduces a position realizes P&L against avgCost.
   */
  applyFill(c: SimContract, signedQty: number, price: number, commission: number): number | undefined {
    const mult = c.multiplier;
    this.cash += -signedQty * price * mult - commission;
    const perUnit = price * mult + commission / signedQty; // buy: cost up; sell: proceeds down
    const p = this.positions.get(c.conId) ?? { contract: c, account: this.id, quantity: 0, avgCost: 0 };
    let realized: number | undefined;
    const old = p.quantity;
    if (old === 0 || Math.sign(old) === Math.sign(signedQty)) {
      p.avgCost = (p.avgCost * Math.abs(old) + perUnit * Math.abs(signedQty)) / Math.abs(old + signedQty);
      p.quantity = old + signedQty;
    } else {
      const closed = Math.min(Math.abs(old), Math.abs(signedQty));
      realized = (perUnit - p.avgCost) * closed * Math.sign(old);
      p.quantity = old + signedQty;
      // Crossing through zero opens the rest at this fill's price.
      if (Math.sign(p.quantity) === Math.sign(signedQty)) p.avgCost = perUnit;
    }
    this.store(p);
    return realized === undefined ? undefined : Math.round(realized * 100) / 100;
  }

  /**
   * A position added by hand (admin POST /positions): nobody ordered it, no cash moves and no
   * execution is reported, like a transfer in at the broker. Adds to any existing quantity.
   */
  addPosition(c: SimContract, quantity: number, avgCost: number): Position {
    const p = this.positions.get(c.conId) ?? { contract: c, account: this.id, quantity: 0, avgCost: 0 };
    const old = p.quantity;
    p.quantity = old + quantity;
    if (old === 0 || Math.sign(old) === Math.sign(quantity)) p.avgCost = (p.avgCost * Math.abs(old) + avgCost * Math.abs(quantity)) / Math.abs(p.quantity || 1);
    this.store(p);
    return p;
  }

  /** Restores a persisted position (no listeners: nobody is connected yet). */
  restore(p: Position): void {
    if (p.quantity !== 0) this.positions.set(p.contract.conId, p);
  }

  private store(p: Position): void {
    if (p.quantity === 0) this.positions.delete(p.contract.conId);
    else this.positions.set(p.contract.conId, p);
    for (const l of this.listeners) l(p);
  }

  markValue(): number {
    let v = 0;
    for (const p of this.positions.values()) {
      const q = this.market.quote(p.contract);
      v += p.quantity * q.model * p.contract.multiplier;
    }
    return v;
  }

  summary(): Record<string, number> {
    const net = this.cash + this.markValue();
    // Cash-secured puts tie up strike × 100 per short contract; that is not available to spend.
    let reserved = 0;
    for (const p of this.positions.values()) {
      if (p.contract.secType === 'OPT' && p.contract.right === 'P' && p.quantity < 0) reserved += -p.quantity * (p.contract.strike ?? 0) * p.contract.multiplier;
    }
    const r = (x: number): number => Math.round(x * 100) / 100;
    return {
      NetLiquidation: r(net),
      TotalCashValue: r(this.cash),
      BuyingPower: r(Math.max(0, this.cash - reserved)),
      AvailableFunds: r(Math.max(0, this.cash - reserved)),
      GrossPositionValue: r(this.markValue()),
    };
  }
}
