/**
 * Re-records the replay fixtures in test/replay/histories/: runs the Protocol Engine's
 * end-to-end test on the shared harness (real Temporal, PostgreSQL, simulator) with
 * RECORD_HISTORIES set, which saves `handle.fetchHistory()` of a completed weeklyCycle, its
 * tripleForkRebalance child and one tradeInstruction. Commit the files it writes.
 *   tsx scripts/record-histories.ts                 overwrites <type>.json
 *   tsx scripts/record-histories.ts --as <patch>    adds <type>.<patch>.json beside them: the
 *     histories after a `patched('<patch>')` change, while <type>.json keeps the older ones
 *     that running workflows still replay (test/replay/replay.test.ts replays every file)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'test', 'replay', 'histories');
const i = process.argv.indexOf('--as');
const suffix = i >= 0 ? process.argv[i + 1] : undefined;
if (i >= 0 && !(suffix && /^[a-z0-9-]+$/.test(suffix))) {
  process.stderr.write('usage: tsx scripts/record-histories.ts [--as <patch-name>]\n');
  process.exit(2);
}
const dir = suffix ? fs.mkdtempSync(path.join(os.tmpdir(), 'all-use-histories-')) : out;
const r = spawnSync('npx', ['mocha', 'test/integration/protocol-weekly-cycle.test.ts'], { cwd: root, stdio: 'inherit', env: { ...process.env, RECORD_HISTORIES: dir } });
if (r.status !== 0) {
  process.stderr.write('recording failed: the run did not pass\n');
  process.exit(r.status ?? 1);
}
if (suffix) {
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json'))) fs.copyFileSync(path.join(dir, f), path.join(out, f.replace(/\.json$/, `.${suffix}.json`)));
  fs.rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`histories written to ${out}\n`);
