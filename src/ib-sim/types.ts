/** Shared shapes of the simulator's state (no logic here, so every module can import it). */

/** IND (indices such as SPX, VIX) can be quoted and charted but not traded. */
export type SecType = 'STK' | 'OPT' | 'IND';
export type Right = 'C' | 'P';

export interface SimContract {
  conId: number;
  symbol: string;
  secType: SecType;
  /** YYYYMMDD for options; undefined for stock. */
  expiry?: string;
  strike?: number;
  right?: Right;
  /** 1 for stock, 100 for equity options. */
  multiplier: number;
  exchange: string;
  currency: string;
  localSymbol: string;
  tradingClass: string;
}

export interface SimOrder {
  orderId: number;
  clientId: number;
  orderRef: string;
  symbol: string;
  secType: 'STK' | 'OPT';
  expiry?: string;
  strike?: number;
  right?: 'C' | 'P';
  action: 'BUY' | 'SELL';
  quantity: number;
  orderType: string;
  limitPrice?: number;
  tif: string;
  account: string;
  status: string;
  filled: number;
  avgFillPrice?: number;
  receivedAt: string;
}

/** The simulator's full record of an order; SimOrder is its public projection. */
export interface OrderRecord {
  orderId: number;
  clientId: number;
  permId: number;
  contract: SimContract;
  action: 'BUY' | 'SELL';
  quantity: number;
  orderType: 'MKT' | 'LMT';
  limitPrice?: number;
  tif: string;
  account: string;
  orderRef: string;
  /** false when the client sent transmit=0: the order is held and never fills. */
  transmit: boolean;
  status: string;
  filled: number;
  avgFillPrice?: number;
  lastFillPrice?: number;
  /** Commission charged so far, so the per-order minimum is applied once across partial fills. */
  commissionPaid: number;
  receivedAt: Date;
  /** Fraction of the quantity still allowed to fill (partial_fill_next fault); undefined = all. */
  fillCap?: number;
  /** When the order reached Filled / Cancelled / Inactive. */
  completedAt?: Date;
}

export interface Execution {
  execId: string;
  orderId: number;
  clientId: number;
  permId: number;
  contract: SimContract;
  side: 'BOT' | 'SLD';
  shares: number;
  price: number;
  cumQty: number;
  avgPrice: number;
  orderRef: string;
  account: string;
  time: Date;
  commission: number;
  realizedPnl?: number;
}

export interface Position {
  contract: SimContract;
  account: string;
  quantity: number;
  /** IB convention: per share for stock, per contract (price × multiplier) for options. */
  avgCost: number;
}

export interface Quote {
  bid: number;
  ask: number;
  last: number;
  bidSize: number;
  askSize: number;
  /** Model (mid/theoretical) price. */
  model: number;
  undPrice?: number;
  iv?: number;
  delta?: number;
  gamma?: number;
  vega?: number;
  theta?: number;
}
