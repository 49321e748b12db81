/**
 * The live engine on real parts for one run: an IB simulator on a manual clock (its time is the
 * business time), a broker and a worker on their own task queue with the simulator's clock
 * injected, an operator API on port 0 and a throw-away database of its own (two simulators number
 * executions alike, so they never share one). It reuses a Temporal server given by the caller:
 * the integration tests' shared one, or the dev server `npm run parity` starts (startTemporal).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createIbBroker, type IbBroker } from '../../activities/broker/ib-adapter';
import { ensureTemporalCli } from '../../temporal/cli';
import { freePort, startDevServer } from '../../temporal/devServer';
import { createApp, startServer, type RunningServer } from '../api/app';
import { disconnectPrisma, getPrisma, type PrismaClient } from '../db/client';
import { dropDatabase, migrate } from '../db/migrate';
import type { ProtocolConfig } from '../domain/config';
import { startSimulator, type Simulator, type SimulatorOptions } from '../ib-sim';
import type { Logger } from '../logger';
import { connectClient } from '../temporalClient';
import { createWorker } from '../worker';

export interface LiveSystem {
  temporal: Client;
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

export interface LiveSystemOptions {
  temporal: { client: Client; address: string; namespace: string };
  /** A database URL this run may create and drop. */
  databaseUrl: string;
  clientId: number;
  taskQueue: string;
  protocol: ProtocolConfig;
  /** The simulator (port, clock 'manual', startTime, prices or replay, vols...). */
  simulator: SimulatorOptions;
  logger: Logger;
}

export async function startLiveSystem(o: LiveSystemOptions): Promise<LiveSystem> {
  await dropDatabase(o.databaseUrl);
  await migrate(o.databaseUrl);
  const prisma = getPrisma(o.databaseUrl);
  const sim = await startSimulator(o.simulator);
  const broker = createIbBroker({ host: '127.0.0.1', port: sim.port, clientId: o.clientId, account: 'DU1234567', logger: o.logger });
  const connection = await NativeConnection.connect({ address: o.temporal.address });
  // The simulator's manual clock is the business time of every activity.
  const worker = await createWorker({
    connection,
    namespace: o.temporal.namespace,
    taskQueue: o.taskQueue,
    deps: { prisma, broker, logger: o.logger, protocol: o.protocol, clock: sim, brokerIsSimulator: true },
  });
  const run = worker.run();
  const operatorToken = `live-operator-token-${o.clientId}-0123456789abcdef`;
  const app = createApp({ temporal: o.temporal.client, prisma, taskQueue: o.taskQueue, logger: o.logger, operatorToken });
  const api = await startServer(app, 0);
  return {
    temporal: o.temporal.client,
    prisma,
    sim,
    broker,
    worker,
    api,
    taskQueue: o.taskQueue,
    protocol: o.protocol,
    operatorToken,
    async stop() {
      // The families' position monitors run until stopped: end this system's (its task queue), not another's.
      for await (const w of o.temporal.client.workflow.list({ query: `WorkflowType='positionMonitor' AND TaskQueue='${o.taskQueue}' AND ExecutionStatus='Running'` }))
        await o.temporal.client.workflow
          .getHandle(w.workflowId)
          .terminate('live system stopped')
          .catch(() => undefined);
      await api.close();
      worker.shutdown();
      await run.catch(() => undefined);
      await connection.close();
      await broker.marketData?.close();
      await broker.disconnect();
      await sim.close();
      await disconnectPrisma(prisma);
      await dropDatabase(o.databaseUrl).catch(() => undefined);
    },
  };
}

/** A call to the live system's operator API; the body parsed as JSON. */
export async function operatorApi<T = unknown>(h: Pick<LiveSystem, 'api' | 'operatorToken'>, method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${h.api.url}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${h.operatorToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** A headless Temporal dev server on a free port with a throw-away SQLite file (the parity command's own). */
export async function startTemporal(progress: (line: string) => void): Promise<{ client: Client; address: string; namespace: string; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'all-use-parity-'));
  const namespace = 'default';
  const cliPath = await ensureTemporalCli(undefined, progress);
  progress('starting Temporal dev server...');
  const dev = await startDevServer({ cliPath, dbFile: path.join(dir, 'temporal.db'), port: await freePort(), namespace, metricsPort: await freePort(), logFile: path.join(dir, 'temporal.log') });
  const client = await connectClient(dev.address, { temporalNamespace: namespace, temporalTls: false, temporalApiKey: undefined });
  return {
    client,
    address: dev.address,
    namespace,
    async stop() {
      await client.connection.close();
      await dev.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
