/**
 * The simulated account outlives a gateway restart, like a real broker account: positions,
 * cash, orders (working ones too), executions, the clock and prices are kept on disk, written
 * debounced to at most one write per `debounceMs` (≤ 1 s), and read back at start.
 *
 * Two files, so that a write costs what changed, not the whole history (one file serialised
 * every order and execution ever made on every write: O(history) CPU and disk per write in a
 * long-running `npm start`, and ~2.5 % of the CPU of bench:e2e's run):
 *   - `<file>`: the state (account, positions, clock, prices, working orders), rewritten whole
 *     each time (temp file + rename, so a crash leaves the old or the new state, never half);
 *   - `<file>.history`: one JSON line per completed order and per execution, appended once each
 *     (completed orders and executions never change). The state names how many of its bytes it
 *     goes with (`historyBytes`): lines appended by a write whose state never landed are ignored
 *     and cut off, so what is read back is always one consistent moment.
 * A state file without `historyBytes` (written before the journal existed) holds everything
 * itself and is read as it is; its first write moves the history to the journal.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CoreState, SimCore } from './core';
import { executionState, orderState, type BookState } from './orders';
import type { OrderRecord } from './types';

export interface Persister {
  /** Writes now if anything changed since the last write (also on close). */
  flush(): void;
  stop(): void;
}

type HistoryLine = { o: BookState['orders'][number] } | { e: BookState['executions'][number] };

export const historyFileOf = (file: string): string => `${file}.history`;

/** The state with its journal's orders and executions merged back into the book (arrival order). */
export function readState(file: string): CoreState | undefined {
  if (!fs.existsSync(file)) return undefined;
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as CoreState;
  if (s.version !== 1) throw new Error(`${file}: unknown simulator state version ${String(s.version)} (start it fresh)`);
  if (s.historyBytes === undefined) return s;
  const history = historyFileOf(file);
  const bytes = fs.existsSync(history) ? fs.readFileSync(history) : Buffer.alloc(0);
  if (bytes.length < s.historyBytes) throw new Error(`${history}: ${bytes.length} bytes, but the state goes with ${s.historyBytes} (the journal was cut or lost; start it fresh)`);
  const orders: BookState['orders'] = [];
  const executions: BookState['executions'] = [];
  for (const line of bytes.subarray(0, s.historyBytes).toString('utf8').split('\n')) {
    if (!line) continue;
    const h = JSON.parse(line) as HistoryLine;
    if ('o' in h) orders.push(h.o);
    else executions.push(h.e);
  }
  // Orders are numbered (permId) as they arrive: the journal's completed ones and the state's
  // working ones back in arrival order, as the book held them.
  s.book.orders = [...orders, ...s.book.orders].sort((a, b) => a.permId - b.permId);
  s.book.executions = [...executions, ...s.book.executions];
  return s;
}

export function writeState(file: string, s: CoreState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(s));
  fs.renameSync(tmp, file);
}

/**
 * Keeps `core` on disk. `restored`: the state `core` was restored from (readState), whose
 * journal is continued; absent: a fresh start, whose first write begins a new journal.
 */
export function persistCore(core: SimCore, file: string, opts: { debounceMs?: number; restored?: CoreState } = {}): Persister {
  const history = historyFileOf(file);
  let journaled = new WeakSet<OrderRecord>();
  let executions = 0;
  let bytes = 0;
  if (opts.restored?.historyBytes !== undefined) {
    // Restored from the journal: its completed orders and all its executions are in it already.
    for (const o of core.book.records()) if (o.completedAt !== undefined) journaled.add(o);
    executions = core.book.executions.length;
    bytes = opts.restored.historyBytes;
  }
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    if (bytes > 0 && !fs.existsSync(history)) {
      // The journal was removed under a running simulator: written anew, whole, by this write.
      [journaled, executions, bytes] = [new WeakSet<OrderRecord>(), 0, 0];
    }
    // A pass over the orders finds the newly completed ones; only they and the new executions are serialised.
    const done = core.book.records().filter((o) => o.completedAt !== undefined && !journaled.has(o));
    const made = core.book.executions.slice(executions);
    const lines = [...done.map((o) => JSON.stringify({ o: orderState(o) })), ...made.map((e) => JSON.stringify({ e: executionState(e) }))].map((l) => `${l}\n`).join('');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Lines a failed or interrupted write left after the state's end are cut off first.
    if (fs.existsSync(history) && fs.statSync(history).size !== bytes) fs.truncateSync(history, bytes);
    if (lines) fs.appendFileSync(history, lines);
    const next = bytes + Buffer.byteLength(lines);
    writeState(file, { ...core.snapshot({ working: true }), historyBytes: next });
    bytes = next;
    for (const o of done) journaled.add(o);
    executions += made.length;
  };
  const debounceMs = opts.debounceMs ?? 200;
  core.onChange = () => {
    dirty = true;
    if (timer) return;
    timer = setTimeout(
      () => {
        try {
          flush();
        } catch (err) {
          dirty = true; // written again at the next change or at stop
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
