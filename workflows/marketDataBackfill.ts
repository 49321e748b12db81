/**
 * marketDataBackfill: daily history of some symbols over a date range, one paced historical
 * request per chunk, in order. Resumable: the workflow id is a function of the request, so
 * re-running the same backfill attaches to it; a crashed worker's chunk is retried on another
 * (ingest is idempotent by (symbol, day), so a retried chunk adds nothing twice).
 */
import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { BackfillChunk, MarketDataActivities } from '../activities/marketData';

export interface BackfillInput {
  symbols: string[];
  /** YYYY-MM-DD, inclusive */
  from: string;
  to: string;
  /** calendar days per request (≤ 365) */
  chunkDays: number;
}

export interface BackfillProgress {
  chunks: number;
  done: number;
  rows: number;
  inserted: number;
  quarantined: number;
  requests: number;
  pacing_errors: number;
  current: string | null;
}

export const backfillProgressQuery = defineQuery<BackfillProgress>('progress');

/** `md-backfill:<SYM,SYM>:<from>:<to>:<chunkDays>`: the same request is the same workflow. */
export const backfillWorkflowId = (i: BackfillInput): string => `md-backfill:${[...i.symbols].sort().join(',')}:${i.from}:${i.to}:${i.chunkDays}`;

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The requests of a backfill, symbol by symbol, oldest chunk first (pure). */
export function backfillChunks(i: BackfillInput): BackfillChunk[] {
  const out: BackfillChunk[] = [];
  const end = Date.parse(`${i.to}T00:00:00Z`);
  for (const symbol of i.symbols) {
    for (let t = Date.parse(`${i.from}T00:00:00Z`); t <= end; t += i.chunkDays * DAY) {
      out.push({ symbol, from: iso(t), to: iso(Math.min(end, t + (i.chunkDays - 1) * DAY)) });
    }
  }
  return out;
}

const { mdBackfillChunk } = proxyActivities<MarketDataActivities>({
  // A request may queue behind IB's pacing (up to 10 min for the 60-per-10-min rule).
  startToCloseTimeout: '20m',
  heartbeatTimeout: '15s',
  retry: { initialInterval: '2s', maximumInterval: '1m' },
});

export async function marketDataBackfill(input: BackfillInput): Promise<BackfillProgress> {
  const chunks = backfillChunks(input);
  const p: BackfillProgress = { chunks: chunks.length, done: 0, rows: 0, inserted: 0, quarantined: 0, requests: 0, pacing_errors: 0, current: null };
  setHandler(backfillProgressQuery, () => p);
  for (const c of chunks) {
    p.current = `${c.symbol} ${c.from}..${c.to}`;
    const r = await mdBackfillChunk(c);
    p.rows += r.rows;
    p.inserted += r.inserted;
    p.quarantined += r.quarantined;
    p.requests += r.requests;
    p.pacing_errors += r.pacingErrors;
    p.done++;
  }
  p.current = null;
  return p;
}
