/**
 * `npm start`: the whole system on embedded defaults (Temporal dev server, PostgreSQL
 * migrations, IB simulator, worker, API). Prints where each part listens; Ctrl-C stops
 * every part cleanly.
 */
import { ConfigError, describeConfig, loadConfig } from './config';
import { createLogger } from './logger';
import { localCredentialUsage } from './localCredential';
import { startSystem } from './system';
import { ensureUiBuilt } from './uiBuild';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger('all-use', config.logLevel);
  const say = (l: string) => process.stdout.write(`${l}\n`);
  say('ALL-USE starting with configuration:');
  for (const line of describeConfig(config)) say(`  ${line}`);

  await ensureUiBuilt((l) => say(`[start] ${l}`));

  const system = await startSystem(config, logger, { progress: (l) => say(`[start] ${l}`), localCredential: true });
  const api = system.api!;
  say('');
  say('ALL-USE is running:');
  say(`  API              ${api.url}/api/v1/starlab_interface`);
  say(`  API docs         ${api.url}/api/v1/docs`);
  say(`  Metrics          ${api.url}/metrics  (Authorization: Bearer <operator token>)`);
  say(`  Health           ${api.url}/healthz  (readiness ${api.url}/readyz; details with the operator token)`);
  say(`  Operator API     ${api.url}/api/v1/operator  (Authorization: Bearer ${config.operatorToken ? '$OPERATOR_TOKEN' : '<operator_token of the credential file>'})`);
  say(`  Command center   ${api.url}/ui`);
  say(`    log in with    the operator token: ${config.operatorToken ? '$OPERATOR_TOKEN' : `operator_token in ${system.localCredential?.file ?? 'the credential file'}`}`);
  if (system.localCredential) {
    for (const l of localCredentialUsage(system.localCredential.file, api.url)) say(l);
    if (system.localCredential.created) say('                   (issued now; later starts reuse it)');
  }
  if (system.workerMetricsUrl) say(`  Worker metrics   ${system.workerMetricsUrl}  (Temporal SDK, temporal_*)`);
  if (system.temporalMetricsUrl) say(`  Temporal metrics ${system.temporalMetricsUrl}  (dev server)`);
  say(`  Temporal         ${system.temporalAddress} (namespace ${config.temporalNamespace}, task queue ${config.temporalTaskQueue})`);
  if (system.temporalUiUrl) say(`  Temporal Web UI  ${system.temporalUiUrl}`);
  say(`  PostgreSQL       ${new URL(config.databaseUrl).host}${new URL(config.databaseUrl).pathname}`);
  if (system.simulator) {
    say(`  IB simulator     ${config.ibHost}:${system.simulator.port} (clock ${config.ibSimClock})`);
    if (system.simulator.adminPort) say(`  IB sim admin     http://${config.ibHost}:${system.simulator.adminPort}`);
  } else say(`  IB gateway       ${config.ibHost}:${config.ibPort} (client id ${config.ibClientId}, account ${config.ibAccount})`);
  say('Press Ctrl-C to stop.');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping API, worker, simulator, database connections and Temporal...`);
    system
      .stop()
      .then(() => (say('stopped cleanly.'), process.exit(0)))
      .catch((err: unknown) => (logger.error('shutdown failed', { err }), process.exit(1)));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`ALL-USE failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
