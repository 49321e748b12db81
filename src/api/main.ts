/**
 * The API alone (`npm run api`, or `node dist/src/api/main.js` in a container): validates,
 * starts workflows and answers; needs an external Temporal (TEMPORAL_ADDRESS) and PostgreSQL.
 * Migrations are applied by the deployment's migrate step, not here.
 */
import { runProcess } from '../entrypoint';
import { closePrisma, getPrisma, pingDatabase } from '../db/client';
import { connectClient } from '../temporalClient';
import { waitFor } from '../waitFor';
import { createApp, startServer } from './app';

void runProcess('api', async (config, logger) => {
  if (!config.temporalAddress) throw new Error('TEMPORAL_ADDRESS is required for the standalone API (npm start runs everything in one process)');
  const address = config.temporalAddress;
  // Wait for Temporal and PostgreSQL (bounded backoff, one log line per attempt) instead of exiting.
  const client = await waitFor(`temporal at ${address}`, () => connectClient(address, config), { logger });
  const prisma = getPrisma(config.databaseUrl);
  await waitFor(`postgresql at ${new URL(config.databaseUrl).host}`, () => pingDatabase(prisma), { logger });
  const server = await startServer(createApp({ temporal: client, prisma, taskQueue: config.temporalTaskQueue, logger }), config.port, config.host);
  logger.info('api listening', { url: server.url });
  return async () => {
    await server.close();
    await client.connection.close();
    await closePrisma();
  };
});
