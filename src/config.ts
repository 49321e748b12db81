/**
 * One validated configuration for every process (API, worker, simulator, CLI).
 * Every key has a description, a default and the environment variable it comes from.
 * Secrets are marked so `describeConfig()` masks them when printed at start.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { RiskSettings } from './domain/risk';

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])]).transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);

interface Key {
  env: string;
  description: string;
  schema: z.ZodType;
  secret?: boolean;
}

const keys = {
  port: { env: 'PORT', description: 'HTTP port of the API', schema: port.default(8080) },
  host: { env: 'HOST', description: 'address the API binds', schema: z.string().default('127.0.0.1') },
  logLevel: {
    env: 'LOG_LEVEL',
    description: 'winston log level',
    schema: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  },
  dataDir: {
    env: 'DATA_DIR',
    description: 'where local state lives (Temporal dev-server SQLite file)',
    schema: z.string().default(path.resolve(__dirname, '..', 'data')),
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    description: 'PostgreSQL connection string',
    schema: z.string().url().default('postgresql://postgres@127.0.0.1:5432/all_use'),
    secret: true,
  },
  temporalAddress: {
    env: 'TEMPORAL_ADDRESS',
    description: 'external Temporal frontend host:port; unset = start the embedded dev server',
    schema: z.string().optional(),
  },
  temporalNamespace: { env: 'TEMPORAL_NAMESPACE', description: 'Temporal namespace', schema: z.string().default('default') },
  temporalPort: { env: 'TEMPORAL_PORT', description: 'embedded dev-server frontend port', schema: port.default(7233) },
  temporalUiPort: { env: 'TEMPORAL_UI_PORT', description: 'embedded dev-server Web UI port', schema: port.default(8233) },
  temporalCliPath: {
    env: 'TEMPORAL_CLI_PATH',
    description: 'path of the Temporal CLI binary; unset = PATH, then the cached build',
    schema: z.string().optional(),
  },
  temporalTaskQueue: { env: 'TEMPORAL_TASK_QUEUE', description: 'task queue of the worker', schema: z.string().default('all-use') },
  temporalApiKey: { env: 'TEMPORAL_API_KEY', description: 'API key for Temporal Cloud', schema: z.string().optional(), secret: true },
  temporalTls: { env: 'TEMPORAL_TLS', description: 'use TLS to reach Temporal', schema: bool.default(false) },
  ibHost: { env: 'IB_HOST', description: 'IB Gateway / TWS / simulator host', schema: z.string().default('127.0.0.1') },
  ibPort: { env: 'IB_PORT', description: 'IB Gateway / TWS / simulator port', schema: port.default(4002) },
  ibClientId: { env: 'IB_CLIENT_ID', description: 'TWS API client id of the worker', schema: z.coerce.number().int().min(0).default(7) },
  ibAccount: { env: 'IB_ACCOUNT', description: 'IB account orders are placed in', schema: z.string().default('DU1234567') },
  ibSimulator: {
    env: 'IB_SIMULATOR',
    description: 'start the bundled IB gateway simulator (set false for a real gateway)',
    schema: bool.default(true),
  },
  ibSimClock: {
    env: 'IB_SIM_CLOCK',
    description: 'simulator clock: open | exchange | manual',
    schema: z.enum(['open', 'exchange', 'manual']).default('open'),
  },
  ibSimAdminPort: { env: 'IB_SIM_ADMIN_PORT', description: 'simulator admin HTTP port', schema: port.default(4003) },
  ibSimStart: {
    env: 'IB_SIM_START',
    description: 'ISO date-time where the simulator clock starts (manual clock); unset = now',
    schema: z
      .string()
      .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO date-time')
      .optional(),
  },
  reconcileOnConnect: {
    env: 'RECONCILE_ON_CONNECT',
    description: 'the worker reconciles the books with the broker at start-up and after every broker reconnect',
    schema: bool.default(true),
  },
  ibSimFresh: {
    env: 'IB_SIM_FRESH',
    description: 'start the simulator with a new, empty account instead of the one kept in <DATA_DIR>/ib-sim-account.json',
    schema: bool.default(false),
  },
  // STAR-LAB API (src/api). AUTH_MODE unset: `required` on every bind (see authModeFor).
  authMode: {
    env: 'AUTH_MODE',
    description: 'STAR-LAB API authentication: required (the default, on every bind) | open (explicit, logged opt-in; loopback only)',
    schema: z.enum(['open', 'required']).optional(),
  },
  authTokenSecret: {
    env: 'AUTH_TOKEN_SECRET',
    description: 'HS256 key (>= 32 chars) signing OAuth access tokens; unset = a random per-process key (tokens die with the process)',
    schema: z.string().min(32, 'must be at least 32 characters').optional(),
    secret: true,
  },
  authTokenTtlSeconds: { env: 'AUTH_TOKEN_TTL_SECONDS', description: 'lifetime of OAuth access tokens', schema: z.coerce.number().int().min(30).max(86_400).default(900) },
  apiRateLimitPerMinute: {
    env: 'API_RATE_LIMIT_PER_MINUTE',
    description: 'default requests per minute per STAR-LAB client (a client row may override it)',
    schema: z.coerce.number().int().min(1).default(1200),
  },
  starlabSegmentCapitalLimitCents: {
    env: 'STARLAB_SEGMENT_CAPITAL_LIMIT_CENTS',
    description: 'default capital limit of an account_tag segment in cents (segment_limits rows override it)',
    schema: z.coerce.number().int().min(0).default(100_000_000),
  },
  starlabConcentrationLimitCents: {
    env: 'STARLAB_CONCENTRATION_LIMIT_CENTS',
    description: "limit of one symbol's exposure across ALL-USE and STAR-LAB positions, in cents",
    schema: z.coerce.number().int().min(0).default(250_000_000),
  },
  starlabAllowedSymbols: {
    env: 'STARLAB_ALLOWED_SYMBOLS',
    description: 'comma-separated symbols STAR-LAB may trade',
    schema: z
      .string()
      .default('AAPL,AMZN,MSFT,GOOGL,META,NVDA,TSLA,SPY,QQQ,IWM')
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim().toUpperCase())
          .filter(Boolean),
      ),
  },
  // Operations (src/api/operator.ts, src/api/health.ts, src/worker.ts).
  operatorToken: {
    env: 'OPERATOR_TOKEN',
    description:
      'bearer token of the operator API /api/v1/operator/* and the command center /ui (>= 24 chars); unset: npm start uses the operator_token of DATA_DIR/local-credential.json, other processes disable the operator API (503); the ops CLI works without it',
    schema: z.string().min(24, 'must be at least 24 characters').optional(),
    secret: true,
  },
  workerMetricsPort: {
    env: 'WORKER_METRICS_PORT',
    description: "port of the worker's Temporal SDK Prometheus exporter (temporal_* metrics); 0 = off",
    schema: port.default(9464),
  },
  workerAppMetricsPort: {
    env: 'WORKER_APP_METRICS_PORT',
    description: 'port where a standalone worker serves src/metrics.ts (alluse_* metrics); 0 = off',
    schema: port.default(9465),
  },
  temporalMetricsPort: {
    env: 'TEMPORAL_METRICS_PORT',
    description: "embedded dev server's own /metrics port; 0 = a free port, printed at start",
    schema: port.default(0),
  },
} satisfies Record<string, Key>;

type Keys = typeof keys;
export type Config = { [K in keyof Keys]: z.output<Keys[K]['schema']> };

export class ConfigError extends Error {
  constructor(public readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration; throws ConfigError listing every bad key. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const out: Record<string, unknown> = {};
  const issues: string[] = [];
  for (const [name, key] of Object.entries(keys) as [string, Key][]) {
    if (name in overrides) {
      out[name] = (overrides as Record<string, unknown>)[name];
      continue;
    }
    const raw = env[key.env];
    const parsed = key.schema.safeParse(raw === '' ? undefined : raw);
    if (parsed.success) out[name] = parsed.data;
    else issues.push(`${key.env}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (issues.length) throw new ConfigError(issues);
  return out as Config;
}

/** STAR-LAB's risk limits of the configuration, as the worker injects them into the activities. */
export function riskSettingsOf(c: Pick<Config, 'starlabSegmentCapitalLimitCents' | 'starlabConcentrationLimitCents' | 'starlabAllowedSymbols'>): RiskSettings {
  return { segmentCapitalLimitCents: c.starlabSegmentCapitalLimitCents, concentrationLimitCents: c.starlabConcentrationLimitCents, allowedSymbols: c.starlabAllowedSymbols };
}

/** Lines for the start banner: every key, its env var and value, secrets masked. */
export function describeConfig(cfg: Config): string[] {
  return (Object.entries(keys) as [keyof Config, Key][]).map(([name, key]) => {
    const v = cfg[name];
    const shown = v === undefined ? '(unset)' : key.secret ? maskSecret(String(v)) : String(v);
    return `${key.env}=${shown}  # ${key.description}`;
  });
}

/** Masks a secret; for URLs keeps scheme/host/db so operators can still see where it points. */
export function maskSecret(v: string): string {
  try {
    const u = new URL(v);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return v.length <= 4 ? '***' : `${v.slice(0, 2)}***`;
  }
}

export const defaultCacheDir = (): string => process.env.ALL_USE_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'all-use');

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/i;

export const isLoopbackHost = (host: string): boolean => LOOPBACK.test(host);

/**
 * The effective auth mode: `required` unless AUTH_MODE=open is asked for explicitly (which
 * authFromEnv allows on a loopback HOST only, and logs). `npm start` creates a local credential.
 */
export function authModeFor(cfg: Pick<Config, 'authMode' | 'host'>): 'open' | 'required' {
  return cfg.authMode ?? 'required';
}

/** Every environment variable the configuration reads (documentation and compose checks). */
export const CONFIG_ENV_VARS: readonly string[] = Object.values(keys).map((k: Key) => k.env);
