/**
 * Re-records the replay fixtures in test/replay/histories/: runs the Protocol Engine's
 * end-to-end test on the shared harness (real Temporal, PostgreSQL, simulator) with
 * RECORD_HISTORIES set, which saves `handle.fetchHistory()` of a completed weeklyCycle, its
 * tripleForkRebalance child and one tradeInstruction. Commit the files it writes.
 *   tsx scripts/record-histories.ts
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'test', 'replay', 'histories');
const r = spawnSync('npx', ['mocha', 'test/integration/protocol-weekly-cycle.test.ts'], { cwd: root, stdio: 'inherit', env: { ...process.env, RECORD_HISTORIES: out } });
if (r.status !== 0) {
  process.stderr.write('recording failed: the run did not pass\n');
  process.exit(r.status ?? 1);
}
process.stdout.write(`histories written to ${out}\n`);
