/**
 * `npm run chaos`: instructions flow through the production topology while it kills -9 a
 * worker, the Temporal server and an API process, restarts PostgreSQL (a throw-away cluster of
 * its own) and drops the broker's connections, each more than once; then it reconciles and
 * reports (docs/CHAOS.md). Flags: --server dev|cluster (dev), --instructions N (1000),
 * --in-flight N (50), --rounds N (2: how many times each fault), --json.
 * Progress on stderr; the last line of stdout is one JSON object: acknowledged, lost,
 * duplicated, books_equal, recovery_s, faults, elapsed_s, ... Exit code 1 when lost or
 * duplicated is not 0 or the books differ.
 */
import { z } from 'zod';
import { runChaos } from './chaos/run';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const Flags = z.object({
  server: z.enum(['dev', 'cluster']).default('dev'),
  instructions: z.coerce.number().int().min(1).max(100_000).default(1000),
  inFlight: z.coerce.number().int().min(1).max(500).default(50),
  rounds: z.coerce.number().int().min(1).max(20).default(2),
});

async function main(): Promise<void> {
  const parsed = Flags.safeParse({ server: arg('server'), instructions: arg('instructions'), inFlight: arg('in-flight'), rounds: arg('rounds') });
  if (!parsed.success) {
    process.stderr.write(`chaos: bad flags: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}\n`);
    process.exit(2);
  }
  const f = await runChaos({ ...parsed.data, log: (l) => process.stderr.write(`${l}\n`) });
  if (!process.argv.includes('--json'))
    process.stdout.write(`acknowledged ${f.acknowledged}, lost ${f.lost}, duplicated ${f.duplicated}, books equal ${f.books_equal}, max recovery ${f.recovery_s.max} s, ${f.elapsed_s} s in all\n`);
  process.stdout.write(`${JSON.stringify(f)}\n`);
  if (f.lost !== 0 || f.duplicated !== 0 || !f.books_equal) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
