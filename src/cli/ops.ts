/**
 * Operator CLI: `npm run --silent ops -- <command> [--json]`. Every command has --help.
 * It talks to PostgreSQL directly (DATABASE_URL) and to Temporal where it must, so the kill
 * switch works even when the API is down; each change is audited as cli:<user>.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { controlStatus, haltTrading, resumeTrading, setReduceOnlyMode } from '../control';
import { listAccounts, listInstructions, showAccount, showInstruction } from '../db/operator';
import { accountTagSchema } from '../contracts/instruction';
import { listSegments, setSegmentLimit } from '../db/reservations';
import { DEFAULT_PROTOCOL, fromDecimal } from '../domain';
import { weekOf } from '../domain/calendar';
import { computeReport, type Report } from '../reports/compute';
import { findReport, listReports, loadReportInput, produceReport } from '../reports/load';
import { DATE_RE, nyToday, periodOf } from '../reports/period';
import { reportCsv, reportHtml } from '../reports/render';
import { registerConfigCommands } from './ops/config';
import { opsContext, type OpsContext } from './ops/context';
import { print } from './ops/output';
import { registerReconcile } from './ops/reconcile';
import { registerComplianceCommands } from './ops/compliance';
import { registerRecommendations } from './ops/recommendations';
import { registerExperiments } from './ops/experiments';

const date = (v: string): string => {
  if (!DATE_RE.test(v)) throw new Error(`not a date (YYYY-MM-DD): ${v}`);
  return v;
};

function writeReport(r: Report, format: string, out?: string): void {
  const text = format === 'csv' ? reportCsv(r) : format === 'html' ? reportHtml(r) : `${JSON.stringify(r, null, 2)}\n`;
  if (out) {
    fs.writeFileSync(out, text);
    process.stderr.write(`wrote ${out}\n`);
  } else process.stdout.write(text);
}

export function buildProgram(ctx: () => OpsContext): Command {
  const program = new Command('ops').description('ALL-USE operator commands').option('--json', 'print JSON instead of tables').showHelpAfterError();
  const json = () => Boolean(program.opts().json);

  const accounts = program.command('accounts').description('account families and accounts (from the database)');
  accounts
    .command('list')
    .description('every family with its accounts and cash')
    .action(async () => {
      const fams = await listAccounts(ctx().prisma());
      print(
        { families: fams },
        json(),
        fams.flatMap((f) =>
          f.accounts.map((a) => ({ family: f.familyId, name: f.name, account: a.id, kind: a.kind, status: a.status, cash: (a.cashCents / 100).toFixed(2), base: (a.baseCents / 100).toFixed(2) })),
        ),
      );
    });
  accounts
    .command('show <id>')
    .description('one account: positions, recent ledger entries and week types')
    .action(async (id: string) => {
      const a = await showAccount(ctx().prisma(), id);
      if (!a) throw new Error(`account ${id} not found`);
      print(a, json());
    });

  const instr = program.command('instructions').description('trade instructions (STAR-LAB and internal)');
  instr
    .command('list')
    .description('latest instructions first')
    .option('--status <status>', 'e.g. FILLED, REJECTED, SUBMITTED')
    .option('--strategy <id>', 'STAR-LAB strategy id')
    .option('--source <source>', 'STARLAB or INTERNAL')
    .option('--limit <n>', 'how many (default 50)', (v) => Number(v))
    .action(async (o: { status?: string; strategy?: string; source?: string; limit?: number }) => {
      const rows = await listInstructions(ctx().prisma(), o);
      print({ instructions: rows }, json(), rows, ['id', 'createdAt', 'source', 'strategy', 'symbol', 'action', 'quantity', 'status', 'rejectReason']);
    });
  instr
    .command('show <id>')
    .description('one instruction with its broker order and fills')
    .action(async (id: string) => {
      const i = await showInstruction(ctx().prisma(), id);
      if (!i) throw new Error(`instruction ${id} not found`);
      print(i, json());
    });

  const scope = new Option('--scope <scope>', 'global (default), account:<id> or segment:<account_tag>');
  program
    .command('status')
    .description('kill switch and reduce-only state')
    .action(async () => print(await controlStatus({ prisma: ctx().prisma() }), json()));
  program
    .command('halt')
    .description('kill switch: refuse every new order now; running instructions stop before placing')
    .option('--reason <text>', 'why (stored and shown on /readyz)')
    .option('--cancel-open', 'also cancel every open order (needs Temporal and a running worker)')
    .addOption(scope)
    .action(async (o: { reason?: string; cancelOpen?: boolean; scope?: string }) => {
      const c = ctx();
      print(await haltTrading({ prisma: c.prisma(), temporal: o.cancelOpen ? await c.temporal() : undefined }, { actor: c.actor, ...o }), json());
    });
  program
    .command('resume')
    .description('lift the kill switch (reduce-only stays as it is)')
    .option('--reason <text>', 'why')
    .addOption(scope)
    .action(async (o: { reason?: string; scope?: string }) => print(await resumeTrading({ prisma: ctx().prisma() }, { actor: ctx().actor, ...o }), json()));
  program
    .command('reduce-only <on|off>')
    .description('allow only orders that close positions (on) or every order (off)')
    .option('--reason <text>', 'why')
    .addOption(scope)
    .action(async (mode: string, o: { reason?: string; scope?: string }) => {
      if (mode !== 'on' && mode !== 'off') throw new Error('reduce-only takes on or off');
      print(await setReduceOnlyMode({ prisma: ctx().prisma() }, { actor: ctx().actor, on: mode === 'on', ...o }), json());
    });

  const cycle = program.command('cycle').description('the weekly cycle (Temporal workflow; started by name)');
  const startCycle = async (workflowType: string, workflowId: string, arg: unknown, wait: boolean) => {
    const c = ctx();
    const client = await c.temporal();
    const h = await client.workflow.start(workflowType, { taskQueue: c.config.temporalTaskQueue, workflowId, args: [arg], workflowIdConflictPolicy: 'USE_EXISTING' });
    const result: unknown = wait ? await h.result() : undefined;
    print({ workflowId: h.workflowId, runId: h.firstExecutionRunId, ...(wait ? { result } : {}) }, json());
  };
  cycle
    .command('run')
    .description('run the week holding --date (default today), for every family or one')
    .option('--date <date>', 'any day of the week (YYYY-MM-DD)', date)
    .option('--family <id>', 'one account family')
    .option('--wait', 'wait for the result')
    .action(async (o: { date?: string; family?: string; wait?: boolean }) => {
      const d = o.date ?? nyToday();
      if (o.family) await startCycle('weeklyCycle', `weekly-cycle:${o.family}:${weekOf(d)}`, { familyId: o.family, asOf: d }, Boolean(o.wait));
      else await startCycle('weeklyCycleRun', `weekly-run:${d}:${d}`, { from: d, to: d }, Boolean(o.wait));
    });
  cycle
    .command('backfill')
    .description('run every week from --from to --to, in order (idempotent per family and week)')
    .requiredOption('--from <date>', 'first day', date)
    .requiredOption('--to <date>', 'last day', date)
    .option('--wait', 'wait for the result')
    .action(async (o: { from: string; to: string; wait?: boolean }) => startCycle('weeklyCycleRun', `weekly-run:${o.from}:${o.to}`, { from: o.from, to: o.to }, Boolean(o.wait)));

  const keys = program.command('keys').description('STAR-LAB API clients');
  keys
    .command('list')
    .description('clients, strategies, scopes (never secrets)')
    .action(async () => {
      const rows = await ctx()
        .prisma()
        .apiClient.findMany({ orderBy: { name: 'asc' } });
      const out = rows.map((r) => ({ name: r.name, clientId: r.clientId, strategies: r.strategies.join(','), scopes: r.scopes.join(','), revoked: r.revokedAt?.toISOString() ?? '' }));
      print({ clients: out }, json(), out);
    });
  keys
    .command('create')
    .description('issue credentials: same options as `npm run apikey -- create --help`')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action((args: string[]) => delegateApikey(['create', ...args]));
  keys
    .command('revoke')
    .description('revoke a client: --client <name>')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action((args: string[]) => delegateApikey(['revoke', ...args]));

  const segments = program.command('segments').description('STAR-LAB account_tag segments: capital limits and what they use');
  segments
    .command('list')
    .description('each segment: its limits and the capital working orders and open positions use')
    .action(async () => {
      const rows = await listSegments(ctx().prisma(), DEFAULT_PROTOCOL.market.contractMultiplier);
      const $ = (c: number | null) => (c === null ? 'default' : (c / 100).toFixed(2));
      print(
        { segments: rows },
        json(),
        rows.map((r) => ({ segment: r.segment, capital_limit: $(r.capitalLimitCents), max_open_orders: r.maxOpenOrdersPerStrategy ?? 'default', working: $(r.workingCents), held: $(r.heldCents) })),
      );
    });
  segments
    .command('set <segment>')
    .description("set a segment's capital limit (dollars) and optionally its per-strategy open-order limit; audited")
    .requiredOption('--capital <dollars>', 'capital limit in dollars, e.g. 250000 or 250000.50', (v) => {
      if (!/^\d{1,12}(\.\d{1,2})?$/.test(v)) throw new Error(`--capital: dollars with at most 2 decimals, got ${v}`);
      return fromDecimal(v, 'HALF_EVEN');
    })
    .option('--max-open-orders <n>', 'open orders per strategy in this segment', (v) => {
      if (!/^[1-9]\d{0,5}$/.test(v)) throw new Error(`--max-open-orders: a whole number ≥ 1, got ${v}`);
      return Number(v);
    })
    .action(async (segment: string, o: { capital: number; maxOpenOrders?: number }) => {
      if (!accountTagSchema.safeParse(segment).success || segment.startsWith('account:')) throw new Error(`not a STAR-LAB segment (account_tag): ${segment}`);
      await setSegmentLimit(ctx().prisma(), segment, o.capital, o.maxOpenOrders ?? null, ctx().actor);
      print({ segment, capital_limit_cents: o.capital, max_open_orders_per_strategy: o.maxOpenOrders ?? null }, json());
    });

  const reports = program.command('reports').description('daily, weekly and range reports');
  const fmt = () => new Option('--format <format>', 'json | html | csv').choices(['json', 'html', 'csv']).default('json');
  for (const kind of ['daily', 'weekly'] as const) {
    reports
      .command(`${kind} [date]`)
      .description(`the ${kind} report holding date (default today): stored one, else computed`)
      .addOption(fmt())
      .option('--out <file>', 'write to a file')
      .option('--store', 'compute now and store it (as the schedule does)')
      .action(async (d: string | undefined, o: { format: string; out?: string; store?: boolean }) => {
        const { from, to } = periodOf(kind, d ? date(d) : nyToday());
        const p = ctx().prisma();
        const r = o.store ? await produceReport(p, kind, from, to) : ((await findReport(p, kind, from, to)) ?? computeReport(await loadReportInput(p, kind, from, to)));
        writeReport(r, o.format, o.out);
      });
  }
  reports
    .command('range')
    .description('any past range, computed now and stored')
    .requiredOption('--from <date>', 'first day', date)
    .requiredOption('--to <date>', 'last day', date)
    .addOption(fmt())
    .option('--out <file>', 'write to a file')
    .action(async (o: { from: string; to: string; format: string; out?: string }) => writeReport(await produceReport(ctx().prisma(), 'range', o.from, o.to), o.format, o.out));
  reports
    .command('list')
    .description('stored reports, newest first')
    .action(async () => {
      const rows = await listReports(ctx().prisma());
      print({ reports: rows }, json(), rows);
    });
  registerConfigCommands(program, ctx, json);
  registerReconcile(program, ctx, json);
  registerComplianceCommands(program, ctx);
  registerRecommendations(program, ctx, json);
  registerExperiments(program, ctx, json);
  return program;
}

/** Runs src/cli/apikey (the one implementation of key issuing) with the same runtime. */
function delegateApikey(args: string[]): Promise<void> {
  const script = fs.existsSync(path.join(__dirname, 'apikey.ts')) ? path.join(__dirname, 'apikey.ts') : path.join(__dirname, 'apikey.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script, ...args], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`apikey exited with ${code}`))));
  });
}

if (require.main === module) {
  let c: OpsContext | undefined;
  const ctx = () => (c ??= opsContext());
  void buildProgram(ctx)
    .parseAsync(process.argv)
    .then(
      () => 0,
      (err: unknown) => (process.stderr.write(`ops: ${err instanceof Error ? err.message : String(err)}\n`), 1),
    )
    .then(async (code) => {
      await c?.close().catch(() => undefined);
      process.exit(code);
    });
}
