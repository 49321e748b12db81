/**
 * IB's market-data limits respected by design: every historical request waits in a FIFO until
 * it fits all three pacing rules (N per window, no identical request within 15 s, at most 6 per
 * contract within 2 s), and every snapshot waits for a free market-data line. Nothing errors:
 * callers queue. A small margin keeps requests clear of a window's edge (the gateway measures
 * arrival, a little later than departure).
 */
export interface PacerLimits {
  historicalPerWindow: number;
  historicalWindowMs: number;
  identicalMs: number;
  perContract: number;
  perContractWindowMs: number;
  lines: number;
}

export const IB_PACER_LIMITS: PacerLimits = { historicalPerWindow: 60, historicalWindowMs: 600_000, identicalMs: 15_000, perContract: 6, perContractWindowMs: 2_000, lines: 100 };

import type { PacerStats } from '../../src/contracts/broker';
export type { PacerStats };

interface Waiter {
  key: string;
  contract: string;
  resolve: () => void;
  since: number;
}

export class MarketDataPacer {
  readonly limits: PacerLimits;
  private readonly log: { at: number; key: string; contract: string }[] = [];
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private linesInUse = 0;
  private readonly lineWaiters: (() => void)[] = [];
  readonly stats: PacerStats = { historical: 0, snapshots: 0, historicalWaitMs: 0, maxLinesInUse: 0 };

  constructor(
    limits: Partial<PacerLimits> = {},
    private readonly now: () => number = () => Date.now(),
  ) {
    this.limits = { ...IB_PACER_LIMITS, ...limits };
  }

  /**
   * Kept clear of each window's edge: the gateway measures arrival, and a request can wait in
   * the client's message throttle or behind a busy event loop on either side (1 s of IB's
   * 10 min, 15 s and 2 s windows costs little; a scaled-down test window gets a quarter).
   */
  private margin(windowMs: number): number {
    return Math.min(1_000, Math.ceil(windowMs * 0.25));
  }

  /** Earliest time ≥ now at which a request (key, contract) fits every rule. */
  private earliest(key: string, contract: string, t: number): number {
    const l = this.limits;
    let at = t;
    const win = this.log.filter((h) => t - h.at < l.historicalWindowMs + this.margin(l.historicalWindowMs));
    if (win.length >= l.historicalPerWindow) at = Math.max(at, win[win.length - l.historicalPerWindow]!.at + l.historicalWindowMs + this.margin(l.historicalWindowMs));
    const same = this.log.filter((h) => h.key === key).at(-1);
    if (same) at = Math.max(at, same.at + l.identicalMs + this.margin(l.identicalMs));
    const mine = this.log.filter((h) => h.contract === contract);
    if (mine.length >= l.perContract) at = Math.max(at, mine[mine.length - l.perContract]!.at + l.perContractWindowMs + this.margin(l.perContractWindowMs));
    return at;
  }

  /** How long a historical request for `contract` asked now would wait (ms), queue included (approximate). */
  backlogMs(): number {
    const t = this.now();
    const head = this.queue[0];
    return head ? Math.max(0, this.earliest(head.key, head.contract, t) - t) + this.queue.length * (this.limits.historicalWindowMs / this.limits.historicalPerWindow) : 0;
  }

  /** Runs `fn` once the historical request `key` (for `contract`) fits IB's pacing rules. */
  async historical<T>(key: string, contract: string, fn: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => {
      this.queue.push({ key, contract, resolve, since: this.now() });
      this.drain();
    });
    return fn();
  }

  private drain(): void {
    if (this.timer) return;
    const keep = Math.max(this.limits.historicalWindowMs, this.limits.identicalMs, this.limits.perContractWindowMs) * 2;
    for (;;) {
      const head = this.queue[0];
      if (!head) return;
      const t = this.now();
      while (this.log.length > 0 && t - this.log[0]!.at > keep) this.log.shift();
      const at = this.earliest(head.key, head.contract, t);
      if (at > t) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.drain();
        }, at - t);
        return;
      }
      this.queue.shift();
      this.log.push({ at: t, key: head.key, contract: head.contract });
      this.stats.historical++;
      this.stats.historicalWaitMs += t - head.since;
      head.resolve();
    }
  }

  /** Runs `fn` (a snapshot) holding one market-data line; waits for a free line first. */
  async line<T>(fn: () => Promise<T>): Promise<T> {
    if (this.linesInUse >= this.limits.lines) await new Promise<void>((resolve) => this.lineWaiters.push(resolve));
    else this.linesInUse++;
    this.stats.snapshots++;
    this.stats.maxLinesInUse = Math.max(this.stats.maxLinesInUse, this.linesInUse);
    try {
      return await fn();
    } finally {
      // Hand the line straight to the next waiter (it stays counted), or free it.
      const next = this.lineWaiters.shift();
      if (next) setImmediate(next);
      else this.linesInUse--;
    }
  }

  get queued(): number {
    return this.queue.length + this.lineWaiters.length;
  }
}
