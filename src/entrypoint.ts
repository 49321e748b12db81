/**
 * Shared start-up of the single-purpose processes (API alone, worker alone) used by a
 * real deployment: validated configuration, logger, clean shutdown on SIGINT/SIGTERM.
 */
import { ConfigError, describeConfig, loadConfig, type Config } from './config';
import { createLogger, type Logger } from './logger';

export async function runProcess(name: string, start: (config: Config, logger: Logger) => Promise<() => Promise<void>>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const logger = createLogger(name, config.logLevel);
  logger.info(`${name} starting`, { config: describeConfig(config) });
  let stop: () => Promise<void>;
  try {
    stop = await start(config, logger);
  } catch (err) {
    logger.error(`${name} failed to start`, { err });
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${name} stopping`, { signal });
    stop().then(
      () => process.exit(0),
      (err: unknown) => (logger.error('shutdown failed', { err }), process.exit(1)),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
