/**
 * The faults of the chaos run, each followed by what a supervisor does (start the process
 * again): kill -9 a worker, the Temporal server or an API process; restart PostgreSQL like a
 * crash; drop every broker connection at the simulator.
 */
import type { Cluster, Proc } from '../cluster';
import type { ThrowawayPostgres } from './postgres';

export const FAULT_KINDS = ['worker', 'api', 'broker', 'postgres', 'temporal'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const exited = (p: { exitCode: number | null; signalCode: string | null; once(e: 'exit', f: () => void): unknown }) =>
  new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
  });

async function killAndStart(p: Proc): Promise<void> {
  const child = p.child;
  p.kill9();
  await exited(child);
  p.start();
}

/** Injects the `nth` fault of this kind (alternating between the two workers / APIs) and starts what it killed again. */
export async function inject(kind: FaultKind, nth: number, c: Cluster, pg: ThrowawayPostgres): Promise<string> {
  switch (kind) {
    case 'worker': {
      const w = c.workers[nth % c.workers.length]!;
      await killAndStart(w);
      return `kill -9 ${w.name}, started again`;
    }
    case 'api': {
      const a = c.apis[nth % c.apis.length]!;
      await killAndStart(a);
      return `kill -9 ${a.name}, started again`;
    }
    case 'temporal': {
      const t = c.temporal.process;
      t.kill('SIGKILL');
      await exited(t);
      await c.temporal.restart();
      return 'kill -9 the Temporal server, started again';
    }
    case 'postgres':
      await pg.restart();
      return 'PostgreSQL stopped (immediate) and started again';
    case 'broker': {
      const r = await fetch(`${c.simAdminUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ drop_connections: true }) });
      if (!r.ok) throw new Error(`the simulator refused drop_connections: ${r.status} ${await r.text()}`);
      return "the broker dropped every client's connection";
    }
  }
}
