/**
 * Trial pools kept warm between optimisations in a long-running process (the Temporal worker):
 * a pool's threads hold the bars, their JIT-compiled back-tester and the markets they built, so
 * the next run on the same data and options pays no start-up (~40 % of a 12-trial run's cost).
 * One pool per (data, options, workers) at a time; a run that finds it busy starts its own, closed
 * after use. An idle pool is closed after `idleMs`; a failed run's pool is never reused.
 */
import { createHash } from 'node:crypto';
import type { BacktestOptions } from '../backtest/options';
import type { Bar } from '../domain/indicators';
import { TrialPool } from './pool';

export interface PoolSource {
  acquire(n: number, init: { bars: readonly Bar[]; options: Partial<BacktestOptions> }, dataKey: string): Promise<TrialPool>;
  /** `healthy` false: the run failed, the pool is closed */
  release(pool: TrialPool, healthy: boolean): Promise<void>;
}

/** A fresh pool per run, closed after it (the CLI's local mode). */
export const freshPools: PoolSource = {
  acquire: (n, init) => TrialPool.start(n, init),
  release: (pool) => pool.close(),
};

export const dataKeyOf = (csvText: string): string => createHash('sha256').update(csvText).digest('hex');

export class WarmPools implements PoolSource {
  private warm: { key: string; pool: TrialPool; busy: boolean; timer?: NodeJS.Timeout } | null = null;
  constructor(private readonly idleMs = 10 * 60_000) {}

  async acquire(n: number, init: { bars: readonly Bar[]; options: Partial<BacktestOptions> }, dataKey: string): Promise<TrialPool> {
    const key = JSON.stringify([dataKey, n, init.options]);
    const w = this.warm;
    if (w && w.key === key && !w.busy) {
      clearTimeout(w.timer);
      w.busy = true;
      w.pool.ref(true);
      return w.pool;
    }
    if (w && !w.busy) await this.drop();
    const pool = await TrialPool.start(n, init);
    if (!this.warm) this.warm = { key, pool, busy: true };
    return pool;
  }

  async release(pool: TrialPool, healthy: boolean): Promise<void> {
    const w = this.warm;
    if (!w || w.pool !== pool) return pool.close(); // a busy-time extra pool
    if (!healthy) return this.drop();
    w.busy = false;
    w.pool.ref(false);
    w.timer = setTimeout(() => void this.drop(), this.idleMs);
    w.timer.unref();
  }

  /** Closes the warm pool (idle timeout, a failed run, other data, shutdown). */
  async drop(): Promise<void> {
    const w = this.warm;
    this.warm = null;
    if (!w) return;
    clearTimeout(w.timer);
    await w.pool.close();
  }
}
