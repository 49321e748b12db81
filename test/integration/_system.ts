/**
 * One real system for all integration tests of a run: a headless Temporal dev server on a
 * free port with a throw-away SQLite file, a database created for this run (and dropped
 * after), the IB simulator on a free port, the worker and the API on port 0.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config';
import { dropDatabase } from '../../src/db/migrate';
import { createLogger } from '../../src/logger';
import { startSystem, type System } from '../../src/system';
import { freePort } from '../../temporal/devServer';

let system: Promise<System> | undefined;

/** The operator token of the shared system's API (/metrics, /readyz details, the operator API). */
export const OPERATOR_TOKEN = 'test-operator-token-0123456789abcdef';
let tmpDir: string | undefined;
let dbUrl: string | undefined;

export function testDatabaseUrl(suffix: string): string {
  const base = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/all_use_test_${process.pid}_${suffix}`;
  return base.toString();
}

export async function testConfig(overrides: Partial<Config> = {}): Promise<Config> {
  tmpDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'all-use-test-'));
  return loadConfig(
    { ...process.env, TEMPORAL_ADDRESS: '' },
    {
      port: 0,
      temporalPort: await freePort(),
      temporalAddress: undefined,
      dataDir: tmpDir,
      databaseUrl: testDatabaseUrl('main'),
      ibPort: 0,
      ibSimAdminPort: 0,
      ibSimulator: true,
      ibClientId: 11,
      // Tests reconcile explicitly (books-*.test.ts): an automatic run could set reduce-only under another test.
      reconcileOnConnect: false,
      temporalTaskQueue: `all-use-test-${process.pid}`,
      operatorToken: OPERATOR_TOKEN,
      logLevel: (process.env.TEST_LOG_LEVEL as Config['logLevel']) ?? 'error',
      ...overrides,
    },
  );
}

export function getSystem(): Promise<System> {
  system ??= (async () => {
    const config = await testConfig();
    dbUrl = config.databaseUrl;
    await dropDatabase(config.databaseUrl);
    return startSystem(config, createLogger('test', config.logLevel), {
      headless: true,
      temporalDbFile: path.join(tmpDir!, 'temporal.db'),
      temporalLogFile: path.join(tmpDir!, 'temporal.log'),
      progress: () => undefined,
      // Authentication is required on every bind: the local credential (client "local") is what api() sends.
      localCredential: true,
    });
  })();
  return system;
}

// Root-level hook: runs once after every test file of the run.
after(async function () {
  this.timeout(60_000);
  if (!system) return;
  const s = await system.catch(() => undefined);
  await s?.stop();
  if (dbUrl) await dropDatabase(dbUrl).catch(() => undefined);
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
});

export async function until<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`);
}

/**
 * A parsed JSON body (an API answer, a simulator admin answer) in a test: the test asserts its
 * shape with chai at run time. The test kit's one `any`; no-unsafe-* are off for tests for it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type Json = any;

/** `Authorization` of the shared system's local credential (client "local", every strategy and scope). */
export function localAuth(sys: System): Record<string, string> {
  const key = sys.localCredential?.credential.api_key;
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** A request to the shared system's API, authenticated as client "local" unless `headers` carry a credential. */
export async function api(sys: System, method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}) {
  const own = Object.keys(headers).some((h) => /^(authorization|x-api-key)$/i.test(h));
  const res = await fetch(`${sys.api!.url}${urlPath}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(own ? {} : localAuth(sys)), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json, headers: res.headers };
}
