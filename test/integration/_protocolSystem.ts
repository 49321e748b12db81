/**
 * A second, small harness for the Protocol Engine tests: its own IB simulator on a manual
 * clock (static prices), its own broker and worker on its own task queue, and an API app with
 * an operator token, while REUSING the shared Temporal server of getSystem(). It has its own
 * database: two simulators number executions alike (execId is the executions table's key), so
 * sharing one would silently drop fills of one of them.
 */
import { DEFAULT_PROTOCOL, withOverrides, type ProtocolConfig } from '../../src/domain/config';
import { createLogger } from '../../src/logger';
import { operatorApi as liveOperatorApi, startLiveSystem, type LiveSystem } from '../../src/parity/liveSystem';
import type { System } from '../../src/system';
import { getSystem, testDatabaseUrl, type Json } from './_system';

export interface ProtocolHarness extends LiveSystem {
  sys: System;
}

/** One underlying per account and a tiny fork threshold, so a few weeks show every step. */
export const TEST_PROTOCOL = withOverrides(DEFAULT_PROTOCOL, {
  accounts: { GEN: { underlyings: ['TSLA'] }, REV: { underlyings: ['AAPL'] }, COM: { underlyings: ['MSFT'] } },
  fork: { thresholdCents: 10_000 },
  // The static-price simulator joins its generated history to a fixed price: that seam is one wide
  // week, which the (now fully fed) volatility regime reads as HIGH and halves sizes to nothing.
  // These tests are about the cycle; the regime has its own tests.
  regime: { highVolRatio: 10 },
});

export async function startProtocolHarness(opts: { startTime: string; clientId: number; protocol?: ProtocolConfig }): Promise<ProtocolHarness> {
  const sys = await getSystem();
  const live = await startLiveSystem({
    temporal: { client: sys.client, address: sys.temporalAddress, namespace: sys.config.temporalNamespace },
    databaseUrl: testDatabaseUrl(`protocol${opts.clientId}`),
    clientId: opts.clientId,
    taskQueue: `protocol-test-${process.pid}-${opts.clientId}`,
    protocol: opts.protocol ?? TEST_PROTOCOL,
    logger: createLogger('protocol-test', process.env.TEST_LOG_LEVEL ?? 'error'),
    simulator: {
      port: 0,
      clock: 'manual',
      priceModel: 'static',
      startTime: opts.startTime,
      startingCash: 2_000_000,
      prices: { TSLA: 250, AAPL: 200, MSFT: 400 },
      vols: { TSLA: 0.5, AAPL: 0.3, MSFT: 0.25 },
    },
  });
  return { ...live, sys };
}

export async function operatorApi(h: ProtocolHarness, method: string, path: string, body?: unknown) {
  return liveOperatorApi<Json>(h, method, path, body);
}
