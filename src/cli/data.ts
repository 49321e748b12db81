/**
 * Market-data CLI: `npm run --silent data -- <command> [--json]`.
 *   backfill --symbols SPY,AAPL --from 2024-01-01 [--to] [--chunk-days]   (a Temporal workflow;
 *            re-running the same request attaches to it; progress bar on stderr)
 *   quality [--symbols]          per-symbol freshness, gaps and quarantined rows
 *   collect <bars|chains|quotes|retention> [--symbols]   one collection run now
 *   import-csv --symbol SPY --file bars.csv   validated load of a daily-bar CSV
 *   quarantine [--symbol] [--kind]           rows that failed a rule, with the reason
 * With --json the LAST stdout line is one JSON object.
 */
import fs from 'node:fs';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Presets, SingleBar } from 'cli-progress';
import { Command, Option } from 'commander';
import pg from 'pg';
import { z } from 'zod';
import { parseBarsCsv } from '../backtest/csv';
import { lastClosedSession, MarketStore, type QuarantineKind } from '../db/marketData';
import { marketDataSettings } from '../marketdata/settings';
import { backfillProgressQuery, backfillWorkflowId, marketDataBackfill, type BackfillInput, type BackfillProgress } from '../../workflows/marketDataBackfill';
import { marketDataCollect, type CollectKind } from '../../workflows/marketDataCollect';
import { opsContext, type OpsContext } from './ops/context';
import { table } from './ops/output';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const symbolsSchema = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim().toUpperCase())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(z.string().regex(/^[A-Z][A-Z0-9.]{0,11}$/, 'a ticker such as SPY'))
      .min(1)
      .max(50),
  );
const backfillSchema = z
  .object({ symbols: symbolsSchema, from: z.string().regex(DATE, 'YYYY-MM-DD'), to: z.string().regex(DATE, 'YYYY-MM-DD'), chunkDays: z.coerce.number().int().min(1).max(365) })
  .refine((o) => o.from <= o.to, { message: '--from must not be after --to', path: ['from'] });

class UsageError extends Error {}

function parse<T>(schema: z.ZodType<T>, v: unknown): T {
  const r = schema.safeParse(v);
  if (!r.success) throw new UsageError(r.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '));
  return r.data;
}

function out(data: unknown, json: boolean, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(data)}\n` : `${text()}\n`);
}

export function buildProgram(ctx: () => OpsContext, storeOf: () => MarketStore): Command {
  const program = new Command('data').description('ALL-USE market data: backfill, quality, collection').option('--json', 'print one JSON object (last line)').showHelpAfterError();
  const json = () => Boolean(program.opts().json);

  program
    .command('backfill')
    .description('daily history of symbols over a date range, as a resumable Temporal workflow under IB pacing')
    .requiredOption('--symbols <list>', 'comma-separated, e.g. SPY,AAPL')
    .requiredOption('--from <date>', 'first day YYYY-MM-DD')
    .option('--to <date>', 'last day YYYY-MM-DD (default: the last closed session)')
    .option('--chunk-days <n>', 'calendar days per historical request (default MD_BACKFILL_CHUNK_DAYS or 365)')
    .option('--no-progress', 'no progress bar')
    .action(async (o: { symbols: string; from: string; to?: string; chunkDays?: string; progress: boolean }) => {
      const input: BackfillInput = parse(backfillSchema, {
        symbols: o.symbols,
        from: o.from,
        to: o.to ?? lastClosedSession(new Date()),
        chunkDays: o.chunkDays ?? marketDataSettings().backfillChunkDays,
      });
      const c = ctx();
      const client = await c.temporal();
      const workflowId = backfillWorkflowId(input);
      let handle;
      try {
        handle = await client.workflow.start(marketDataBackfill, {
          taskQueue: c.config.temporalTaskQueue,
          workflowId,
          args: [input],
          // running: attach; completed: show its result; failed or terminated: run again
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        handle = client.workflow.getHandle(workflowId);
      }
      process.stderr.write(`backfill ${workflowId}\n`);
      // The bar goes to stderr, so --json keeps stdout to the one JSON line.
      const pb = o.progress
        ? new SingleBar({ stream: process.stderr, noTTYOutput: true, notTTYSchedule: 1000, format: 'backfill [{bar}] {value}/{total} requests | {rows} rows | {current}' }, Presets.shades_classic)
        : undefined;
      let done = false;
      const result = handle.result().finally(() => (done = true));
      let started = false;
      while (!done) {
        const p = await handle.query(backfillProgressQuery).catch(() => undefined);
        if (p && pb) {
          if (!started) pb.start(p.chunks, p.done, { rows: p.rows, current: p.current ?? '' });
          started = true;
          pb.update(p.done, { rows: p.rows, current: p.current ?? '' });
        }
        await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
      }
      const r = (await result) as BackfillProgress;
      if (pb && started) {
        pb.update(r.done, { rows: r.rows, current: 'done' });
        pb.stop();
      }
      const summary = {
        workflow_id: workflowId,
        symbols: input.symbols,
        from: input.from,
        to: input.to,
        chunks: r.chunks,
        rows: r.rows,
        inserted: r.inserted,
        quarantined: r.quarantined,
        requests: r.requests,
        pacing_errors: r.pacing_errors,
      };
      out(summary, json(), () =>
        Object.entries(summary)
          .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(',') : String(v)}`)
          .join('\n'),
      );
    });

  program
    .command('quality')
    .description('per-symbol freshness, gaps against the exchange calendar and quarantined rows')
    .option('--symbols <list>', 'only these symbols')
    .action(async (o: { symbols?: string }) => {
      const symbols = o.symbols ? parse(symbolsSchema, o.symbols) : undefined;
      const now = new Date();
      const rows = await storeOf().quality(now, symbols);
      out({ as_of: now.toISOString(), last_closed_session: lastClosedSession(now), symbols: rows }, json(), () =>
        table(
          rows.map((r) => ({
            symbol: r.symbol,
            bars: r.bars,
            first: r.first_bar,
            last: r.last_bar,
            fresh: r.fresh,
            stale_days: r.stale_trading_days,
            gaps: r.gaps,
            quarantined: r.quarantined,
            last_quote: r.last_quote,
            last_chain: r.last_chain,
          })),
        ),
      );
    });

  program
    .command('collect <kind>')
    .description('run one collection now (bars, chains, quotes or retention) and wait for it')
    .option('--symbols <list>', 'instead of the protocol underlyings')
    .action(async (kind: string, o: { symbols?: string }) => {
      const k: CollectKind = parse(z.enum(['bars', 'chains', 'quotes', 'retention']), kind);
      const symbols = o.symbols ? parse(symbolsSchema, o.symbols) : undefined;
      const c = ctx();
      const client = await c.temporal();
      const r = await client.workflow.execute(marketDataCollect, {
        taskQueue: c.config.temporalTaskQueue,
        workflowId: `md-collect-${k}-manual-${Date.now()}`,
        args: [{ kind: k, ...(symbols ? { symbols } : {}) }],
      });
      out(r, json(), () => JSON.stringify(r, null, 2));
    });

  program
    .command('import-csv')
    .description('load a daily-bar CSV (date,open,high,low,close[,volume]) into the store, validated')
    .requiredOption('--symbol <symbol>', 'the symbol the bars belong to')
    .requiredOption('--file <csv>', 'the file')
    .option('--max-gap-days <n>', 'refuse the file on a longer gap between rows', '10')
    .action(async (o: { symbol: string; file: string; maxGapDays: string }) => {
      const [symbol] = parse(symbolsSchema, o.symbol);
      const text = fs.readFileSync(o.file, 'utf8');
      const volumes = volumeColumn(text);
      const bars = parseBarsCsv(text, { maxGapDays: Number(o.maxGapDays) });
      const r = await storeOf().ingestBars(
        bars.map((b, i) => ({ symbol: symbol!, ...b, volume: volumes[i] ?? 0 })),
        `csv:${o.file.split('/').pop()}`,
      );
      const summary = { symbol, rows: bars.length, first: bars[0]?.date ?? null, last: bars.at(-1)?.date ?? null, ...r };
      out(summary, json(), () =>
        Object.entries(summary)
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join('\n'),
      );
    });

  program
    .command('quarantine')
    .description('rows that failed a validation rule, with the rule and the reason')
    .option('--symbol <symbol>')
    .addOption(new Option('--kind <kind>').choices(['BAR', 'QUOTE', 'CHAIN']))
    .action(async (o: { symbol?: string; kind?: QuarantineKind }) => {
      const rows = await storeOf().quarantined({ symbol: o.symbol?.toUpperCase(), kind: o.kind });
      out({ rows }, json(), () => table(rows.map((r) => ({ kind: r.kind, symbol: r.symbol, time: r.rowTime, rule: r.rule, reason: r.reason, source: r.source }))));
    });
  return program;
}

function volumeColumn(text: string): number[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  const v = (lines[0] ?? '')
    .toLowerCase()
    .split(',')
    .map((h) => h.trim())
    .indexOf('volume');
  return v < 0 ? [] : lines.slice(1).map((l) => Math.max(0, Math.round(Number(l.split(',')[v]) || 0)));
}

if (require.main === module) {
  let c: OpsContext | undefined;
  let pool: pg.Pool | undefined;
  const ctx = () => (c ??= opsContext());
  const storeOf = () => new MarketStore((pool ??= new pg.Pool({ connectionString: ctx().config.databaseUrl, max: 2 })));
  void buildProgram(ctx, storeOf)
    .parseAsync(process.argv)
    .then(
      () => 0,
      (err: unknown) => {
        const usage = err instanceof UsageError;
        process.stderr.write(`data: ${err instanceof Error ? err.message : String(err)}\n`);
        if (process.argv.includes('--json'))
          process.stdout.write(`${JSON.stringify({ error: { code: usage ? 'VALIDATION_FAILED' : 'FAILED', message: err instanceof Error ? err.message : String(err) } })}\n`);
        return usage ? 2 : 1;
      },
    )
    .then(async (code) => {
      await pool?.end().catch(() => undefined);
      await c?.close().catch(() => undefined);
      process.exit(code);
    });
}
