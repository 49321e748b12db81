/** CPU seconds used so far by another process (Linux /proc; 0 elsewhere): e.g. the Temporal dev server's share of a benchmark. */
import fs from 'node:fs';

export function procCpuSeconds(pid: number | undefined): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds the whole machine has used so far, every process together (Linux /proc/stat; 0
 * elsewhere): what one completion costs the Temporal server, PostgreSQL and this process at once.
 */
export function machineCpuSeconds(): number {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: all but idle and iowait
    return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / 100;
  } catch {
    return 0;
  }
}

/** One reading of a local PostgreSQL: each client backend's CPU seconds so far, and each database's commits. */
export interface PostgresReading {
  backends: Map<number, { db: string; cpuS: number }>;
  commits: Map<string, number>;
}

/**
 * Reads every client backend's CPU from /proc (a local server only; empty elsewhere) and each
 * database's commits (pg_stat_database, as each backend reports them, within a second or so).
 */
export async function readPostgres(query: (sql: string) => Promise<{ rows: { pid?: number; datname: string | null; commits?: string }[] }>): Promise<PostgresReading> {
  const out: PostgresReading = { backends: new Map(), commits: new Map() };
  try {
    const { rows } = await query(`SELECT pid, datname FROM pg_stat_activity WHERE backend_type = 'client backend'`);
    for (const r of rows) if (r.pid !== undefined) out.backends.set(r.pid, { db: r.datname ?? '?', cpuS: procCpuSeconds(r.pid) });
    const { rows: dbs } = await query(`SELECT datname, xact_commit::text AS commits FROM pg_stat_database WHERE datname IS NOT NULL`);
    for (const r of dbs) out.commits.set(r.datname ?? '?', Number(r.commits));
  } catch {
    // not readable here: no figure
  }
  return out;
}

/**
 * PostgreSQL's CPU seconds and commits per database between two readings: what a phase cost
 * Temporal's persistence (temporal_*) apart from ALL-USE's own statements. A backend that started
 * in between counts whole (its start is part of the cost); one that ended in between is missing
 * from the second reading and counts nothing (the pools here keep theirs open).
 */
export function postgresBetween(a: PostgresReading, b: PostgresReading): Map<string, { cpuS: number; commits: number }> {
  const out = new Map<string, { cpuS: number; commits: number }>();
  const of = (db: string) => out.get(db) ?? out.set(db, { cpuS: 0, commits: 0 }).get(db)!;
  for (const [pid, x] of b.backends) of(x.db).cpuS += x.cpuS - (a.backends.get(pid)?.cpuS ?? 0);
  for (const [db, n] of b.commits) of(db).commits += n - (a.commits.get(db) ?? n);
  return out;
}
