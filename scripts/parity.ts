/**
 * npm run parity -- --data <csv> --from <Monday> --weeks <n> [--symbol SPY] [--json]
 * Replays the same bars through the live workflows (simulator, manual clock) and the backtester
 * and compares their decisions (src/parity). Progress and mismatches on stderr (--json: the
 * mismatches as JSON lines on stdout); the last line on stdout is one JSON object
 * { weeks, decisions, mismatches, first_mismatch }. Bad flags: exit 2.
 */
import { parseArgs } from 'node:util';
import { dropDatabase } from '../src/db/migrate';
import { createLogger } from '../src/logger';
import { startTemporal } from '../src/parity/liveSystem';
import { describeMismatch, parityArgsSchema, runParity } from '../src/parity/run';

function args() {
  try {
    const { values } = parseArgs({
      options: { data: { type: 'string' }, from: { type: 'string' }, weeks: { type: 'string' }, symbol: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
    const r = parityArgsSchema.safeParse(values);
    if (r.success) return r.data;
    throw new Error(r.error.issues.map((i) => `--${i.path.join('.') || '?'}: ${i.message}`).join('; '));
  } catch (err) {
    process.stderr.write(`parity: ${err instanceof Error ? err.message : String(err)}\nusage: npm run parity -- --data <csv> --from <YYYY-MM-DD Monday> --weeks <n> [--symbol SPY] [--json]\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const a = args();
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const logger = createLogger('parity', process.env.LOG_LEVEL ?? 'error');
  const temporal = await startTemporal(progress);
  const db = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  db.pathname = `/all_use_parity_${process.pid}`;
  // SIGTERM / SIGINT (a test's timeout, a supervisor): stop the Temporal dev server this run
  // started and drop its database, then exit; by default the dev server would outlive the run.
  const interrupted = (signal: NodeJS.Signals) => {
    progress(`parity: ${signal}, stopping`);
    void Promise.allSettled([temporal.stop(), dropDatabase(db.toString())]).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGTERM', interrupted);
  process.once('SIGINT', interrupted);
  try {
    const { report, mismatches } = await runParity(a, { temporal, databaseUrl: db.toString(), logger }, progress, logger);
    for (const m of mismatches) {
      if (a.json) process.stdout.write(`${JSON.stringify(m)}\n`);
      else progress(`mismatch: ${describeMismatch(m)}`);
    }
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await temporal.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`parity: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
