/**
 * The order state machine: one pure `applyEvent`, fed by openOrder / orderStatus / execDetails /
 * commissionReport / error events in whatever order IB delivers them.
 */
import type { OrderStatus } from '../../src/contracts/instruction';
import { ibStatusToOrderStatus, mapIbError } from './ib-mapping';
import type { BrokerOrderState } from '../../src/contracts/broker';
import { isTerminal } from '../../src/contracts/orderStatus';

export type OrderEvent =
  | { type: 'openOrder'; ibStatus: string; totalQuantity?: number; permId?: number }
  | { type: 'orderStatus'; ibStatus: string; filled?: number; avgFillPrice?: number; permId?: number }
  | { type: 'exec'; execId: string; time: string; shares: number; price: number; permId?: number }
  /** From reqCompletedOrders (resync only): the order's final state at the broker. */
  | { type: 'completed'; status: OrderStatus; filled?: number; permId?: number; completedStatus?: string }
  | { type: 'commission'; execId: string; commission: number }
  | { type: 'error'; code: number; text: string }
  /** Resync only: acknowledged once, now unknown to the broker (a gateway restarted without its orders). */
  | { type: 'lost'; reason: string };

export function newOrderState(orderRef: string, brokerOrderId: number, quantity: number): BrokerOrderState {
  return {
    orderRef,
    brokerOrderId,
    status: 'PENDING_SUBMIT',
    filledQuantity: 0,
    remainingQuantity: quantity,
    commission: 0,
    fills: [],
    commissionsComplete: true,
  };
}

export const isTerminalStatus = (s: OrderStatus): boolean => isTerminal(s);

/**
 * Status transition. Odd edges, on purpose:
 * - FILLED is final: a Cancelled/Inactive/error arriving after it is stale.
 * - FILLED beats CANCELLED/REJECTED: IB can report Filled after Cancelled when a fill raced the cancel.
 * - Otherwise a terminal status never goes back to a working one (late Submitted/PendingCancel).
 * - A working order never goes back to PENDING_SUBMIT (ApiPending after Submitted).
 */
export function nextStatus(current: OrderStatus, incoming: OrderStatus): OrderStatus {
  if (current === 'FILLED') return current;
  if (incoming === 'FILLED') return incoming;
  if (isTerminalStatus(current)) return current;
  if (incoming === 'PENDING_SUBMIT' && current !== 'PENDING_SUBMIT') return current;
  if (incoming === 'SUBMITTED' && current === 'PARTIALLY_FILLED') return current;
  return incoming;
}

/** Fills decide partial/complete; a broker status alone cannot make an order FILLED early. */
function settle(s: BrokerOrderState, total: number): BrokerOrderState {
  const fillShares = s.fills.reduce((a, f) => a + f.shares, 0);
  const filled = Math.max(s.filledQuantity, fillShares);
  let status = s.status;
  if (total > 0 && filled >= total) status = nextStatus(status, 'FILLED');
  else if (filled > 0 && (status === 'SUBMITTED' || status === 'PENDING_SUBMIT')) status = 'PARTIALLY_FILLED';
  const commission = s.fills.reduce((a, f) => a + (f.commission ?? 0), 0);
  const commissionsComplete = fillShares >= filled && s.fills.every((f) => f.commission !== undefined);
  let avgFillPrice = s.avgFillPrice;
  if (fillShares > 0 && fillShares >= filled) {
    avgFillPrice = s.fills.reduce((a, f) => a + f.shares * f.price, 0) / fillShares;
  }
  return {
    ...s,
    status,
    filledQuantity: filled,
    remainingQuantity: Math.max(0, total - filled),
    avgFillPrice,
    commission,
    commissionsComplete,
  };
}

/**
 * Applies one broker event. `total` is the order quantity. Returns a new state object
 * (the input is not mutated) so snapshots handed to callers never change under them.
 */
export function applyEvent(prev: BrokerOrderState, total: number, ev: OrderEvent): BrokerOrderState {
  const s: BrokerOrderState = { ...prev, fills: prev.fills.map((f) => ({ ...f })) };
  switch (ev.type) {
    case 'openOrder':
    case 'orderStatus': {
      if (ev.permId) s.permId = ev.permId;
      const mapped = ibStatusToOrderStatus(ev.ibStatus);
      if (mapped) s.status = nextStatus(s.status, mapped);
      if (ev.type === 'orderStatus') {
        if (ev.filled !== undefined && ev.filled > s.filledQuantity) s.filledQuantity = ev.filled;
        if (ev.avgFillPrice && ev.avgFillPrice > 0) s.avgFillPrice = ev.avgFillPrice;
      }
      break;
    }
    case 'exec': {
      if (s.fills.some((f) => f.execId === ev.execId)) return prev; // resync replays executions
      if (ev.permId) s.permId = ev.permId;
      s.fills.push({ execId: ev.execId, time: ev.time, shares: ev.shares, price: ev.price });
      break;
    }
    case 'commission': {
      const f = s.fills.find((x) => x.execId === ev.execId);
      if (!f) return prev;
      f.commission = ev.commission;
      break;
    }
    case 'completed': {
      if (ev.permId) s.permId = ev.permId;
      if (ev.filled !== undefined && ev.filled > s.filledQuantity) s.filledQuantity = ev.filled;
      const next = nextStatus(s.status, ev.status);
      // A live 201/202 explains it better; after a restart this is all IB still tells.
      if (next === ev.status && ev.status !== 'FILLED' && !s.reason) s.reason = `IB completed order: ${ev.completedStatus || ev.status}`;
      s.status = next;
      break;
    }
    case 'lost': {
      // Ends the order: what filled stays filled; no further report (fill or commission) will come.
      const settled = settle({ ...s, status: nextStatus(s.status, 'CANCELLED'), reason: ev.reason }, total);
      return { ...settled, commissionsComplete: true };
    }
    case 'error': {
      const m = mapIbError(ev.code, ev.text);
      if (!m.status) return prev;
      const next = nextStatus(s.status, m.status);
      // The first explanation wins (a status Inactive/Cancelled often precedes its 201/202).
      if (next === m.status && !s.reason) s.reason = m.reason;
      s.status = next;
      break;
    }
  }
  return settle(s, total);
}
