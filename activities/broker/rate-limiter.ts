/**
 * Token bucket with a FIFO of waiters: every message the adapter sends to IB takes a token.
 *
 * Why a small burst: IB (and the simulator) count messages in any 1 s window, so the worst
 * window is `burst + rate * 1 s`. With rate 45 and burst 4 that is 49 < 50, whereas a bucket
 * of 45 tokens could put 90 messages into one second.
 */
export interface RateLimiterOptions {
  ratePerSec: number;
  burst?: number;
  now?: () => number;
}

export class TokenBucket {
  readonly ratePerSec: number;
  readonly burst: number;
  private tokens: number;
  private last: number;
  private readonly now: () => number;
  private readonly waiters: Array<{ n: number; resolve: () => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  /** Total tokens handed out: the number of messages sent through the limiter. */
  taken = 0;

  constructor(opts: RateLimiterOptions) {
    if (!(opts.ratePerSec > 0)) throw new Error('ratePerSec must be > 0');
    this.ratePerSec = opts.ratePerSec;
    this.burst = Math.max(1, opts.burst ?? Math.floor(opts.ratePerSec / 10));
    this.now = opts.now ?? (() => performance.now());
    this.tokens = this.burst;
    this.last = this.now();
  }

  /**
   * Resolves when `n` tokens were taken; callers are served in arrival order, except that
   * `urgent` ones (handshake, resync) jump the queue: orders queued behind them need them first.
   */
  acquire(n = 1, urgent = false): Promise<void> {
    if (n > this.burst) throw new Error(`cannot take ${n} tokens from a bucket of ${this.burst}`);
    return new Promise<void>((resolve) => {
      if (urgent) this.waiters.unshift({ n, resolve });
      else this.waiters.push({ n, resolve });
      this.drain();
    });
  }

  /** Returns tokens taken for a message that was not sent after all (connection lost meanwhile). */
  refund(n = 1): void {
    this.taken -= n;
    this.refill();
    this.tokens = Math.min(this.burst, this.tokens + n);
    this.drain();
  }

  /** Empties the bucket and blocks it for `ms` (after a pacing error from IB). */
  penalize(ms: number): void {
    this.refill();
    this.tokens = -ms * (this.ratePerSec / 1000);
    this.schedule();
  }

  /** How long a message asked for now would wait: the queue ahead of it and any penalty. */
  backlogMs(): number {
    this.refill();
    const ahead = this.waiters.reduce((s, w) => s + w.n, 0) + 1;
    return Math.max(0, ((ahead - this.tokens) * 1000) / this.ratePerSec);
  }

  get pending(): number {
    return this.waiters.length;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.ratePerSec) / 1000);
    this.last = t;
  }

  private drain(): void {
    this.refill();
    while (this.waiters.length > 0 && this.tokens >= this.waiters[0]!.n) {
      const w = this.waiters.shift()!;
      this.tokens -= w.n;
      this.taken += w.n;
      w.resolve();
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.waiters.length === 0) return;
    const missing = this.waiters[0]!.n - this.tokens;
    const ms = Math.max(1, Math.ceil((missing * 1000) / this.ratePerSec));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, ms);
  }
}
