/**
 * Every IB <-> ALL-USE translation, as tables (tested row by row in both directions).
 * Kept free of @stoqey/ib imports so it is pure data: IB's strings are the wire values.
 */
import type { OrderStatus } from '../../src/contracts/instruction';
import type { BrokerOrderRequest } from '../../src/contracts/broker';

/** Order statuses as IB reports them in openOrder / orderStatus. */
export const IB_STATUSES = ['ApiPending', 'PendingSubmit', 'PreSubmitted', 'Submitted', 'PendingCancel', 'ApiCancelled', 'Cancelled', 'Filled', 'Inactive', 'Unknown'] as const;
export type IbStatus = (typeof IB_STATUSES)[number];

/**
 * IB status -> ALL-USE status; null = says nothing about the order (ignored).
 * SUBMITTED is upgraded to PARTIALLY_FILLED by the order book when filled > 0.
 */
export const IB_STATUS_TABLE: ReadonlyArray<readonly [IbStatus, OrderStatus | null]> = [
  ['ApiPending', 'PENDING_SUBMIT'],
  ['PendingSubmit', 'PENDING_SUBMIT'],
  // Held by IB (e.g. outside RTH or a simulated order type) but accepted: working.
  ['PreSubmitted', 'SUBMITTED'],
  ['Submitted', 'SUBMITTED'],
  // A cancel request is only a request: the order keeps working (and may fill) until Cancelled.
  ['PendingCancel', 'SUBMITTED'],
  ['ApiCancelled', 'CANCELLED'],
  ['Cancelled', 'CANCELLED'],
  ['Filled', 'FILLED'],
  // IB's word for "rejected or otherwise dead without a cancel" (e.g. 201 follows it).
  ['Inactive', 'REJECTED'],
  ['Unknown', null],
];

export function ibStatusToOrderStatus(ib: string): OrderStatus | null {
  const row = IB_STATUS_TABLE.find(([s]) => s === ib);
  return row ? row[1] : null;
}

/**
 * Final status of a COMPLETED_ORDER (reqCompletedOrders): its orderState.status when that is
 * terminal, else IB's free-text completedStatus ("Filled Size: 100", "Cancelled by Trader",
 * "Rejected", ...); null when neither says (the order is then left as it was).
 */
export const COMPLETED_STATUS_TABLE: ReadonlyArray<readonly [RegExp, OrderStatus]> = [
  [/^fill/i, 'FILLED'],
  [/cancel/i, 'CANCELLED'],
  [/reject|inactive/i, 'REJECTED'],
];

export function completedToOrderStatus(ibStatus: string | undefined, completedStatus: string | undefined): OrderStatus | null {
  const s = ibStatusToOrderStatus(ibStatus ?? '');
  if (s === 'FILLED' || s === 'CANCELLED' || s === 'REJECTED') return s;
  const row = COMPLETED_STATUS_TABLE.find(([re]) => re.test(completedStatus ?? ''));
  return row ? row[1] : null;
}

/** ALL-USE status -> the IB statuses that produce it (inverse of IB_STATUS_TABLE). */
export function ibStatusesFor(status: OrderStatus): IbStatus[] {
  return IB_STATUS_TABLE.filter(([, s]) => s === status).map(([ib]) => ib);
}

type Action = BrokerOrderRequest['action'];
type OType = BrokerOrderRequest['orderType'];
type Tif = BrokerOrderRequest['tif'];

export const ACTION_TABLE: ReadonlyArray<readonly [Action, 'BUY' | 'SELL']> = [
  ['BUY', 'BUY'],
  ['SELL', 'SELL'],
];
export const ORDER_TYPE_TABLE: ReadonlyArray<readonly [OType, 'MKT' | 'LMT']> = [
  ['MKT', 'MKT'],
  ['LMT', 'LMT'],
];
export const TIF_TABLE: ReadonlyArray<readonly [Tif, 'DAY' | 'GTC']> = [
  ['DAY', 'DAY'],
  ['GTC', 'GTC'],
];
/** Execution side as IB reports it -> our action. */
export const EXEC_SIDE_TABLE: ReadonlyArray<readonly ['BOT' | 'SLD', Action]> = [
  ['BOT', 'BUY'],
  ['SLD', 'SELL'],
];

function forward<A, B>(table: ReadonlyArray<readonly [A, B]>, a: A, what: string): B {
  const row = table.find(([x]) => x === a);
  if (!row) throw new Error(`no IB ${what} for ${String(a)}`);
  return row[1];
}
function backward<A, B>(table: ReadonlyArray<readonly [A, B]>, b: unknown, what: string): A {
  const row = table.find(([, y]) => y === b);
  if (!row) throw new Error(`unknown IB ${what}: ${String(b)}`);
  return row[0];
}

export const actionToIb = (a: Action) => forward(ACTION_TABLE, a, 'action');
export const actionFromIb = (s: string) => backward(ACTION_TABLE, s, 'action');
export const orderTypeToIb = (t: OType) => forward(ORDER_TYPE_TABLE, t, 'order type');
export const orderTypeFromIb = (s: string) => backward(ORDER_TYPE_TABLE, s, 'order type');
export const tifToIb = (t: Tif) => forward(TIF_TABLE, t, 'tif');
export const tifFromIb = (s: string) => backward(TIF_TABLE, s, 'tif');
export const sideFromIb = (s: string) => forward(EXEC_SIDE_TABLE, s as 'BOT' | 'SLD', 'side');
export const sideToIb = (a: Action) => backward(EXEC_SIDE_TABLE, a, 'side');

/**
 * What an IB error carrying an order id means for that order.
 * status null = no state change (warning, or a failed cancel that leaves the order as it was).
 * retryable = IB did not take the order: placing it again under a fresh id cannot duplicate it.
 */
export interface IbErrorRule {
  status: OrderStatus | null;
  kind: 'reject' | 'cancel' | 'warning' | 'cancel-failed' | 'pacing';
  retryable: boolean;
}

export const IB_ERROR_TABLE: ReadonlyArray<readonly [number, IbErrorRule]> = [
  [100, { status: 'REJECTED', kind: 'pacing', retryable: true }], // max message rate exceeded: request dropped
  [103, { status: 'REJECTED', kind: 'reject', retryable: true }], // duplicate order id: ours was never accepted
  [110, { status: 'REJECTED', kind: 'reject', retryable: false }], // price does not conform to min tick
  [200, { status: 'REJECTED', kind: 'reject', retryable: false }], // no security definition
  [201, { status: 'REJECTED', kind: 'reject', retryable: false }], // order rejected
  [202, { status: 'CANCELLED', kind: 'cancel', retryable: false }], // order cancelled
  [399, { status: null, kind: 'warning', retryable: false }], // order message (e.g. held until open)
  [161, { status: null, kind: 'cancel-failed', retryable: false }], // not in a cancellable state
  [10147, { status: null, kind: 'cancel-failed', retryable: false }], // order to cancel not found
  [10148, { status: null, kind: 'cancel-failed', retryable: false }], // cannot cancel: already filled/cancelled
];

/** 2100-2999 are informational everywhere in IB's API. */
export const isWarningCode = (code: number): boolean => code >= 2100 && code < 3000;

export interface MappedIbError extends IbErrorRule {
  code: number;
  /** `IB_<code>: <text>` */
  reason: string;
  /** True when the code is in no table row (treated as a rejection). */
  unknown: boolean;
}

export function mapIbError(code: number, text: string): MappedIbError {
  const reason = `IB_${code}: ${text}`;
  const row = IB_ERROR_TABLE.find(([c]) => c === code);
  if (row) return { ...row[1], code, reason, unknown: false };
  if (isWarningCode(code)) return { status: null, kind: 'warning', retryable: false, code, reason, unknown: false };
  // Unknown code on an order: fail closed (REJECTED) so a caller never waits forever.
  return { status: 'REJECTED', kind: 'reject', retryable: false, code, reason, unknown: true };
}
