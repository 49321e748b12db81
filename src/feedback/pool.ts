/**
 * A pool of worker threads running back-test trials (one per core by default). Each worker receives
 * the validated bars once; trials are handed out to whichever worker is free, one queued behind the one it runs. In a TypeScript
 * run (tsx, mocha) the worker loads tsx's CommonJS hook first; compiled, it loads the .js file.
 */
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import path from 'node:path';
import type { BacktestOptions } from '../backtest/options';
import type { Bar } from '../domain/indicators';
import type { Candidate } from './grid';
import type { TrialResult } from './trial';

type Reply = { type: 'ready'; setupMs: number; setupCpuMs: number | null } | { type: 'result'; result: TrialResult } | { type: 'error'; id: string; message: string };

interface Slot {
  worker: Worker;
  setupMs: number;
  busyMs: number;
  /** CPU time of start-up and trials; null once any part was not measurable */
  cpuMs: number | null;
  /** trials sent and not answered yet, in sending order (a worker answers in that order) */
  pending: { resolve: (r: TrialResult) => void; reject: (e: Error) => void }[];
}

export const defaultWorkers = (): number => Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);

function spawn(init: { bars: readonly Bar[]; options: Partial<BacktestOptions> }): Worker {
  const ts = __filename.endsWith('.ts');
  const file = path.join(__dirname, ts ? 'poolWorker.ts' : 'poolWorker.js');
  if (!ts) return new Worker(file, { workerData: init });
  return new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(file)});`, { eval: true, workerData: init });
}

export class TrialPool {
  private constructor(private readonly slots: Slot[]) {}

  /** Starts `n` workers and resolves once every one has the data (bounded by `timeoutMs`). */
  static async start(n: number, init: { bars: readonly Bar[]; options: Partial<BacktestOptions> }, timeoutMs = 120_000): Promise<TrialPool> {
    const slots = await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<Slot>((resolve, reject) => {
            const worker = spawn(init);
            const timer = setTimeout(() => reject(new Error(`worker not ready within ${timeoutMs} ms`)), timeoutMs);
            const slot: Slot = { worker, setupMs: 0, busyMs: 0, cpuMs: 0, pending: [] };
            worker.on('message', (m: Reply) => {
              if (m.type === 'ready') {
                clearTimeout(timer);
                slot.setupMs = m.setupMs;
                slot.cpuMs = m.setupCpuMs;
                resolve(slot);
              } else if (m.type === 'result') {
                slot.busyMs += m.result.ms;
                slot.cpuMs = slot.cpuMs === null || m.result.cpuMs === null ? null : slot.cpuMs + m.result.cpuMs;
                slot.pending.shift()?.resolve(m.result);
              } else {
                slot.pending.shift()?.reject(new Error(`trial ${m.id}: ${m.message}`));
              }
            });
            worker.on('error', (e) => {
              clearTimeout(timer);
              const waiting = slot.pending.splice(0);
              for (const p of waiting) p.reject(e);
              if (waiting.length === 0) reject(e);
            });
          }),
      ),
    );
    return new TrialPool(slots);
  }

  get size(): number {
    return this.slots.length;
  }
  /** worker time: parsing the data plus every trial (ms) */
  get workerMs(): number {
    return this.setupMs + this.trialMs;
  }

  /** the workers' start-up (ms): loading, JIT warm-up, the market */
  get setupMs(): number {
    return this.slots.reduce((s, x) => s + x.setupMs, 0);
  }

  /** worker time inside trials only (ms): 0 on a pool that has not run any yet */
  get trialMs(): number {
    return this.slots.reduce((s, x) => s + x.busyMs, 0);
  }

  /** worker CPU time (start-up + trials), null where not measurable */
  get workerCpuMs(): number | null {
    let s = 0;
    for (const x of this.slots) {
      if (x.cpuMs === null) return null;
      s += x.cpuMs;
    }
    return s;
  }

  private runOn(slot: Slot, c: Candidate): Promise<TrialResult> {
    return new Promise((resolve, reject) => {
      slot.pending.push({ resolve, reject });
      slot.worker.postMessage({ type: 'run', candidate: c });
    });
  }

  /**
   * Runs every candidate on the first `useWorkers` workers; `onResult` sees each trial as it lands,
   * in landing order. A worker is handed its next trial as soon as it answers: storing a result
   * (onResult, e.g. a database write) runs on the main thread meanwhile instead of idling the worker.
   */
  async runAll(cands: readonly Candidate[], onResult: (r: TrialResult) => Promise<void> | void, useWorkers = this.slots.length): Promise<TrialResult[]> {
    const out: TrialResult[] = new Array<TrialResult>(cands.length);
    let next = 0;
    let stored: Promise<void> = Promise.resolve();
    let failed = false;
    let error: unknown = null;
    const workers = this.slots.slice(0, Math.max(1, useWorkers));
    const take = (slot: Slot): Promise<void> | null => {
      if (next >= cands.length || failed) return null;
      const i = next++;
      return this.runOn(slot, cands[i] as Candidate).then((r) => {
        out[i] = r;
        // Chained, so results are stored in landing order; the first failure stops the run.
        stored = stored
          .then(() => (failed ? undefined : onResult(r)))
          .catch((e: unknown) => {
            failed = true;
            error ??= e;
          });
      });
    };
    // One trial queued in each worker's inbox behind the one it runs, so it starts the next at
    // once instead of waiting for the main thread to answer (measured: workers idle ~12 % of the
    // time on two cores, where the main thread shares a core with them). Not near the end: a
    // queued trial there could leave another worker idle while this one still has two to run.
    const loop = async (slot: Slot): Promise<void> => {
      const queued: Promise<void>[] = [];
      const fill = () => {
        while (queued.length === 0 || (queued.length === 1 && cands.length - next > workers.length)) {
          const t = take(slot);
          if (!t) return;
          t.catch(() => undefined); // awaited below in turn; a failure before its turn is not unhandled
          queued.push(t);
        }
      };
      fill();
      while (queued.length > 0) {
        await queued.shift();
        fill();
      }
    };
    await Promise.all(workers.map(loop));
    await stored;
    if (failed) throw error;
    return out;
  }

  /** Every one of the first `useWorkers` workers runs all `cands` at once (the balanced parallel measurement). */
  async runEach(cands: readonly Candidate[], useWorkers = this.slots.length): Promise<TrialResult[][]> {
    return Promise.all(
      this.slots.slice(0, Math.max(1, useWorkers)).map(async (slot) => {
        // All sent at once: the worker runs them back to back from its inbox (no gap between trials).
        return Promise.all(cands.map((c) => this.runOn(slot, c)));
      }),
    );
  }

  /** An idle pool kept for later runs must not keep the process alive (warmPools.ts); `ref` again when used. */
  ref(keepAlive: boolean): void {
    for (const s of this.slots) {
      if (keepAlive) s.worker.ref();
      else s.worker.unref();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
