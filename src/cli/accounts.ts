/**
 * Protocol Engine operator commands (reads DATABASE_URL; `run-cycle` also TEMPORAL_ADDRESS):
 *   tsx src/cli/accounts.ts create --name ACME --lump-sum 1000000 [--json]
 *   tsx src/cli/accounts.ts list [--json]
 *   tsx src/cli/accounts.ts show <family> [--json]        family, forks, ledger, week types
 *   tsx src/cli/accounts.ts run-cycle --from 2025-01-03 --to 2025-01-31 [--family ACME] [--market-clock broker] [--wait] [--json]
 * Exit code 1 with a one-line reason on failure.
 */
import { Command } from 'commander';
import { loadConfig } from '../config';
import { FamilyConflictError, getFamily, listFamilies, openFamily, type FamilyView } from '../db/accounts';
import { closePrisma, getPrisma } from '../db/client';
import { ledgerOf } from '../db/ledger';
import { weekTypesOf } from '../db/weekTypes';
import { DEFAULT_PROTOCOL } from '../domain/config';
import { fromDecimal, toDecimal } from '../domain/money';
import { connectClient } from '../temporalClient';
import { cycleRunSchema, createFamilySchema } from '../api/accounts';
import { WEEKLY_CYCLE_RUN_WORKFLOW, weeklyRunWorkflowId, type WeeklyCycleRunWorkflow } from '../contracts/workflows/weeklyCycleRun';

const out = (json: boolean, value: unknown, text: () => string) => process.stdout.write(`${json ? JSON.stringify(value) : text()}\n`);
const line = (f: FamilyView) => `${f.id.padEnd(28)} ${f.status.padEnd(7)} ${f.accounts.map((a) => `${a.kind} $${toDecimal(a.cashCents)}`).join('  ')}`;

async function run(argv: string[]): Promise<void> {
  const cfg = loadConfig(process.env);
  const prisma = getPrisma(cfg.databaseUrl);
  const program = new Command('accounts').description('ALL-USE account families and the weekly cycle').exitOverride();
  program
    .command('create')
    .requiredOption('--name <name>', 'family name (also its id)')
    .requiredOption('--lump-sum <dollars>', 'the client deposit, e.g. 1000000 or 250000.50')
    .option('--json', 'print JSON')
    .action(async (o: { name: string; lumpSum: string; json?: boolean }) => {
      const b = createFamilySchema.parse({ name: o.name, lump_sum: o.lumpSum });
      const { family, created } = await openFamily(prisma, { id: b.name, name: b.name, lumpSumCents: fromDecimal(b.lump_sum), protocol: DEFAULT_PROTOCOL });
      out(!!o.json, { created, family }, () => `${created ? 'created' : 'exists '} ${line(family)}`);
    });
  program
    .command('list')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const all = await listFamilies(prisma);
      out(!!o.json, all, () => all.map(line).join('\n') || '(no account families)');
    });
  program
    .command('show <family>')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const f = await getFamily(prisma, id);
      if (!f) throw new Error(`no account family ${id}`);
      const forks = (await listFamilies(prisma)).filter((x) => x.parentFamilyId === id).map((x) => x.id);
      const ledger = await ledgerOf(prisma, id);
      const weekTypes = await weekTypesOf(
        prisma,
        f.accounts.map((a) => a.id),
      );
      out(!!o.json, { family: f, forks, ledger, weekTypes }, () =>
        [
          line(f),
          `forks: ${forks.join(', ') || '-'}`,
          ...ledger.map((e) => `  ${e.reason.padEnd(10)} ${(e.from ?? '').padEnd(16)} → ${(e.to ?? '').padEnd(16)} $${toDecimal(e.amountCents)}  ${e.week ?? ''}`),
          ...weekTypes.map((w) => `  ${w.week} ${w.accountId} ${w.symbol} ${w.type}`),
        ].join('\n'),
      );
    });
  program
    .command('run-cycle')
    .requiredOption('--from <date>', 'first day (YYYY-MM-DD)')
    .requiredOption('--to <date>', 'last day (YYYY-MM-DD)')
    .option('--family <ids>', 'only these families (comma-separated) and their forks')
    .option('--market-clock <clock>', "wall (default) or broker: entry days by the broker's clock only (simulator backfill)")
    .option('--wait', 'wait for the run to finish')
    .option('--json', 'print JSON')
    .action(async (o: { from: string; to: string; family?: string; marketClock?: string; wait?: boolean; json?: boolean }) => {
      const b = cycleRunSchema.parse({ from: o.from, to: o.to, ...(o.marketClock ? { market_clock: o.marketClock } : {}), ...(o.family ? { family_ids: o.family.split(',') } : {}) });
      const client = await connectClient(cfg.temporalAddress ?? `127.0.0.1:${cfg.temporalPort}`, cfg);
      try {
        const workflowId = weeklyRunWorkflowId(b.from, b.to, b.family_ids);
        const h = await client.workflow.start<WeeklyCycleRunWorkflow>(WEEKLY_CYCLE_RUN_WORKFLOW, {
          workflowId,
          taskQueue: cfg.temporalTaskQueue,
          args: [{ from: b.from, to: b.to, familyIds: b.family_ids, marketClock: b.market_clock }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        });
        const result = o.wait ? await h.result() : undefined;
        out(!!o.json, { workflow_id: workflowId, run_id: h.firstExecutionRunId, result }, () => `started ${workflowId}${result ? `: ${result.length} family-weeks done` : ''}`);
      } finally {
        await client.connection.close();
      }
    });
  try {
    await program.parseAsync(argv);
  } finally {
    await closePrisma();
  }
}

run(process.argv).catch((err: unknown) => {
  const code = (err as { code?: string }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version') process.exit(0);
  const msg = err instanceof FamilyConflictError ? err.message : ((err as Error)?.message ?? String(err));
  process.stderr.write(`accounts: ${msg}\n`);
  process.exit(1);
});
