/**
 * The kill switch and reduce-only mode: rows of control_state ('global', 'account:<id>',
 * 'segment:<tag>'). The database is the one source of truth, so the state survives restarts
 * and every process (API, workers, CLI) sees the same switch. activities/risk.ts reads it
 * before accepting an order and placeOrder reads it again right before sending.
 */
import { hotQuery, type PrismaClient } from './client';

export const GLOBAL_SCOPE = 'global';

/** The scopes an order falls under, most general first (the order activities/risk.ts uses). */
export const controlScopesOf = (accountId?: string | null, accountTag?: string | null): string[] => [
  GLOBAL_SCOPE,
  ...(accountId ? [`account:${accountId}`] : []),
  ...(accountTag ? [`segment:${accountTag}`] : []),
];

export interface ControlRow {
  scope: string;
  halted: boolean;
  reduceOnly: boolean;
  reason: string | null;
  updatedBy: string | null;
  updatedAt: string;
}

export interface ControlChange {
  scope?: string;
  actor: string;
  reason?: string;
}

const toRow = (r: { scope: string; halted: boolean; reduceOnly: boolean; reason: string | null; updatedBy: string | null; updatedAt: Date }): ControlRow => ({
  scope: r.scope,
  halted: r.halted,
  reduceOnly: r.reduceOnly,
  reason: r.reason,
  updatedBy: r.updatedBy,
  updatedAt: r.updatedAt.toISOString(),
});

export async function listControls(prisma: PrismaClient): Promise<ControlRow[]> {
  return (await prisma.controlState.findMany({ orderBy: { scope: 'asc' } })).map(toRow);
}

/** The global row; absent means "trading on, not reduce-only". */
export async function globalControl(prisma: PrismaClient): Promise<ControlRow> {
  const r = await prisma.controlState.findUnique({ where: { scope: GLOBAL_SCOPE } });
  return r ? toRow(r) : { scope: GLOBAL_SCOPE, halted: false, reduceOnly: false, reason: null, updatedBy: null, updatedAt: new Date(0).toISOString() };
}

/**
 * The first halted scope among these (global first), or null: the pre-send check of placeOrder.
 * One raw statement on the pool (every instruction runs it: Prisma's client CPU per query mattered, bench:e2e).
 */
export async function haltedScope(prisma: PrismaClient, scopes: string[]): Promise<ControlRow | null> {
  const [r] = await hotQuery<ControlRow>(
    prisma,
    `SELECT scope, halted, reduce_only AS "reduceOnly", reason, updated_by AS "updatedBy", to_char(updated_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt"
       FROM control_state WHERE scope = ANY($1::text[]) AND halted
      ORDER BY array_position($1::text[], scope) LIMIT 1`,
    [scopes],
    'halted-scope',
  );
  return r ?? null;
}

async function setFlags(prisma: PrismaClient, c: ControlChange, flags: { halted?: boolean; reduceOnly?: boolean }, action: string): Promise<ControlRow> {
  const scope = c.scope ?? GLOBAL_SCOPE;
  const data = { ...flags, reason: c.reason ?? null, updatedBy: c.actor };
  const [row] = await prisma.$transaction([
    prisma.controlState.upsert({ where: { scope }, create: { scope, ...data }, update: data }),
    prisma.auditLog.create({ data: { actor: c.actor, action, target: scope, outcome: 'OK', detail: { ...flags, reason: c.reason ?? null } } }),
  ]);
  return toRow(row);
}

export const halt = (prisma: PrismaClient, c: ControlChange) => setFlags(prisma, c, { halted: true }, 'TRADING_HALTED');
/** Lifts the halt; reduce-only stays as it was (lifted separately, on purpose). */
export const resume = (prisma: PrismaClient, c: ControlChange) => setFlags(prisma, c, { halted: false }, 'TRADING_RESUMED');
export const setReduceOnly = (prisma: PrismaClient, c: ControlChange, on: boolean) => setFlags(prisma, c, { reduceOnly: on }, on ? 'REDUCE_ONLY_ON' : 'REDUCE_ONLY_OFF');

/** A halted scope as the API's door reads it (src/db/instructionLookup.ts doorRead). */
export interface HaltedScope {
  scope: string;
  reason: string | null;
}

/** The first of `scopes` (global first) that is halted in `rows`, or null. */
export function firstHalted(rows: readonly HaltedScope[], scopes: string[]): HaltedScope | null {
  for (const s of scopes) {
    const r = rows.find((x) => x.scope === s);
    if (r) return r;
  }
  return null;
}
