/**
 * Instructions refused at the API's door (503 TRADING_HALTED, src/api/submit.ts): nothing is
 * started and no instruction row exists, so this table is their only trace (the compliance
 * report lists them). One row per (client, UTC minute, code) counts the refusals of that minute
 * and keeps up to BODY_HASHES_MAX distinct request hashes: a flood of refused requests grows the
 * table by at most one row per client per minute, whatever its rate.
 */
import { hotQuery, type PrismaClient } from './client';

export const BODY_HASHES_MAX = 20;

export interface DoorRefusal {
  clientName: string;
  code: string;
  /** The control scope that refused (`global`, an account tag…). */
  scope: string;
  /** requestHash of the refused instruction (src/contracts/ids.ts). */
  bodyHash: string;
}

/** Counts one refusal in its minute's row (one statement, straight on the pool: the door's hot path). */
export async function recordDoorRefusal(prisma: PrismaClient, r: DoorRefusal): Promise<void> {
  // Times in UTC whatever the session's TimeZone: the columns are timestamp without zone, read as UTC by Prisma.
  await hotQuery(
    prisma,
    `INSERT INTO door_refusals AS d (client_name, minute, code, scope, count, body_hashes, first_at, last_at)
     VALUES ($1, date_trunc('minute', now() AT TIME ZONE 'UTC'), $2, $3, 1, ARRAY[$4::text], now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
     ON CONFLICT (client_name, minute, code) DO UPDATE SET
       count = d.count + 1,
       scope = EXCLUDED.scope,
       last_at = EXCLUDED.last_at,
       body_hashes = CASE WHEN $4 = ANY(d.body_hashes) OR cardinality(d.body_hashes) >= ${BODY_HASHES_MAX} THEN d.body_hashes
                          ELSE array_append(d.body_hashes, $4::text) END`,
    [r.clientName, r.code, r.scope, r.bodyHash],
  );
}

export interface DoorRefusalRow {
  minute: string;
  client: string;
  code: string;
  scope: string;
  count: number;
  bodyHashes: string[];
  firstAt: string;
  lastAt: string;
}

/** The rows whose minute lies in [gte, lt), oldest first. */
export async function doorRefusalsBetween(prisma: PrismaClient, within: { gte: Date; lt: Date }): Promise<DoorRefusalRow[]> {
  const rows = await prisma.doorRefusal.findMany({ where: { minute: within }, orderBy: [{ minute: 'asc' }, { clientName: 'asc' }, { code: 'asc' }] });
  return rows.map((r) => ({
    minute: r.minute.toISOString(),
    client: r.clientName,
    code: r.code,
    scope: r.scope,
    count: r.count,
    bodyHashes: r.bodyHashes,
    firstAt: r.firstAt.toISOString(),
    lastAt: r.lastAt.toISOString(),
  }));
}
