/**
 * Broker metrics without touching the IB adapter: a decorator around the Broker port that
 * times place→ack and place→fill, and a poller that copies the adapter's counters (if it
 * exposes stats()) into the gauges of src/metrics.ts once a second.
 */
import { brokerConnected, brokerPacingBacklog, brokerMessagesPerSecond, brokerPacingLimit, brokerReconnectsTotal, orderAckLatency, orderFillLatency } from '../src/metrics';
import type { Broker, BrokerOrderState } from '../src/contracts/broker';

interface BrokerStats {
  msgsSent: number;
  reconnects: number;
  limitMsgsPerSec: number;
}
type WithStats = Broker & { stats?: () => BrokerStats };

/** Orders this process placed and has not yet seen terminal: orderRef → placeOrder start (ms). */
const MAX_TRACKED = 10_000;

export function instrumentBroker<B extends Broker>(broker: B): B {
  const sentAt = new Map<string, number>();
  const seen = (s: BrokerOrderState | null): BrokerOrderState | null => {
    const t0 = s ? sentAt.get(s.orderRef) : undefined;
    if (!s || t0 === undefined) return s;
    if (s.status === 'FILLED') orderFillLatency.observe((Date.now() - t0) / 1000);
    if (s.status === 'FILLED' || s.status === 'CANCELLED' || s.status === 'REJECTED') sentAt.delete(s.orderRef);
    return s;
  };
  const wrapped = Object.create(broker) as B;
  return Object.assign(wrapped, {
    async placeOrder(req: Parameters<Broker['placeOrder']>[0]) {
      const t0 = Date.now();
      const s = await broker.placeOrder(req);
      // placeOrder resolves on the broker's first answer about the order: that is the ack.
      orderAckLatency.observe((Date.now() - t0) / 1000);
      if (!sentAt.has(req.orderRef) && sentAt.size < MAX_TRACKED) sentAt.set(req.orderRef, t0);
      return seen(s)!;
    },
    findOrder: async (ref: string) => seen(await broker.findOrder(ref)),
    waitForUpdate: async (ref: string, ms: number) => seen(await broker.waitForUpdate(ref, ms)),
    // Methods read `this` of the adapter object, not of the decorator.
    connect: () => broker.connect(),
    disconnect: () => broker.disconnect(),
    isConnected: () => broker.isConnected(),
    cancelOrder: (ref: string) => broker.cancelOrder(ref),
  });
}

/** Samples the broker every `intervalMs`; returns a stop function. */
export function startBrokerStatsPoller(broker: Broker, intervalMs = 1000): () => void {
  const b = broker as WithStats;
  let last = b.stats?.();
  let lastAt = Date.now();
  const tick = () => {
    brokerConnected.set(broker.isConnected() ? 1 : 0);
    if (broker.pacingBacklogMs) brokerPacingBacklog.set(broker.pacingBacklogMs() / 1000);
    const now = b.stats?.();
    if (!now) return;
    const at = Date.now();
    if (last) {
      if (now.reconnects > last.reconnects) brokerReconnectsTotal.inc(now.reconnects - last.reconnects);
      brokerMessagesPerSecond.set(Math.max(0, now.msgsSent - last.msgsSent) / Math.max(0.001, (at - lastAt) / 1000));
    }
    brokerPacingLimit.set(now.limitMsgsPerSec);
    last = now;
    lastAt = at;
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
