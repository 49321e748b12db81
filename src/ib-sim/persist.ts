/**
 * The simulated account outlives a gateway restart, like a real broker account: positions,
 * cash, orders (working ones too), executions, the clock and prices are written to one JSON
 * file (temp file + rename, so a crash leaves the old or the new state, never half of one),
 * debounced to at most one write per `debounceMs` (≤ 1 s), and read back at start.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CoreState, SimCore } from './core';

export interface Persister {
  /** Writes now if anything changed since the last write (also on close). */
  flush(): void;
  stop(): void;
}

export function readState(file: string): CoreState | undefined {
  if (!fs.existsSync(file)) return undefined;
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as CoreState;
  if (s.version !== 1) throw new Error(`${file}: unknown simulator state version ${String(s.version)} (start it fresh)`);
  return s;
}

export function writeState(file: string, s: CoreState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(s));
  fs.renameSync(tmp, file);
}

export function persistCore(core: SimCore, file: string, debounceMs = 200): Persister {
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    writeState(file, core.snapshot());
  };
  core.onChange = () => {
    dirty = true;
    if (timer) return;
    timer = setTimeout(
      () => {
        try {
          flush();
        } catch (err) {
          core.log.error('simulator state not written', { file, err });
        }
      },
      Math.min(debounceMs, 1000),
    );
    timer.unref();
  };
  // A state file that does not exist yet is written at once (so a fresh start is a known state).
  dirty = true;
  flush();
  return {
    flush,
    stop: () => {
      flush();
      core.onChange = () => undefined;
    },
  };
}
