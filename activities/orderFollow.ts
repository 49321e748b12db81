/**
 * Following an order at the broker until it changes, and the orphaned order: one the broker
 * does not know. Every wait here yields to the event loop (event-driven waits and timers, at
 * most one question to the broker per MIN_ASK_INTERVAL_MS however fast it answers), heartbeats,
 * and ends on cancellation. An order the broker does not know is never waited for in a loop:
 * it becomes a reconciliation case, decided once and recorded (src/db/reconciliationCases.ts):
 * - FOUND_ELSEWHERE: a fresh search of the broker's open, executed and completed orders by
 *   orderRef finds it: followed from there;
 * - NOT_PLACED: no trace, and the broker never acknowledged it: ends REJECTED. Safe: the
 *   instruction's key (orderRef) is used, so nothing places it again;
 * - BROKER_LOST_ORDER: acknowledged once, no trace now (a gateway restarted without its
 *   orders): ends CANCELLED (FILLED if the books hold it filled) with that reason.
 */
import { Context } from '@temporalio/activity';
import type { Broker, BrokerOrderState } from '../src/contracts/broker';
import type { InstructionState } from '../src/contracts/workflows/tradeInstruction';
import { isTerminal } from '../src/contracts/orderStatus';
import type { PrismaClient } from '../src/db/client';
import { bookedOrder, recordReconciliationCase, type OrphanCase } from '../src/db/reconciliationCases';
import type { Logger } from '../src/logger';
import { systemClock, type Clock } from '../src/contracts/clock';

export interface BrokerUpdate {
  summary: Partial<InstructionState>;
  order: BrokerOrderState;
  /** Identity of this state, so the next long-poll returns only on a change. */
  key: string;
}

export const summaryKey = (s: BrokerOrderState): string => `${s.status}|${s.filledQuantity}|${s.commission}|${s.commissionsComplete}`;

export function toSummary(s: BrokerOrderState, clock: Clock = systemClock): Partial<InstructionState> {
  return {
    status: s.status,
    filledQuantity: s.filledQuantity,
    averageFillPrice: s.avgFillPrice ?? null,
    commission: s.commission,
    // 0 = known only from IB's completed-orders record, which carries no order id.
    brokerOrderId: s.brokerOrderId > 0 ? String(s.brokerOrderId) : null,
    rejectReason: s.status === 'REJECTED' || s.status === 'CANCELLED' ? (s.reason ?? null) : null,
    commissionsComplete: s.commissionsComplete,
    updatedAt: clock.now().toISOString(),
  };
}

export const toUpdateAt = (s: BrokerOrderState, clock: Clock = systemClock): BrokerUpdate => ({ summary: toSummary(s, clock), order: s, key: summaryKey(s) });

export const toUpdate = toUpdateAt;

/** However fast a broker answers, it is asked about one order at most this often. */
export const MIN_ASK_INTERVAL_MS = 250;
/** One long-poll step: the heartbeat interval while an order rests. */
export const WAIT_STEP_MS = 1000;
export const LOST_PREFIX = 'BROKER_LOST_ORDER';
export const NOT_PLACED_PREFIX = 'NOT_PLACED';

/** `p`, or a rejection with the cancellation's reason; leaves no listener on the signal behind. */
export function cancellable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e as Error)),
    );
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const brief = (s: BrokerOrderState) => ({ status: s.status, brokerOrderId: s.brokerOrderId, permId: s.permId ?? null, filledQuantity: s.filledQuantity, reason: s.reason ?? null });

export function createOrderFollower({ prisma, broker, logger, clock = systemClock }: { prisma: PrismaClient; broker: Broker; logger: Logger; clock?: Clock }) {
  const toUpdate = (s: BrokerOrderState): BrokerUpdate => toUpdateAt(s, clock);
  const record = async (id: string, kase: OrphanCase, evidence: Record<string, unknown>) => {
    if (await recordReconciliationCase(prisma, id, kase, evidence)) logger.warn('reconciliation case recorded', { all_use_order_id: id, case: kase, evidence });
  };

  /** The order is not in the worker's book: search the broker afresh, then decide and record. */
  async function decideMissing(id: string, knownKey: string | undefined): Promise<BrokerUpdate> {
    const searched = broker.searchOrder ? await broker.searchOrder(id) : await broker.findOrder(id);
    const booked = await bookedOrder(prisma, id);
    const lastKnownStatus = knownKey?.split('|')[0] ?? null;
    const evidence = { booked, lastKnownStatus, searched: ['open', 'executed', 'completed'], freshSearch: !!broker.searchOrder };
    if (searched) {
      await record(id, 'FOUND_ELSEWHERE', { ...evidence, broker: brief(searched) });
      return toUpdate(searched);
    }
    const acknowledged =
      (lastKnownStatus !== null && lastKnownStatus !== 'PENDING_SUBMIT') || !['PENDING_SUBMIT', 'UNKNOWN'].includes(booked.status) || booked.executions > 0 || booked.filledQuantity > 0;
    const base = { orderRef: id, brokerOrderId: booked.brokerOrderId ?? 0, fills: [], commissionsComplete: true };
    if (!acknowledged) {
      const reason = `${NOT_PLACED_PREFIX}: the broker has no trace of order ${id} (open, executed and completed orders searched) and never acknowledged it; its key is used, so it is never sent again`;
      await record(id, 'NOT_PLACED', evidence);
      return toUpdate({ ...base, status: 'REJECTED', filledQuantity: 0, remainingQuantity: 0, commission: 0, reason });
    }
    const reason = `${LOST_PREFIX}: order ${id} was acknowledged (last known ${lastKnownStatus ?? booked.status}) and the broker has no trace of it now (open, executed and completed orders searched)`;
    await record(id, 'BROKER_LOST_ORDER', evidence);
    return toUpdate({
      ...base,
      status: booked.status === 'FILLED' ? 'FILLED' : 'CANCELLED',
      filledQuantity: booked.filledQuantity,
      remainingQuantity: 0,
      ...(booked.avgFillPrice !== null ? { avgFillPrice: booked.avgFillPrice } : {}),
      commission: booked.commission,
      reason,
    });
  }

  /**
   * Long-polls the broker's view of the order: returns as soon as it differs from `knownKey`,
   * is terminal, or `sliceMs` has passed. Heartbeats so a dead worker is noticed within the
   * heartbeat timeout and the wait moves to another worker.
   */
  async function awaitOrderUpdate(id: string, sliceMs: number, knownKey?: string): Promise<BrokerUpdate> {
    const ctx = Context.current();
    const signal = ctx.cancellationSignal;
    const deadline = Date.now() + sliceMs;
    await cancellable(broker.connect(), signal);
    let lastAsk = -Infinity;
    for (;;) {
      const gap = lastAsk + MIN_ASK_INTERVAL_MS - Date.now();
      if (gap > 0) await cancellable(sleep(gap), signal);
      lastAsk = Date.now();
      const s = await cancellable(broker.findOrder(id), signal);
      if (!s) return decideMissing(id, knownKey);
      const ended = isTerminal(s.status) && s.commissionsComplete;
      // Ended by the adapter's resync (order-book.ts): the broker's last word is the evidence.
      if (ended && s.reason?.startsWith(LOST_PREFIX))
        await record(id, 'BROKER_LOST_ORDER', { lastKnownStatus: knownKey?.split('|')[0] ?? null, broker: brief(s), searched: ['open', 'executed', 'completed'] });
      if (ended || summaryKey(s) !== knownKey) return toUpdate(s);
      const left = deadline - Date.now();
      if (left <= 0) return toUpdate(s);
      ctx.heartbeat();
      await cancellable(broker.waitForUpdate(id, Math.min(WAIT_STEP_MS, left)), signal);
    }
  }

  return { awaitOrderUpdate };
}
