/**
 * Starts the whole system in one process, in dependency order, and stops it in reverse:
 * Temporal (external or the embedded dev server), PostgreSQL migrations, the IB simulator,
 * the worker and the API. `npm start` and the integration tests both use this.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createIbBroker } from '../activities/broker/ib-adapter';
import type { Broker } from './contracts/broker';
import { ensureTemporalCli } from '../temporal/cli';
import { portInUse, startDevServer, type DevServer } from '../temporal/devServer';
import { createApp, startServer, type RunningServer } from './api/app';
import { riskSettingsOf, type Config } from './config';
import { systemClock } from './contracts/clock';
import { closePrisma, getPrisma, type PrismaClient } from './db/client';
import { migrate } from './db/migrate';
import { startSimulator, type Simulator, type SimulatorOptions } from './ib-sim';
import type { Logger } from './logger';
import { ensureSchedules } from './schedules';
import { marketDataSettings } from './marketdata/settings';
import { connectClient, connectWorkerConnection } from './temporalClient';
import { createWorker, installRuntime, workerMetricsAddress } from './worker';
import { instrumentBroker, startBrokerStatsPoller } from '../activities/brokerMetrics';
import { freePort } from '../temporal/devServer';
import { ensureReportSchedules } from './reports/schedules';
import { ensureWebhookSweepSchedule } from './webhooks/schedule';
import { reconcileOnConnect } from './reconcileTrigger';
import { ensureLocalCredential, type LocalCredential } from './localCredential';

export interface SystemOptions {
  /** Temporal dev-server SQLite file (default: <dataDir>/temporal.db). */
  temporalDbFile?: string;
  /** Headless dev server (no Web UI): tests. */
  headless?: boolean;
  /** Log file of the dev server. */
  temporalLogFile?: string;
  progress?: (line: string) => void;
  startApi?: boolean;
  startWorker?: boolean;
  /** Create/update the Temporal Schedules (weekly cycle); default true. */
  schedules?: boolean;
  /** `npm start`: issue (once) or reuse <dataDir>/local-credential.json (src/localCredential.ts). */
  localCredential?: boolean;
  /**
   * Benchmarks' diagnostic only: the adapter's message limit (default 45/s, under IB's 50) and,
   * with the in-process simulator, the simulator's. Lifting it measures what ALL-USE itself costs
   * apart from the broker's rule; never set it against a real gateway.
   */
  brokerMsgsPerSec?: number;
}

export interface System {
  config: Config;
  temporalAddress: string;
  temporalUiUrl?: string;
  temporalMetricsUrl?: string;
  /** The worker's Temporal SDK metrics (Runtime Prometheus exporter), once the worker started. */
  workerMetricsUrl?: string;
  client: Client;
  prisma: PrismaClient;
  broker: Broker;
  simulator?: Simulator;
  worker?: Worker;
  api?: RunningServer;
  devServer?: DevServer;
  /** The local credential file and its content, when opts.localCredential asked for it. */
  localCredential?: { file: string; created: boolean; credential: LocalCredential };
  /** The operator token the API accepts (OPERATOR_TOKEN, else the local credential's). */
  operatorToken?: string;
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSystem(config: Config, logger: Logger, opts: SystemOptions = {}): Promise<System> {
  const progress = opts.progress ?? ((l: string) => logger.info(l));
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => logger.error('error while stopping', { err }));
    stops.length = 0;
  };
  try {
    let temporalAddress = config.temporalAddress;
    let devServer: DevServer | undefined;
    if (!temporalAddress) {
      if (await portInUse(config.temporalPort)) throw new Error(`port ${config.temporalPort} is taken: stop what uses it, set TEMPORAL_PORT, or set TEMPORAL_ADDRESS to use that Temporal`);
      const cliPath = await ensureTemporalCli(config.temporalCliPath, progress);
      progress('starting Temporal dev server...');
      devServer = await startDevServer({
        cliPath,
        dbFile: opts.temporalDbFile ?? path.join(config.dataDir, 'temporal.db'),
        port: config.temporalPort,
        uiPort: opts.headless ? undefined : config.temporalUiPort,
        namespace: config.temporalNamespace,
        metricsPort: config.temporalMetricsPort || (await freePort()),
        logFile: opts.temporalLogFile ?? path.join(config.dataDir, 'temporal.log'),
      });
      stops.push(() => devServer!.stop());
      temporalAddress = devServer.address;
    }

    progress('applying database migrations...');
    await migrate(config.databaseUrl);
    const prisma = getPrisma(config.databaseUrl);
    stops.push(() => closePrisma());
    const local = opts.localCredential ? await ensureLocalCredential(prisma, config.dataDir) : undefined;
    const operatorToken = config.operatorToken ?? local?.credential.operator_token;

    let simulator: Simulator | undefined;
    if (config.ibSimulator) {
      simulator = await startSimulator({ ...simulatorOptions(config), ...(opts.brokerMsgsPerSec ? { pacingLimit: opts.brokerMsgsPerSec } : {}) });
      stops.push(() => simulator!.close());
    }

    // Decorated for order latency metrics; the poller copies connection state and pacing.
    const broker = instrumentBroker(
      createIbBroker({
        host: config.ibHost,
        port: simulator?.port ?? config.ibPort,
        clientId: config.ibClientId,
        account: config.ibAccount,
        logger: logger.child({ component: 'broker' }),
        marketDataLimits: marketDataSettings().limits,
        ...(opts.brokerMsgsPerSec ? { maxMsgsPerSec: opts.brokerMsgsPerSec } : {}),
      }),
    );
    stops.push(() => broker.disconnect());
    const stopPoller = startBrokerStatsPoller(broker);
    stops.push(async () => stopPoller());
    // Connect now, not on the first order: /readyz and the broker-down alert read this session.
    broker.connect().catch((err: unknown) => logger.warn('broker not connected yet; the adapter keeps retrying', { err }));
    stops.push(async () => broker.marketData?.close());

    const client = await connectClient(temporalAddress, config);
    stops.push(() => client.connection.close());
    if (opts.schedules !== false) await ensureSchedules({ client, taskQueue: config.temporalTaskQueue, logger });
    if (opts.schedules !== false) await ensureReportSchedules(client, config.temporalTaskQueue);
    if (opts.schedules !== false) await ensureWebhookSweepSchedule(client, config.temporalTaskQueue);

    let worker: Worker | undefined;
    let workerRun: Promise<void> | undefined;
    let connection: NativeConnection | undefined;
    let stopReconcile = () => {};
    const system: System = {
      config,
      temporalAddress,
      temporalUiUrl: devServer?.uiUrl,
      temporalMetricsUrl: devServer?.metricsUrl,
      client,
      prisma,
      broker,
      simulator,
      devServer,
      localCredential: local,
      operatorToken,
      async startWorker() {
        system.workerMetricsUrl ??= installRuntime(await workerMetricsAddress(config.workerMetricsPort));
        connection ??= await connectWorkerConnection(temporalAddress, config);
        worker = await createWorker({
          connection,
          namespace: config.temporalNamespace,
          taskQueue: config.temporalTaskQueue,
          deps: {
            prisma,
            broker,
            logger,
            risk: riskSettingsOf(config),
            // On the simulator's manual clock the simulator's time is the business time.
            clock: simulator && config.ibSimClock === 'manual' ? simulator : systemClock,
            // Shadow families (A/B experiments) may trade only against the bundled simulator.
            brokerIsSimulator: simulator !== undefined,
          },
        });
        system.worker = worker;
        workerRun = worker.run();
        if (config.reconcileOnConnect) stopReconcile = reconcileOnConnect({ client, broker, taskQueue: config.temporalTaskQueue, logger });
      },
      async stopWorker() {
        stopReconcile();
        if (worker && worker.getState() === 'RUNNING') worker.shutdown();
        await workerRun?.catch((err: unknown) => logger.error('worker stopped with error', { err }));
        worker = undefined;
        workerRun = undefined;
      },
      stop,
    };
    stops.push(async () => {
      await system.stopWorker();
      await connection?.close();
    });
    if (opts.startWorker !== false) {
      progress('starting worker...');
      await system.startWorker();
    }
    if (opts.startApi !== false) {
      const app = createApp({ temporal: client, prisma, taskQueue: config.temporalTaskQueue, logger, broker, operatorToken, temporalUiUrl: devServer?.uiUrl });
      system.api = await startServer(app, config.port, config.host);
      stops.push(() => system.api!.close());
    }
    return system;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The bundled simulator's options from the configuration (`npm start` reads the same IB_SIM_* keys as `npm run ib-sim`). */
export function simulatorOptions(config: Config): SimulatorOptions {
  return {
    port: config.ibPort,
    host: config.ibHost,
    account: config.ibAccount,
    clock: config.ibSimClock,
    adminPort: config.ibSimAdminPort,
    stateFile: path.join(config.dataDir, 'ib-sim-account.json'),
    fresh: config.ibSimFresh,
    ...(config.ibSimStart ? { startTime: config.ibSimStart } : {}),
  };
}
