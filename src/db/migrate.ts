/**
 * Creates the database if it is missing and applies the migrations with
 * `prisma migrate deploy` (works offline with the JS engine, ~11 s; PLATFORM.md).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs `fn` on a connection to the server's `postgres` database, with the target db's name. */
async function withAdmin<T>(databaseUrl: string, fn: (admin: Client, dbName: string) => Promise<T>): Promise<T> {
  const url = new URL(databaseUrl);
  const dbName = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(dbName)) throw new Error(`unsupported database name "${dbName}"`);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    return await fn(admin, dbName);
  } finally {
    await admin.end();
  }
}

export function ensureDatabase(databaseUrl: string): Promise<boolean> {
  return withAdmin(databaseUrl, async (admin, dbName) => {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (found.rowCount) return false;
    await admin.query(`CREATE DATABASE "${dbName}"`);
    return true;
  });
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  await withAdmin(databaseUrl, (admin, dbName) => admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`));
}

export async function migrate(databaseUrl: string): Promise<void> {
  await ensureDatabase(databaseUrl);
  const bin = path.join(ROOT, 'node_modules', '.bin', 'prisma');
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const child = spawn(bin, ['migrate', 'deploy'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`prisma migrate deploy failed (exit ${code}):\n${out.slice(-3000)}`))));
  });
}
