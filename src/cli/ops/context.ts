/**
 * What ops commands need, opened lazily (most read only PostgreSQL; a few reach Temporal) and
 * closed once at exit. Temporal: TEMPORAL_ADDRESS, else the local dev server on TEMPORAL_PORT.
 */
import os from 'node:os';
import type { Client } from '@temporalio/client';
import { loadConfig, type Config } from '../../config';
import { closePrisma, getPrisma, type PrismaClient } from '../../db/client';
import { connectClient } from '../../temporalClient';

export interface OpsContext {
  config: Config;
  actor: string;
  prisma(): PrismaClient;
  temporal(): Promise<Client>;
  close(): Promise<void>;
}

export function opsContext(env: NodeJS.ProcessEnv = process.env): OpsContext {
  const config = loadConfig(env);
  let client: Promise<Client> | undefined;
  return {
    config,
    actor: `cli:${os.userInfo().username}`,
    prisma: () => getPrisma(config.databaseUrl),
    temporal: () => (client ??= connectClient(config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`, config)),
    async close() {
      if (client) await (await client.catch(() => undefined))?.connection.close();
      await closePrisma();
    },
  };
}
