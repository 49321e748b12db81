/**
 * `tsx temporal/ensureCli.ts`: makes sure the Temporal CLI exists before `npm start` or
 * `npm test` need it, building it once (with progress) when it is missing. Run by
 * scripts/ensure-deps.cjs so the first build never races a test's timeout.
 */
import { ensureTemporalCli } from './cli';

if (process.env.TEMPORAL_ADDRESS) process.exit(0); // an external Temporal needs no CLI
ensureTemporalCli(process.env.TEMPORAL_CLI_PATH || undefined, (l) => process.stderr.write(`[temporal] ${l}\n`)).then(
  (p) => process.stderr.write(`[temporal] CLI: ${p}\n`),
  (err: unknown) => {
    process.stderr.write(`[temporal] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
