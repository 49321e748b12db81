/**
 * STAR-LAB API clients and their credentials. Secrets are shown once at creation and stored
 * only as salted scrypt hashes (`scrypt$N$r$p$salt$hash`, node:crypto, no native deps).
 * An API key is `auk_<keyId>.<secret>`: the key id finds the row, the secret is verified.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { batched, perClient } from './batch';
import { hotQuery, listen, type Listener, type PrismaClient } from './client';

export const SCOPES = ['trade', 'read', 'data'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiClientRow {
  name: string;
  clientId: string;
  strategies: string[];
  scopes: string[];
  allowIps: string[];
  rateLimitPerMinute: number | null;
  revokedAt: Date | null;
}

export interface IssuedCredentials {
  client_id: string;
  client_secret: string;
  api_key: string;
}

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scryptAsync(secret: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, KEYLEN, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

// Verified (secret, stored hash) pairs: scrypt is deliberately slow (~50 ms), and a client
// sends its key on every request. Only successes are remembered, by digest, never the secret.
const verified = new Map<string, true>();
const VERIFIED_MAX = 10_000;

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const memo = createHash('sha256').update(secret).update('\0').update(stored).digest('base64url');
  if (verified.has(memo)) return true;
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(secret, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 });
  const ok = key.length === expected.length && timingSafeEqual(key, expected);
  if (ok) {
    if (verified.size >= VERIFIED_MAX) verified.clear();
    verified.set(memo, true);
  }
  return ok;
}

/** Splits `auk_<keyId>.<secret>`; null when the string is not shaped like an API key. */
export function parseApiKey(key: string): { keyId: string; secret: string } | null {
  const m = /^auk_([0-9a-f]{16})\.([A-Za-z0-9_-]{20,100})$/.exec(key);
  return m ? { keyId: m[1]!, secret: m[2]! } : null;
}

export class ApiClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiClientError';
  }
}

export interface NewClient {
  name: string;
  strategies: string[];
  scopes: string[];
  allowIps?: string[];
  rateLimitPerMinute?: number;
}

/** Creates a client (or re-issues the credentials of a revoked one) and returns the secrets once. */
export async function createApiClient(prisma: PrismaClient, c: NewClient): Promise<IssuedCredentials> {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(c.name)) throw new ApiClientError('client name: 1-64 letters, digits, _ . -');
  const bad = c.scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length || !c.scopes.length) throw new ApiClientError(`scopes must be some of ${SCOPES.join(',')}; got ${c.scopes.join(',') || '(none)'}`);
  if (!c.strategies.length || c.strategies.some((s) => !/^[A-Za-z0-9_.:*-]{1,100}$/.test(s))) throw new ApiClientError('strategies: patterns of letters, digits, _ . : - and * wildcards');
  const existing = await prisma.apiClient.findUnique({ where: { name: c.name } });
  if (existing && !existing.revokedAt) throw new ApiClientError(`client ${c.name} already exists; revoke it first to re-issue credentials`);
  const clientId = `cli_${randomBytes(8).toString('hex')}`;
  const clientSecret = randomBytes(32).toString('base64url');
  const keyId = randomBytes(8).toString('hex');
  const keySecret = randomBytes(32).toString('base64url');
  const [secretHash, apiKeyHash] = await Promise.all([hashSecret(clientSecret), hashSecret(keySecret)]);
  const data = {
    clientId,
    secretHash,
    apiKeyId: keyId,
    apiKeyHash,
    strategies: c.strategies,
    scopes: c.scopes,
    allowIps: c.allowIps ?? [],
    rateLimitPerMinute: c.rateLimitPerMinute ?? null,
    revokedAt: null,
  };
  await prisma.apiClient.upsert({ where: { name: c.name }, update: data, create: { name: c.name, ...data } });
  changed(prisma);
  return { client_id: clientId, client_secret: clientSecret, api_key: `auk_${keyId}.${keySecret}` };
}

/** Revokes every credential of the client at once (keys, secret, and tokens already issued). */
export async function revokeApiClient(prisma: PrismaClient, name: string): Promise<boolean> {
  const r = await prisma.apiClient.updateMany({ where: { name, revokedAt: null }, data: { revokedAt: new Date() } });
  changed(prisma);
  return r.count > 0;
}

const SELECT = { name: true, clientId: true, strategies: true, scopes: true, allowIps: true, rateLimitPerMinute: true, revokedAt: true } as const;

// Concurrent requests share one lookup (batch.ts); each still reads the current row, so a
// revocation is seen by the next request.
// Raw SQL with one array parameter straight on the pool (client.ts, hotQuery): a fixed
// statement shape whatever the batch size, and none of Prisma's per-query CPU on the hot path.
const byKeyId = perClient((prisma: PrismaClient) =>
  batched(async (ids: string[]) => {
    const rows = await hotQuery<ApiClientRow & { apiKeyId: string; apiKeyHash: string }>(
      prisma,
      `SELECT name, client_id AS "clientId", strategies, scopes, allow_ips AS "allowIps", rate_limit_per_minute AS "rateLimitPerMinute",
              revoked_at AS "revokedAt", api_key_id AS "apiKeyId", api_key_hash AS "apiKeyHash"
         FROM api_clients WHERE api_key_id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map(({ apiKeyId, ...r }) => [apiKeyId, r]));
  }, null),
);

/**
 * Credential lookups are cached per process while a LISTEN on api_clients_changed is up (a
 * trigger announces every insert, update and delete of a client: migration
 * 20261125160000): a revocation clears every API process's cache as it commits, and
 * nothing is cached while the listener is down. One query fewer per request (bench-api).
 * A generation counter keeps a lookup that raced a change from refilling the cache, and an
 * entry lives at most 10 s, in case a dead listener connection was never noticed.
 */
type Entry<V> = { v: V; at: number };
interface CredentialCache {
  listener: Listener | null;
  generation: number;
  byKeyId: Map<string, Entry<(ApiClientRow & { apiKeyHash: string }) | null>>;
  byName: Map<string, Entry<ApiClientRow | null>>;
}
const CACHE_MAX = 10_000;
const CACHE_TTL_MS = 10_000;
const caches = new WeakMap<PrismaClient, CredentialCache>();

function cacheOf(prisma: PrismaClient): CredentialCache {
  let c = caches.get(prisma);
  if (!c) {
    const cache: CredentialCache = { listener: null, generation: 0, byKeyId: new Map(), byName: new Map() };
    cache.listener = listen(
      prisma,
      'api_clients_changed',
      () => clearCache(cache),
      () => clearCache(cache),
    );
    caches.set(prisma, (c = cache));
  }
  return c;
}

function clearCache(c: CredentialCache): void {
  c.generation++;
  c.byKeyId.clear();
  c.byName.clear();
}

async function cached<K, V>(prisma: PrismaClient, pick: (c: CredentialCache) => Map<K, Entry<V>>, key: K, load: () => Promise<V>): Promise<V> {
  const c = cacheOf(prisma);
  const map = pick(c);
  const hit = map.get(key);
  if (hit && c.listener?.live && Date.now() - hit.at < CACHE_TTL_MS) return hit.v;
  const generation = c.generation;
  const v = await load();
  if (c.listener?.live && c.generation === generation) {
    if (map.size >= CACHE_MAX) map.clear();
    map.set(key, { v, at: Date.now() });
  }
  return v;
}

/** Drops this process's cached lookups at once (the trigger tells the other processes). */
function changed(prisma: PrismaClient): void {
  const c = caches.get(prisma);
  if (c) clearCache(c);
}

/** The client whose API key this is, if the secret verifies (revoked clients included: the caller decides). */
export async function findClientByApiKey(prisma: PrismaClient, apiKey: string): Promise<ApiClientRow | null> {
  const parsed = parseApiKey(apiKey);
  if (!parsed) return null;
  const row = await cached(
    prisma,
    (c) => c.byKeyId,
    parsed.keyId,
    () => byKeyId(prisma)(parsed.keyId),
  );
  if (!row || !(await verifySecret(parsed.secret, row.apiKeyHash))) return null;
  const { apiKeyHash: _h, ...client } = row;
  return client;
}

export async function findClientByCredentials(prisma: PrismaClient, clientId: string, clientSecret: string): Promise<ApiClientRow | null> {
  if (!/^cli_[0-9a-f]{16}$/.test(clientId)) return null;
  const row = await prisma.apiClient.findUnique({ where: { clientId }, select: { ...SELECT, secretHash: true } });
  if (!row || !(await verifySecret(clientSecret, row.secretHash))) return null;
  const { secretHash: _h, ...client } = row;
  return client;
}

export async function findClientByName(prisma: PrismaClient, name: string): Promise<ApiClientRow | null> {
  return cached(
    prisma,
    (c) => c.byName,
    name,
    () => prisma.apiClient.findUnique({ where: { name }, select: SELECT }),
  );
}

export async function countActiveClients(prisma: PrismaClient): Promise<number> {
  return prisma.apiClient.count({ where: { revokedAt: null } });
}
