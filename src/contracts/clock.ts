/**
 * Business time, injected: activities and the risk check ask a Clock instead of calling
 * `new Date()`, so a test (or the simulator's manual clock) decides what "now" is. Durations
 * of waits and timeouts stay on the process's real time; only dates that mean something to
 * the business (today's expiries, entry days, timestamps written to the books) come from here.
 * Sandbox-safe: no Node APIs.
 */
export interface Clock {
  now(): Date;
}

/** The machine's clock (production). */
export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until it is set or advanced (tests). */
export interface ManualClock extends Clock {
  set(at: Date | string): void;
  advance(ms: number): void;
}

export function manualClock(start: Date | string): ManualClock {
  let t = new Date(start).getTime();
  if (!Number.isFinite(t)) throw new RangeError(`manualClock: bad start ${String(start)}`);
  return {
    now: () => new Date(t),
    set(at) {
      const v = new Date(at).getTime();
      if (!Number.isFinite(v)) throw new RangeError(`manualClock: bad time ${String(at)}`);
      t = v;
    },
    advance(ms) {
      t += ms;
    },
  };
}

/** Today's date (YYYY-MM-DD, UTC) on a clock. */
export const isoDay = (clock: Clock): string => clock.now().toISOString().slice(0, 10);
