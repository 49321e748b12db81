/**
 * `ops experiment create|show|stop|list`: A/B experiments whose arms trade (docs/FEEDBACK.md).
 *   create <id> --variant key=value… [--base key=value…] [--families F1,F2…]
 *          [--shadow <n per arm> --shadow-lump-sum <dollars>] [--min-sample n] [--max-sample n]
 *          --reason <text> [--by <name>]
 *   show <id>        the comparison (bootstrap, minimum sample, stop rule); --json for scripts
 *   stop <id> --reason <text> [--by <name>]
 * Every change is audited under the CLI user (`cli:<user>:<by>`).
 */
import type { Command } from 'commander';
import { listExperiments } from '../../db/experiments';
import { applyAssignments, parseAssignment } from '../../domain/configChange';
import { createExperiment, showExperiment, stopExperiment } from '../../feedback/experiments';
import type { OpsContext } from './context';
import { print } from './output';

const collect = (v: string, prev: string[] = []) => [...prev, v];
const overrideOf = (edits: string[] = []) => applyAssignments({}, edits.map(parseAssignment));
const int = (v: string) => {
  if (!/^\d+$/.test(v)) throw new Error(`not a whole number: ${v}`);
  return Number(v);
};

export function registerExperiments(program: Command, ctx: () => OpsContext, json: () => boolean): void {
  const exp = program.command('experiment').description('A/B experiments: arms of families (or shadow families on the simulator) trading a base and a variant configuration');
  exp
    .command('create <id>')
    .description('assign families to arms A (base) and B (base + variant); each family trades its own configuration version')
    .option('--variant <key=value>', 'an override of arm B, e.g. accounts.GEN.deltaMin=0.3 (repeatable)', collect)
    .option('--base <key=value>', 'an override of both arms (repeatable; default none)', collect)
    .option('--families <ids>', 'existing families, split between the arms, comma-separated')
    .option('--shadow <n>', 'shadow families to open per arm (simulator only)', int)
    .option('--shadow-lump-sum <dollars>', 'lump sum of each shadow family', Number)
    .option('--min-sample <n>', 'weeks per arm before any verdict (default 30)', int)
    .option('--max-sample <n>', 'weeks per arm at which the test stops without a winner (default 200)', int)
    .requiredOption('--reason <text>', 'why')
    .option('--by <name>', 'who (default the CLI user)')
    .action(
      async (
        id: string,
        o: { variant?: string[]; base?: string[]; families?: string; shadow?: number; shadowLumpSum?: number; minSample?: number; maxSample?: number; reason: string; by?: string },
      ) => {
        const body = {
          id,
          base: overrideOf(o.base),
          variant: overrideOf(o.variant),
          families: o.families
            ? o.families
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean)
            : [],
          ...(o.shadow !== undefined ? { shadow: { per_arm: o.shadow, lump_sum: o.shadowLumpSum ?? 100_000 } } : {}),
          ...(o.minSample !== undefined ? { min_sample: o.minSample } : {}),
          ...(o.maxSample !== undefined ? { max_sample: o.maxSample } : {}),
          reason: o.reason,
        };
        const c = ctx();
        const row = await createExperiment(c.prisma(), body, o.by ? `${c.actor}:${o.by}` : c.actor, { brokerIsSimulator: c.config.ibSimulator });
        print(row, json());
      },
    );
  exp
    .command('show <id>')
    .description('each arm’s recorded weeks and the bootstrap comparison; a stop with B better stores a recommendation')
    .action(async (id: string) => {
      const c = ctx();
      const r = await showExperiment(c.prisma(), id, c.actor);
      print(json() ? r : { id, status: r.experiment.status, verdict: r.verdict, message: r.message, arms: r.arms, interval: r.comparison.interval, recommendation_id: r.recommendation_id }, json());
    });
  exp
    .command('stop <id>')
    .description('end it: real families get their previous configuration back, shadow families close')
    .requiredOption('--reason <text>', 'why')
    .option('--by <name>', 'who (default the CLI user)')
    .action(async (id: string, o: { reason: string; by?: string }) => {
      const c = ctx();
      print(await stopExperiment(c.prisma(), id, o.by ? `${c.actor}:${o.by}` : c.actor, o.reason), json());
    });
  exp
    .command('list')
    .description('newest first')
    .action(async () => {
      const rows = await listExperiments(ctx().prisma());
      print(
        { experiments: rows },
        json(),
        rows.map((r) => ({ id: r.id, status: r.status, arms: r.arms.map((a) => `${a.arm}:${a.familyId}`).join(' '), created: r.createdAt, by: r.createdBy })),
      );
    });
}
