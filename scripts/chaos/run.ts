/**
 * One chaos run (`npm run chaos`, test/integration/chaos.test.ts): the production topology
 * (scripts/cluster.ts: two workers, two APIs, the simulator, each its own process) on a
 * throw-away PostgreSQL cluster, with the Temporal dev server or Temporal Server on that
 * PostgreSQL; N instructions at `inFlight` while every fault kind is injected `rounds` times,
 * spread over the run; then a drain, a reconciliation and the figures (docs/CHAOS.md).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createApiClient } from '../../src/db/apiClients';
import { getPrisma } from '../../src/db/client';
import { reconciliationWorkflowId, type ReconciliationSummary } from '../../src/contracts/workflows/reconciliation';
import { startReconciliation } from '../../src/reconcileTrigger';
import { freePort } from '../../temporal/devServer';
import { withTimeout } from '../../src/withTimeout';
import { startCluster, type Cluster } from '../cluster';
import { compareBooks, duplicatedOrders, lostInstructions, type BooksComparison } from './books';
import { ChaosClient } from './client';
import { startRestartableDevServer } from './devTemporal';
import { FAULT_KINDS, inject, type FaultKind } from './faults';
import { Gate, instructionBody, runLoad, runOne, type LoadState, type Result } from './load';
import { startThrowawayPostgres, type ThrowawayPostgres } from './postgres';

export interface ChaosOptions {
  server: 'dev' | 'cluster';
  instructions: number;
  inFlight: number;
  /** How many times each fault kind is injected (default 2: "each more than once"). */
  rounds: number;
  log: (line: string) => void;
  /** How long one instruction may take to be acknowledged, and then to end (default 10 min). */
  instructionDeadlineMs?: number;
}

export interface ChaosFigures {
  server: string;
  instructions: number;
  in_flight: number;
  acknowledged: number;
  lost: number;
  duplicated: number;
  books_equal: boolean;
  recovery_s: { max: number | null } & Partial<Record<FaultKind, (number | null)[]>>;
  faults: Partial<Record<FaultKind, number>>;
  elapsed_s: number;
  replayed: number;
  resubmissions: number;
  not_acknowledged: number;
  not_filled: number;
  unexpected_answers: number;
  broker_orders: number;
  reconcile: ReconciliationSummary | null;
  books: BooksComparison;
  lost_ids: string[];
  duplicated_ids: string[];
  load_average_1m: number;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

async function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

async function reconcileNow(client: Client, taskQueue: string, tag: string): Promise<ReconciliationSummary> {
  const result = await startReconciliation(client, taskQueue, reconciliationWorkflowId.onDemand('ops', `${new Date().toISOString()}-chaos-${tag}`), 'ops');
  return bounded(result(), 180_000, `reconciliation (${tag})`);
}

/** Waits (bounded, yielding) until the condition holds. */
async function until(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

export async function runChaos(o: ChaosOptions): Promise<ChaosFigures> {
  const t0 = Date.now();
  const deadlineMs = o.instructionDeadlineMs ?? 600_000;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'all-use-chaos-'));
  fs.chmodSync(tmp, 0o755); // the postgres OS user walks into it
  let pg: ThrowawayPostgres | undefined;
  let cluster: Cluster | undefined;
  let temporal: Client | undefined;
  let client: ChaosClient | undefined;
  let cleaned: Promise<void> | undefined;
  const aborted = new AbortController();
  /** When the first SIGINT/SIGTERM arrived (0: none). */
  let signalledAt = 0;
  // Idempotent: from the end of the run, or from Ctrl-C / SIGTERM (the throw-away PostgreSQL must not outlive it).
  const cleanup = () =>
    (cleaned ??= (async () => {
      client?.close();
      if (!cluster) aborted.abort(); // still starting: startCluster stops what it started
      // After a signal the load is still running: closing the connection under its calls makes a
      // pending gRPC retry throw "Channel has been shut down" from a timer, uncaught, which ended
      // the process before PostgreSQL was stopped (seen). The process exits right after anyway.
      if (!signalledAt) await withTimeout(temporal?.connection.close() ?? Promise.resolve(), 5_000, 'closing the Temporal connection').catch(() => undefined);
      // Bounded: a stuck stop must not keep PostgreSQL alive (each child process is killed after 15 s).
      await withTimeout(cluster?.stop() ?? Promise.resolve(), 60_000, 'stopping the cluster').catch(() => undefined);
      await pg?.destroy().catch(() => undefined);
      if (process.env.CHAOS_KEEP_LOGS === '1') o.log(`chaos: logs kept in ${path.join(tmp, 'logs')}`);
      else fs.rmSync(tmp, { recursive: true, force: true });
    })());
  // `on`, not `once`: under tsx one Ctrl-C can arrive twice (the terminal's, then tsx's relay when
  // the child's report raced it), and with no listener left the second ended the process in the
  // middle of cleanup, leaving the throw-away PostgreSQL running (seen: the process ended silently
  // while stopping the cluster). A repeat within a second is that echo; a later one is the user
  // insisting: kill what the run started, stop PostgreSQL at once, synchronously, and exit.
  const onSignal = (sig: NodeJS.Signals) => {
    const now = Date.now();
    if (!signalledAt) {
      signalledAt = now;
      o.log(`chaos: ${sig}: stopping the cluster and the throw-away PostgreSQL (again to stop at once)...`);
      void cleanup().finally(() => process.exit(130));
    } else if (now - signalledAt > 1000) {
      o.log(`chaos: ${sig} again: killing the cluster's processes and stopping the throw-away PostgreSQL now`);
      cluster?.killNow();
      pg?.stopNow();
      fs.rmSync(tmp, { recursive: true, force: true });
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    o.log(`chaos: throw-away PostgreSQL in ${tmp}...`);
    pg = await startThrowawayPostgres(path.join(tmp, 'pg'));
    const databaseUrl = pg.url('alluse');
    const temporalPort = await freePort();
    const taskQueue = 'chaos';
    o.log(`chaos: starting the ${o.server === 'dev' ? 'Temporal dev server' : 'Temporal Server on PostgreSQL'}, simulator, two workers, two APIs...`);
    cluster = await startCluster({
      databaseUrl,
      dataDir: tmp,
      temporalPort,
      apiPorts: [await freePort(), await freePort()],
      ibPort: await freePort(),
      ibAdminPort: await freePort(),
      taskQueue,
      temporalDb: 'temporal',
      ...(o.server === 'dev' ? { temporalServer: () => startRestartableDevServer(tmp, temporalPort, o.log) } : {}),
      env: { STARLAB_SEGMENT_CAPITAL_LIMIT_CENTS: '100000000000', STARLAB_CONCENTRATION_LIMIT_CENTS: '100000000000' },
      signal: aborted.signal,
      log: (l) => o.log(`chaos: ${l}`),
    });
    const c = cluster;
    temporal = new Client({ connection: await Connection.connect({ address: c.temporal.address }), namespace: 'default' });
    const prisma = getPrisma(databaseUrl);
    const creds = await createApiClient(prisma, { name: 'chaos', strategies: ['CHAOS_*'], scopes: ['trade', 'read'], rateLimitPerMinute: 100_000_000 });
    client = new ChaosClient(c.apiUrls, creds.api_key, temporal, deadlineMs);
    // The first reconciliation records the books' opening cash balance (the broker's).
    await reconcileNow(temporal, taskQueue, 'opening');

    const schedule: FaultKind[] = Array.from({ length: o.rounds }, () => [...FAULT_KINDS]).flat();
    const at = (i: number) => Math.min(o.instructions, Math.floor((o.instructions * (i + 1)) / (schedule.length + 1)));
    // Before fault i has recovered, the load may run K (in flight) past fault i's turn: the lanes are full when it strikes.
    const gate = new Gate(at(0) + o.inFlight);
    const state: LoadState = { submitted: 0, inFlight: 0, done: 0, results: [] };
    const probes: Result[] = [];
    const recovery: Partial<Record<FaultKind, (number | null)[]>> = {};
    const injected: Partial<Record<FaultKind, number>> = {};
    o.log(`chaos: ${o.instructions} instructions at ${o.inFlight} in flight; faults ${schedule.join(', ')}`);
    const progress = setInterval(
      () => o.log(`chaos: ${r1((Date.now() - t0) / 1000)} s: submitted ${state.submitted}/${o.instructions}, in flight ${state.inFlight}, done ${state.done}; faults ${JSON.stringify(injected)}`),
      5_000,
    );
    const faults = (async () => {
      for (const [i, kind] of schedule.entries()) {
        // Each fault while instructions flow: its turn in the run reached and the lanes (nearly) full.
        await until(() => state.submitted >= at(i), deadlineMs);
        await until(() => state.inFlight >= Math.ceil(o.inFlight * 0.8) || state.submitted >= o.instructions, 30_000);
        const nth = injected[kind] ?? 0;
        const tf = Date.now();
        const what = await inject(kind, nth, c, pg);
        injected[kind] = nth + 1;
        o.log(`chaos: fault ${i + 1}/${schedule.length}: ${what} (${state.inFlight} in flight)`);
        // Recovery: the first instruction submitted after the fault that ends FILLED.
        const probe = await runOne(client, instructionBody(`probe${i}`, i, 1), i);
        probes.push(probe);
        const rec = probe.outcome?.status === 'FILLED' ? r1((Date.now() - tf) / 1000) : null;
        (recovery[kind] ??= []).push(rec);
        o.log(`chaos:   recovered in ${rec ?? 'NOT'} s (${probe.outcome?.status ?? 'no outcome'})`);
        gate.open(at(i + 1) + o.inFlight);
      }
      gate.open(o.instructions);
    })();
    await Promise.all([runLoad(client, o.instructions, o.inFlight, gate, state), faults]).finally(() => clearInterval(progress));

    o.log('chaos: every instruction ended or timed out; reconciling...');
    const all = [...state.results, ...probes];
    const acked = [...new Set(all.flatMap((r) => (r.ack ? [r.ack.id] : [])))];
    let reconcile: ReconciliationSummary | null = null;
    try {
      reconcile = await reconcileNow(temporal, taskQueue, 'final');
    } catch (err) {
      o.log(`chaos: the final reconciliation failed: ${(err as Error).message}`);
    }
    const lost = await lostInstructions(databaseUrl, acked);
    const dup = await duplicatedOrders(c.simAdminUrl);
    const books = await compareBooks(prisma, databaseUrl, c.simAdminUrl);
    const recs = Object.values(recovery).flat();
    const notFilled = all.filter((r) => r.outcome && r.outcome.status !== 'FILLED');
    for (const r of notFilled.slice(0, 5)) o.log(`chaos: not filled: ${r.ack?.id} ${r.outcome?.status} ${r.outcome?.rejectReason ?? ''}`);
    for (const u of client.unexpected.slice(0, 5)) o.log(`chaos: unexpected answer: ${u}`);
    return {
      server: o.server === 'dev' ? 'dev-server' : 'cluster',
      instructions: o.instructions,
      in_flight: o.inFlight,
      acknowledged: acked.length,
      lost: lost.length,
      duplicated: dup.duplicated.length,
      books_equal: books.books_equal && (reconcile?.unexplained ?? 1) === 0,
      recovery_s: { max: recs.some((x) => x === null) || !recs.length ? null : Math.max(...(recs as number[])), ...recovery },
      faults: injected,
      elapsed_s: r1((Date.now() - t0) / 1000),
      replayed: all.filter((r) => r.ack && !r.ack.created).length,
      resubmissions: all.reduce((s, r) => s + (r.ack ? r.ack.attempts - 1 : 0), 0),
      not_acknowledged: all.filter((r) => !r.ack).length,
      not_filled: notFilled.length,
      unexpected_answers: client.unexpected.length,
      broker_orders: dup.brokerOrders,
      reconcile,
      books,
      lost_ids: lost.slice(0, 20).map((l) => `${l.id}:${l.status}`),
      duplicated_ids: dup.duplicated.slice(0, 20),
      load_average_1m: Math.round(os.loadavg()[0]! * 100) / 100,
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}
