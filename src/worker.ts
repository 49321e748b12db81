/**
 * The Temporal worker: bundles workflows/ into the deterministic sandbox and serves the
 * activities with injected clients. Runs inside `npm start` or alone (`npm run worker`).
 */
import path from 'node:path';
import { DefaultLogger, Runtime, Worker, type InjectedSinks, type NativeConnection, type WorkflowBundleWithSourceMap, bundleWorkflowCode } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { portInUse, freePort } from '../temporal/devServer';
import type { MetricsSinks } from './contracts/workflows/metricsSinks';
import { workflowFailuresTotal } from './metrics';

const WORKFLOWS = path.resolve(__dirname, '..', 'workflows', 'index');
export const WORKFLOW_INTERCEPTORS = path.resolve(__dirname, '..', 'workflows', 'metricsInterceptor');
const INTERCEPTORS = WORKFLOW_INTERCEPTORS;

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundles the workflow code once per process (webpack; a few seconds). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve(WORKFLOWS), workflowInterceptorModules: [require.resolve(INTERCEPTORS)], logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => process.stderr.write(`${m}\n`),
  error: (m: string) => process.stderr.write(`${m}\n`),
};

let runtimeInstalled = false;
let runtimeMetricsUrl: string | undefined;
/**
 * The SDK's own logs at WARN (our activities log through winston) and, given an address, its
 * Prometheus exporter (temporal_* metrics). Once per process: later calls return the first URL.
 */
export function installRuntime(metricsBindAddress?: string): string | undefined {
  if (runtimeInstalled) return runtimeMetricsUrl;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger((process.env.TEMPORAL_SDK_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN'),
      ...(metricsBindAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsBindAddress } } } } : {}),
    });
    if (metricsBindAddress) runtimeMetricsUrl = `http://${metricsBindAddress.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}/metrics`;
  } catch {
    // already installed by the host process (e.g. metrics exporter set-up): keep it
  }
  return runtimeMetricsUrl;
}

/** host:port for the exporter; 0 = off; a taken port (a second local process) falls back to a free one. */
export async function workerMetricsAddress(port: number, host = '127.0.0.1'): Promise<string | undefined> {
  if (port === 0) return undefined;
  return `${host}:${(await portInUse(port)) ? await freePort() : port}`;
}

/** Workflow outcomes reported by workflows/metricsInterceptor.ts. */
const sinks = { metrics: { workflowFailed: { fn: (_info: unknown, workflowType: string) => workflowFailuresTotal.inc({ workflow_type: workflowType }) } } };

export async function createWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  identity?: string;
  /** Benchmarks: another bundle (a superset of workflows/index.ts) and extra or wrapped activities. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  activities?: (production: ReturnType<typeof createActivities>) => object;
}): Promise<Worker> {
  installRuntime();
  const activities = createActivities(opts.deps);
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: opts.workflowBundle ?? (await workflowBundle()),
    activities: opts.activities ? opts.activities(activities) : activities,
    sinks: sinks satisfies InjectedSinks<MetricsSinks>,
    ...(opts.identity ? { identity: opts.identity } : {}),
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentLocalActivityExecutions: 200,
    // After a worker dies its sticky queue holds the next workflow task until this expires
    // (default 10 s); a short value lets another worker take over quickly.
    stickyQueueScheduleToStartTimeout: '3s',
    // Pollers that scale with the server's backlog, not a fixed ten (two of them on the shared queue,
    // where every new workflow's first task waits): a burst of starts queued there and throughput
    // swung between rounds (bench:e2e on the dev server, 2026-12-06: 24–46 bare workflows/s, round to
    // round; autoscaled 44–50/s, and instructions 33–38/s instead of 24–35/s on the same CPU).
    workflowTaskPollerBehavior: { type: 'autoscaling' },
    activityTaskPollerBehavior: { type: 'autoscaling' },
  });
}

/** `npm run worker` / `node dist/src/worker.js`: one worker process against an external Temporal. */
async function main(): Promise<void> {
  const { runProcess } = await import('./entrypoint');
  const { createIbBroker } = await import('../activities/broker/ib-adapter');
  const { closePrisma, getPrisma, pingDatabase } = await import('./db/client');
  const { connectWorkerConnection } = await import('./temporalClient');
  const { riskSettingsOf } = await import('./config');
  await runProcess('worker', async (config, logger) => {
    if (!config.temporalAddress) throw new Error('TEMPORAL_ADDRESS is required for the standalone worker (npm start runs everything in one process)');
    // 0.0.0.0: in a container Prometheus scrapes from another host (docker-compose, job alluse-worker*).
    installRuntime(config.workerMetricsPort ? `0.0.0.0:${config.workerMetricsPort}` : undefined);
    const { instrumentBroker, startBrokerStatsPoller } = await import('../activities/brokerMetrics');
    const { serveMetrics } = await import('./metrics');
    const { marketDataSettings } = await import('./marketdata/settings');
    const appMetrics = config.workerAppMetricsPort ? await serveMetrics({ port: config.workerAppMetricsPort, host: '0.0.0.0' }) : undefined;
    // Wait for Temporal and PostgreSQL (bounded backoff, a log line per attempt; /readyz on the
    // app-metrics port names what is awaited) instead of exiting when started before them.
    const { waitFor } = await import('./waitFor');
    const temporalAddress = config.temporalAddress;
    const connection = await waitFor(`temporal at ${temporalAddress}`, () => connectWorkerConnection(temporalAddress, config), { logger });
    const prisma = getPrisma(config.databaseUrl);
    await waitFor(`postgresql at ${new URL(config.databaseUrl).host}`, () => pingDatabase(prisma), { logger });
    const broker = instrumentBroker(
      createIbBroker({ host: config.ibHost, port: config.ibPort, clientId: config.ibClientId, account: config.ibAccount, logger, marketDataLimits: marketDataSettings().limits }),
    );
    const stopPoller = startBrokerStatsPoller(broker);
    // Connect now, not on the first order: the broker-down alert reads this session (the adapter retries with backoff).
    broker.connect().catch((err: unknown) => logger.warn('broker not connected yet; the adapter keeps retrying', { err }));
    // Worker.create fails while the namespace is not registered yet (a cluster still starting).
    const worker = await waitFor(
      `temporal namespace ${config.temporalNamespace}`,
      () =>
        createWorker({
          connection,
          namespace: config.temporalNamespace,
          taskQueue: config.temporalTaskQueue,
          deps: { prisma, broker, logger, risk: riskSettingsOf(config), brokerIsSimulator: config.ibSimulator },
        }),
      { logger, attemptTimeoutMs: 120_000 },
    );
    const running = worker.run();
    const { connectClient } = await import('./temporalClient');
    const client = config.reconcileOnConnect ? await connectClient(config.temporalAddress, config) : undefined;
    const stopReconcile = client ? (await import('./reconcileTrigger')).reconcileOnConnect({ client, broker, taskQueue: config.temporalTaskQueue, logger }) : () => {};
    logger.info('worker running', { taskQueue: config.temporalTaskQueue, ib: `${config.ibHost}:${config.ibPort}` });
    return async () => {
      stopReconcile();
      worker.shutdown();
      await running;
      await client?.connection.close();
      stopPoller();
      appMetrics?.close();
      await broker.disconnect();
      await connection.close();
      await closePrisma();
    };
  });
}

if (require.main === module) void main();
