/**
 * Protocol-level events (PROTOCOL.md §2): every change of a position's level is one audit row
 * `PROTOCOL_LEVEL`, target = the account, detail `{ key, symbol, from, to, level, … }` (`level`
 * = `to`). The level gauge (src/api/metricsRoute.ts), its alerts and the reports' events section
 * all read these rows. A position whose last level was above 0 and that is no longer open goes
 * back to 0 (reason POSITION_CLOSED), so an alert does not outlive its position.
 */
import type { PrismaClient } from './client';

export const PROTOCOL_LEVEL = 'PROTOCOL_LEVEL';

export interface LevelObservation {
  /** `<account>:<symbol>:<expiry>:<right><strikeCents>` (levelsOf). */
  key: string;
  accountId: string;
  symbol: string;
  level: number;
  moveCents?: number;
  atrCents?: number;
}

export interface LevelChange {
  key: string;
  accountId: string;
  symbol: string;
  from: number;
  to: number;
  reason: 'LEVEL_CHANGED' | 'POSITION_CLOSED';
}

interface LevelDetail {
  key?: string;
  symbol?: string;
  level?: number;
}

/** The last recorded level of each position key of these accounts. */
export async function latestLevels(prisma: PrismaClient, accountIds: readonly string[]): Promise<Map<string, { accountId: string; symbol: string; level: number }>> {
  const rows = await prisma.auditLog.findMany({ where: { action: PROTOCOL_LEVEL, target: { in: [...accountIds] } }, orderBy: { id: 'asc' } });
  const out = new Map<string, { accountId: string; symbol: string; level: number }>();
  for (const r of rows) {
    const d = (r.detail ?? {}) as LevelDetail;
    if (!r.target || typeof d.symbol !== 'string' || typeof d.level !== 'number') continue;
    out.set(d.key ?? `${r.target}:${d.symbol}`, { accountId: r.target, symbol: d.symbol, level: d.level });
  }
  return out;
}

/**
 * Compares the levels just observed with the last recorded ones and writes one row per change
 * (a position never recorded counts as level 0). Idempotent: a retried check finds its rows.
 * `open` = the keys of positions still held (a recorded key missing from it has closed).
 */
export async function recordLevelChanges(prisma: PrismaClient, accountIds: readonly string[], observed: readonly LevelObservation[], open: ReadonlySet<string>): Promise<LevelChange[]> {
  const last = await latestLevels(prisma, accountIds);
  const changes: (LevelChange & { detail: Record<string, unknown> })[] = [];
  for (const o of observed) {
    const from = last.get(o.key)?.level ?? 0;
    if (from === o.level) continue;
    changes.push({ key: o.key, accountId: o.accountId, symbol: o.symbol, from, to: o.level, reason: 'LEVEL_CHANGED', detail: { moveCents: o.moveCents ?? null, atrCents: o.atrCents ?? null } });
  }
  const seen = new Set(observed.map((o) => o.key));
  for (const [key, l] of last) {
    if (l.level > 0 && !seen.has(key) && !open.has(key)) changes.push({ key, accountId: l.accountId, symbol: l.symbol, from: l.level, to: 0, reason: 'POSITION_CLOSED', detail: {} });
  }
  if (changes.length === 0) return [];
  await prisma.auditLog.createMany({
    data: changes.map((c) => ({
      actor: 'protocol-engine',
      action: PROTOCOL_LEVEL,
      target: c.accountId,
      outcome: 'OK',
      detail: { key: c.key, symbol: c.symbol, from: c.from, to: c.to, level: c.to, reason: c.reason, ...c.detail },
    })),
  });
  return changes.map(({ detail: _d, ...c }) => c);
}
