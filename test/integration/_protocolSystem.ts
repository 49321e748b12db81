/**
 * A second, small harness for the Protocol Engine tests: its own IB simulator on a manual
 * clock (static prices), its own broker and worker on its own task queue, and an API app with
 * an operator token, while REUSING the shared Temporal server of getSystem(). It has its own
 * database: two simulators number executions alike (execId is the executions table's key), so
 * sharing one would silently drop fills of one of them.
 */
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createIbBroker, type IbBroker } from '../../activities/broker/ib-adapter';
import { createApp, startServer, type RunningServer } from '../../src/api/app';
import { disconnectPrisma, getPrisma, type PrismaClient } from '../../src/db/client';
import { dropDatabase, migrate } from '../../src/db/migrate';
import { DEFAULT_PROTOCOL, withOverrides, type ProtocolConfig } from '../../src/domain/config';
import { startSimulator, type Simulator } from '../../src/ib-sim';
import { createLogger } from '../../src/logger';
import type { System } from '../../src/system';
import { createWorker } from '../../src/worker';
import { getSystem, testDatabaseUrl } from './_system';

export interface ProtocolHarness {
  sys: System;
  prisma: PrismaClient;
  sim: Simulator;
  broker: IbBroker;
  worker: Worker;
  api: RunningServer;
  taskQueue: string;
  protocol: ProtocolConfig;
  operatorToken: string;
  stop(): Promise<void>;
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
  const dbUrl = testDatabaseUrl(`protocol${opts.clientId}`);
  await dropDatabase(dbUrl);
  await migrate(dbUrl);
  const prisma = getPrisma(dbUrl);
  const logger = createLogger('protocol-test', process.env.TEST_LOG_LEVEL ?? 'error');
  const sim = await startSimulator({
    port: 0,
    clock: 'manual',
    priceModel: 'static',
    startTime: opts.startTime,
    startingCash: 2_000_000,
    prices: { TSLA: 250, AAPL: 200, MSFT: 400 },
    vols: { TSLA: 0.5, AAPL: 0.3, MSFT: 0.25 },
  });
  const broker = createIbBroker({ host: '127.0.0.1', port: sim.port, clientId: opts.clientId, account: 'DU1234567', logger });
  const taskQueue = `protocol-test-${process.pid}-${opts.clientId}`;
  const protocol = opts.protocol ?? TEST_PROTOCOL;
  const connection = await NativeConnection.connect({ address: sys.temporalAddress });
  const worker = await createWorker({ connection, namespace: sys.config.temporalNamespace, taskQueue, deps: { prisma, broker, logger, protocol, clock: sim, brokerIsSimulator: true } }); // the simulator's manual clock is the business time
  const run = worker.run();
  const operatorToken = 'protocol-test-operator-token-0123456789';
  const app = createApp({ temporal: sys.client, prisma, taskQueue, logger, operatorToken });
  const api = await startServer(app, 0);
  return {
    sys,
    prisma,
    sim,
    broker,
    worker,
    api,
    taskQueue,
    protocol,
    operatorToken,
    async stop() {
      await api.close();
      worker.shutdown();
      await run.catch(() => undefined);
      await connection.close();
      await broker.marketData?.close();
      await broker.disconnect();
      await sim.close();
      await disconnectPrisma(prisma);
      await dropDatabase(dbUrl).catch(() => undefined);
    },
  };
}

export async function operatorApi(h: ProtocolHarness, method: string, path: string, body?: unknown) {
  const res = await fetch(`${h.api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${h.operatorToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
