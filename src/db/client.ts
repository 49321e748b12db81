/**
 * The one Prisma client of a process, created lazily over the pg driver adapter
 * (Prisma 6.19 "client" engine: no native query engine to download, PLATFORM.md).
 *
 * The adapter runs over a pg pool this module owns, so the API's three hot-path statements
 * (key lookup, idempotency pre-check, audit insert: `hotQuery`) can go to the same pool
 * without Prisma's client runtime: bench-api measured ~0.44 ms of CPU per raw query through
 * Prisma against ~0.08 ms straight on pg, on the CPU the Temporal server needs (README).
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from '@prisma/client';
import pg from 'pg';

export { Prisma, PrismaClient };

const clients = new Map<string, PrismaClient>();
const pools = new WeakMap<PrismaClient, pg.Pool>();
const readPools = new WeakMap<PrismaClient, pg.Pool>();
const urls = new WeakMap<PrismaClient, string>();

/**
 * Connections of the API's own read pool (`hotRead`). The main pool (10) is shared with the
 * worker's activities in one process: when a burst of instructions ends at once (a broker
 * restart under 100 working orders) their transactions hold every connection, and an
 * order_status read queued behind them for up to 1.7 s (docs/API.md, "order_status under load").
 */
const READ_POOL_MAX = 2;

export function getPrisma(databaseUrl: string): PrismaClient {
  let client = clients.get(databaseUrl);
  if (!client) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
    // An idle client's connection error (server restart) must not crash the process: the pool
    // drops that client and the next query reconnects.
    pool.on('error', () => undefined);
    client = new PrismaClient({ adapter: new PrismaPg(pool) });
    clients.set(databaseUrl, client);
    pools.set(client, pool);
    urls.set(client, databaseUrl);
  }
  return client;
}

/**
 * One parameterised SQL statement on the pool beneath `prisma` (same database, same
 * connections); through Prisma's raw query API for a client this module did not create.
 * With `name`, a prepared statement: each connection parses it once and PostgreSQL may keep its
 * plan, instead of parsing and planning it on every call (the risk check's unlocked read spent
 * 0.23 ms parsing and 0.43 ms planning for 0.24 ms of execution, per instruction: statement log,
 * 2026-12-06). One name, one text: the hot reads that run on every instruction.
 */
export async function hotQuery<T>(prisma: PrismaClient, text: string, params: unknown[], name?: string): Promise<T[]> {
  const pool = pools.get(prisma);
  if (pool) return (await pool.query(name ? { name, text, values: params } : { text, values: params })).rows as T[];
  return prisma.$queryRawUnsafe<T[]>(text, ...params);
}

/**
 * One parameterised read on the API's small pool of its own (READ_POOL_MAX connections, opened
 * lazily, same database): a single-statement read the API answers with must not wait for a
 * connection behind the worker's transactions. Through Prisma for a client this module did not create.
 */
export async function hotRead<T>(prisma: PrismaClient, text: string, params: unknown[]): Promise<T[]> {
  const pool = readPoolOf(prisma);
  if (!pool) return prisma.$queryRawUnsafe<T[]>(text, ...params);
  return (await pool.query(text, params)).rows as T[];
}

function readPoolOf(prisma: PrismaClient): pg.Pool | undefined {
  const url = urls.get(prisma);
  if (!url) return undefined;
  let pool = readPools.get(prisma);
  if (!pool) {
    // Idle connections are kept: opening one on a loaded machine took up to 2 s (measured), the
    // very wait this pool exists to avoid. A broken one is dropped and the next query reconnects.
    pool = new pg.Pool({ connectionString: url, max: READ_POOL_MAX, idleTimeoutMillis: 0 });
    pool.on('error', () => undefined);
    readPools.set(prisma, pool);
  }
  return pool;
}

/**
 * Opens the read pool's connections now, in the background (the API calls it when it builds its
 * routes), so the first reads do not pay for the connections. Failures are left to the reads.
 */
export function warmReadPool(prisma: PrismaClient): void {
  const pool = readPoolOf(prisma);
  if (!pool) return;
  for (let i = 0; i < READ_POOL_MAX; i++) pool.query('SELECT 1').catch(() => undefined);
}

/** The pg pool beneath a client of getPrisma (plain-SQL stores such as marketData.ts; COPY). */
export function poolOf(prisma: PrismaClient): pg.Pool | undefined {
  return pools.get(prisma);
}

/**
 * A connection of the pool beneath `prisma` for `fn` (returned to the pool after), or null for a
 * client this module did not create. For short transactions whose round trips matter (the risk
 * check's segment lock: src/db/reservations.ts).
 */
export async function withPoolClient<T>(prisma: PrismaClient, fn: (c: pg.PoolClient) => Promise<T>): Promise<T | null> {
  const pool = pools.get(prisma);
  if (!pool) return null;
  return withConnection(pool, fn);
}

/**
 * A connection of `pool` for `fn`, returned to the pool after; one that failed is discarded rather
 * than reused. While a connection is checked out the pool's own error listener is off it, and pg
 * emits 'error' on a connection lost even under a running query: without a listener of ours a
 * PostgreSQL restart ended the worker process (chaos suite on the cluster, 2026-12-06). Here the
 * loss only marks the connection broken; the query in flight, or the next, fails as usual.
 */
export async function withConnection<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken: Error | undefined;
  const lost = (err: Error) => void (broken ??= err);
  c.on('error', lost);
  try {
    return await fn(c);
  } catch (err) {
    broken ??= err as Error;
    throw err;
  } finally {
    c.removeListener('error', lost);
    c.release(broken);
  }
}

export interface Listener {
  /** True while the LISTEN connection is up: only then may a cache trust its notifications. */
  readonly live: boolean;
  close(): Promise<void>;
}
const listeners = new WeakMap<PrismaClient, Set<Listener>>();

/**
 * LISTEN on `channel` over a dedicated connection of the pool beneath `prisma`, calling
 * `onNotify` for every notification. The connection is re-opened after a failure (1 s
 * apart); `onDown` runs whenever it is lost, so a cache can drop what it can no longer
 * keep fresh. Returns null for a client this module did not create (no pool to listen on).
 */
export function listen(prisma: PrismaClient, channel: string, onNotify: (payload: string) => void, onDown: () => void): Listener | null {
  const pool = pools.get(prisma);
  if (!pool || !/^[a-z_]+$/.test(channel)) return null;
  let conn: pg.PoolClient | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const state = { live: false };
  // Lost connection (or failed LISTEN): forget it, tell the cache, try again in a second.
  const down = (c: pg.PoolClient, err?: unknown) => {
    if (c !== conn) return;
    conn = undefined;
    state.live = false;
    onDown();
    c.release(err instanceof Error ? err : true);
    if (!closed) timer = setTimeout(open, 1000).unref();
  };
  const open = () => {
    pool.connect().then(
      async (c) => {
        if (closed) return c.release();
        conn = c;
        c.on('notification', (n) => n.channel === channel && onNotify(n.payload ?? ''));
        c.on('error', (err) => down(c, err));
        try {
          await c.query(`LISTEN ${channel}`);
          // Anything changed while not listening is unknown: start from an empty cache.
          onDown();
          state.live = conn === c;
        } catch (err) {
          down(c, err);
        }
      },
      () => {
        if (!closed) timer = setTimeout(open, 1000).unref();
      },
    );
  };
  open();
  const l: Listener = {
    get live() {
      return state.live;
    },
    async close() {
      closed = true;
      state.live = false;
      clearTimeout(timer);
      conn?.release(true);
      conn = undefined;
    },
  };
  let set = listeners.get(prisma);
  if (!set) listeners.set(prisma, (set = new Set()));
  set.add(l);
  return l;
}

/** Disconnects one client of getPrisma and ends its pool (a later getPrisma makes a new one). */
export async function disconnectPrisma(client: PrismaClient): Promise<void> {
  for (const [url, c] of clients) if (c === client) clients.delete(url);
  for (const l of listeners.get(client) ?? []) await l.close();
  await client.$disconnect();
  await pools
    .get(client)
    ?.end()
    .catch(() => undefined);
  const read = readPools.get(client);
  readPools.delete(client);
  await read?.end().catch(() => undefined);
}

export async function closePrisma(): Promise<void> {
  await Promise.all([...clients.values()].map(disconnectPrisma));
}

/** True when `err` is a unique-constraint violation (P2002). */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

/** True when `err` says a table or column is missing (P2021/P2022): the database is not migrated. */
export function isSchemaMissing(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && (err.code === 'P2021' || err.code === 'P2022');
}

/** One round trip to the database (a readiness wait: src/waitFor.ts). */
export const pingDatabase = async (prisma: PrismaClient): Promise<void> => {
  await prisma.$queryRaw`SELECT 1`;
};
