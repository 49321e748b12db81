/**
 * Every process waits for what it needs (Temporal, PostgreSQL, the broker) instead of exiting:
 * `waitFor` retries a connect step with bounded exponential backoff (250 ms doubling to at most
 * 10 s, with jitter), logs one clear line per failed attempt, and records what the process is
 * waiting for so readiness can say it (`waitingFor()`: the API's /readyz, the worker's /readyz
 * on its internal metrics port). No overall deadline by default: a supervisor (compose,
 * systemd, `npm run cluster`) keeps a process that waits, and restarts one that exits.
 */
import type { Logger } from './logger';

export interface WaitOptions {
  logger: Logger;
  /** First delay after a failure (default 250 ms); doubles per attempt up to maxDelayMs. */
  initialDelayMs?: number;
  /** Upper bound of one delay (default 10 s). */
  maxDelayMs?: number;
  /** Give up (throw the last error) after this long; default: never. */
  deadlineMs?: number;
  /** Stop waiting (throws) once this aborts: a shutdown during start-up. */
  signal?: AbortSignal;
  /** Time out one attempt (default 10 s): a connect that hangs counts as a failed attempt. */
  attemptTimeoutMs?: number;
}

const waiting = new Map<string, { since: string; attempts: number; lastError: string }>();

/** What this process is waiting for right now (empty once everything it needs is up). */
export function waitingFor(): { what: string; since: string; attempts: number; last_error: string }[] {
  return [...waiting].map(([what, w]) => ({ what, since: w.since, attempts: w.attempts, last_error: w.lastError }));
}

/** The delay before attempt `n + 1` after `n` failures: bounded exponential, ±20 % jitter. */
export function backoffDelay(failures: number, initialMs = 250, maxMs = 10_000, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(Math.min(maxMs, base * (0.8 + 0.4 * random())));
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function timed<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

/**
 * Runs `attempt` until it succeeds. `what` names the dependency and where it is (e.g.
 * "temporal at 127.0.0.1:7233"); it appears in every log line and in waitingFor().
 */
export async function waitFor<T>(what: string, attempt: () => Promise<T>, opts: WaitOptions): Promise<T> {
  const start = Date.now();
  let failures = 0;
  for (;;) {
    try {
      const v = await timed(attempt(), opts.attemptTimeoutMs ?? 10_000, what);
      if (failures > 0) opts.logger.info(`${what} is up`, { waited_for: what, attempts: failures + 1, waited_ms: Date.now() - start });
      waiting.delete(what);
      return v;
    } catch (err) {
      failures++;
      const delay = backoffDelay(failures, opts.initialDelayMs, opts.maxDelayMs);
      waiting.set(what, { since: waiting.get(what)?.since ?? new Date(start).toISOString(), attempts: failures, lastError: message(err) });
      if (opts.deadlineMs !== undefined && Date.now() - start + delay > opts.deadlineMs) {
        waiting.delete(what);
        opts.logger.error(`gave up waiting for ${what}`, { waited_for: what, attempts: failures, error: message(err) });
        throw err;
      }
      opts.logger.warn(`waiting for ${what}: attempt ${failures} failed (${message(err)}); next attempt in ${delay} ms`, { waited_for: what, attempt: failures, next_attempt_ms: delay });
      await sleep(delay, opts.signal);
    }
  }
}
