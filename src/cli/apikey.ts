/**
 * STAR-LAB API credentials (operators):
 *   npm run --silent apikey -- create --client <name> --strategies <pattern,...> --scopes trade,read,data [--allow-ip <cidr,...>] [--rate-limit <per-minute>]
 *   npm run --silent apikey -- revoke --client <name>
 * `create` prints ONE JSON object {client_id, client_secret, api_key}: shown once, stored
 * only as salted scrypt hashes. Reads DATABASE_URL; expects a migrated database.
 */
import os from 'node:os';
import { Command } from 'commander';
import { parseCidr } from '../api/ipAllow';
import { loadConfig } from '../config';
import { ApiClientError, createApiClient, revokeApiClient } from '../db/apiClients';
import { writeAudit } from '../db/audit';
import { closePrisma, getPrisma, isSchemaMissing } from '../db/client';

const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const actor = () => `cli:${os.userInfo().username}`;

function explain(err: unknown): string {
  // P2021/P2022: the table or column is missing, i.e. migrations have not been applied.
  if (isSchemaMissing(err)) return 'the database is not migrated (api_clients is missing or old): run `npm run migrate` (or `npm start` once) first';
  const msg = (err as Error)?.message ?? String(err);
  if (/ECONNREFUSED|does not exist|authentication failed/i.test(msg)) return `cannot reach the database (DATABASE_URL): ${msg.split('\n').pop()}`;
  return msg;
}

async function run(argv: string[]): Promise<void> {
  const prisma = getPrisma(loadConfig(process.env).databaseUrl);
  const program = new Command('apikey').description('manage STAR-LAB API clients').exitOverride();
  program
    .command('create')
    .requiredOption('--client <name>', 'client name (unique)')
    .requiredOption('--strategies <patterns>', 'comma-separated strategy id patterns, * wildcard (e.g. DIS_*,WIS_AAPL_*)')
    .requiredOption('--scopes <scopes>', 'comma-separated: trade,read,data')
    .option('--allow-ip <cidrs>', 'comma-separated IPv4/IPv6 CIDRs the client may call from')
    .option('--rate-limit <n>', 'requests per minute (default: API_RATE_LIMIT_PER_MINUTE)')
    .action(async (o: { client: string; strategies: string; scopes: string; allowIp?: string; rateLimit?: string }) => {
      const allowIps = o.allowIp ? list(o.allowIp) : [];
      for (const c of allowIps) parseCidr(c); // throws a readable message on a bad CIDR
      const rate = o.rateLimit === undefined ? undefined : Number(o.rateLimit);
      if (rate !== undefined && !(Number.isInteger(rate) && rate > 0)) throw new ApiClientError('--rate-limit must be a positive integer');
      const creds = await createApiClient(prisma, { name: o.client, strategies: list(o.strategies), scopes: list(o.scopes), allowIps, rateLimitPerMinute: rate });
      await writeAudit(prisma, {
        actor: actor(),
        action: 'KEY_ISSUED',
        target: o.client,
        outcome: 'OK',
        detail: { client_id: creds.client_id, strategies: list(o.strategies), scopes: list(o.scopes), allow_ips: allowIps },
      });
      process.stdout.write(`${JSON.stringify(creds)}\n`);
    });
  program
    .command('revoke')
    .requiredOption('--client <name>', 'client name')
    .action(async (o: { client: string }) => {
      const revoked = await revokeApiClient(prisma, o.client);
      if (!revoked) throw new ApiClientError(`no active client named ${o.client}`);
      await writeAudit(prisma, { actor: actor(), action: 'KEY_REVOKED', target: o.client, outcome: 'OK' });
      process.stdout.write(`${JSON.stringify({ client: o.client, revoked: true })}\n`);
    });
  await program.parseAsync(argv);
}

run(process.argv)
  .catch((err: unknown) => {
    const e = err as { code?: string; exitCode?: number };
    if (e?.code?.startsWith('commander.'))
      process.exitCode = e.exitCode ?? 2; // commander printed it
    else {
      process.stderr.write(`apikey: ${explain(err)}\n`);
      process.exitCode = 1;
    }
  })
  .finally(() => closePrisma());
