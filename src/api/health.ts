/**
 * GET /readyz (GET /healthz, in app.ts, is liveness only: it never touches a dependency, so a slow
 * database does not get the process restarted): every part an order needs is up — Temporal,
 * the migrated database, the broker session (where this process holds one), the weekly-cycle
 * schedule — with each failing part named; 503 while any is down. The kill switch is shown, not
 * failed: a halted system is deliberately up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { Router } from 'express';
import type { Broker } from '../contracts/broker';
import type { PrismaClient } from '../db/client';
import { globalControl } from '../db/control';
import { reduceOnly, tradingHalted } from '../metrics';
import { withTimeout } from '../withTimeout';
import { appliedMigrations } from '../db/metricsRows';
import { waitingFor } from '../waitFor';
import { hasOperatorToken } from './operator';

/** Used when src/schedules.ts (the weekly-cycle owner) does not export its own id. */
export const DEFAULT_WEEKLY_CYCLE_SCHEDULE_ID = 'all-use-weekly-cycle';

export function weeklyCycleScheduleId(): string {
  try {
    // Read at run time so this file compiles before (and without) src/schedules.ts.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require('../schedules') as { WEEKLY_CYCLE_SCHEDULE_ID?: unknown };
    return typeof m.WEEKLY_CYCLE_SCHEDULE_ID === 'string' ? m.WEEKLY_CYCLE_SCHEDULE_ID : DEFAULT_WEEKLY_CYCLE_SCHEDULE_ID;
  } catch {
    return DEFAULT_WEEKLY_CYCLE_SCHEDULE_ID;
  }
}

export interface ReadinessDeps {
  temporal: Client;
  prisma: PrismaClient;
  /** Absent where another process holds the broker session (the API alone in docker-compose). */
  broker?: Broker;
  /** Schedules that must exist; default: the weekly cycle's. */
  requiredSchedules?: string[];
  timeoutMs?: number;
  /** The operator token: only a request carrying it sees the checks and the kill switch. */
  operatorToken?: string;
}

export interface Check {
  ok: boolean;
  detail: string;
}

const MIGRATIONS_DIR = [path.resolve(__dirname, '..', '..', 'prisma', 'migrations'), path.resolve(__dirname, '..', '..', '..', 'prisma', 'migrations')].find((d) => fs.existsSync(d));

/** Migration directories shipped with this build. */
export function expectedMigrations(): string[] {
  if (!MIGRATIONS_DIR) return [];
  return fs
    .readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);

async function checkTemporal(d: ReadinessDeps, ms: number): Promise<Check> {
  await d.temporal.connection.withDeadline(Date.now() + ms, () => d.temporal.workflowService.getSystemInfo({}));
  return { ok: true, detail: `namespace ${d.temporal.options.namespace}` };
}

async function checkDatabase(d: ReadinessDeps): Promise<Check> {
  const applied = await appliedMigrations(d.prisma);
  const missing = expectedMigrations().filter((m) => !applied.has(m));
  return missing.length ? { ok: false, detail: `migrations not applied: ${missing.join(', ')}` } : { ok: true, detail: `${applied.size} migrations applied` };
}

async function checkBroker(d: ReadinessDeps): Promise<Check> {
  if (!d.broker) return { ok: true, detail: 'not held by this process' };
  const b = d.broker as Broker & { isSynced?: () => boolean };
  if (!b.isConnected()) {
    // The adapter connects on first use: a probe starts it, so a fresh system becomes ready without an order.
    b.connect().catch(() => undefined);
    return { ok: false, detail: 'not connected to the IB gateway' };
  }
  if (b.isSynced && !b.isSynced()) return { ok: false, detail: 'connected, order book not yet synchronised' };
  return { ok: true, detail: 'connected' };
}

async function checkSchedules(d: ReadinessDeps, ms: number): Promise<Check> {
  const ids = d.requiredSchedules ?? [weeklyCycleScheduleId()];
  const notes: string[] = [];
  for (const id of ids) {
    const describe = () => d.temporal.connection.withDeadline(Date.now() + ms / 2, () => d.temporal.schedule.getHandle(id).describe());
    try {
      // A missing schedule is final; any other failure (a busy server) gets one more try.
      const s = await describe().catch((err: unknown) => {
        if (err instanceof ScheduleNotFoundError) throw err;
        return describe();
      });
      notes.push(`${id}${s.state.paused ? ' (paused)' : ''}`);
    } catch (err) {
      return { ok: false, detail: `schedule ${id} ${err instanceof ScheduleNotFoundError ? 'missing' : 'not readable'}: ${message(err)}` };
    }
  }
  return { ok: true, detail: notes.join(', ') };
}

export async function readiness(d: ReadinessDeps) {
  const ms = d.timeoutMs ?? 3000;
  const run = (name: string, f: () => Promise<Check>) => withTimeout(f(), ms + 500, name).catch((err: unknown): Check => ({ ok: false, detail: message(err) }));
  const [temporal, database, broker, weekly_schedule] = await Promise.all([
    run('temporal', () => checkTemporal(d, ms)),
    run('database', () => checkDatabase(d)),
    run('broker', () => checkBroker(d)),
    run('weekly_schedule', () => checkSchedules(d, ms)),
  ]);
  const awaited = waitingFor();
  // What this process is still waiting for at start-up (src/waitFor.ts), named.
  const startup: Check = awaited.length ? { ok: false, detail: `waiting for ${awaited.map((w) => `${w.what} (attempt ${w.attempts}: ${w.last_error})`).join('; ')}` } : { ok: true, detail: 'started' };
  const checks = { temporal, database, broker, weekly_schedule, ...(awaited.length ? { startup } : {}) };
  const failing = Object.entries(checks)
    .filter(([, c]) => !c.ok)
    .map(([k]) => k);
  const control = await withTimeout(globalControl(d.prisma), ms, 'control state').catch(() => null);
  if (control) {
    tradingHalted.set(control.halted ? 1 : 0);
    reduceOnly.set(control.reduceOnly ? 1 : 0);
  }
  return {
    status: failing.length ? ('not_ready' as const) : ('ready' as const),
    failing,
    checks,
    kill_switch: control
      ? { halted: control.halted, reduce_only: control.reduceOnly, reason: control.reason, updated_by: control.updatedBy, updated_at: control.updatedAt }
      : { unknown: 'database unreachable' },
  };
}

export function healthRouter(d: ReadinessDeps): Router {
  const r = Router();
  r.get('/readyz', async (req, res) => {
    const body = await readiness(d);
    res.status(body.failing.length ? 503 : 200);
    // Without the operator token: ready / not ready, nothing about the parts or the kill switch.
    if (hasOperatorToken(d.operatorToken, req.header('authorization'))) res.json(body);
    else res.json({ status: body.status });
  });
  return r;
}
