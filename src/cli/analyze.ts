/**
 * `npm run analyze -- [--data <csv>] [--chains <json>] [--json]`: performance analysis cut by
 * week type, account, underlying, regime, level and configuration version; premium analysis
 * (implied vs realised volatility, expected move, premium per unit of risk at the protocol's
 * deltas) with a ranking; and the drift of live results against the back-test over the same
 * weeks. Live rows come from PostgreSQL when DATABASE_URL reaches a migrated database, else the
 * analysis is back-test only, and `source` says which. The LAST stdout line is one JSON object.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../config';
import { closePrisma, getPrisma } from '../db/client';
import { feedbackStoreReachable, loadLiveWeeks } from '../db/feedback';
import { currentProtocolConfig } from '../db/protocolConfig';
import { CsvError, parseBarsCsv } from '../backtest/csv';
import { parseBacktestOptions } from '../backtest/options';
import { backtestProtocol } from '../backtest/run';
import { divideCents } from '../backtest/market';
import { WEEK_TYPES, type WeekType } from '../domain/weekTypes';
import { ASSIGNED_TYPES, backtestRows } from '../feedback/backtestRows';
import { driftReport, performanceReport, type PerformanceRow } from '../feedback/performance';
import { analyzePremium, rankUnderlyings, type ChainSnapshot } from '../feedback/premium';
import { DEFAULT_DATA } from './optimize.defaults';

const program = new Command()
  .name('analyze')
  .option('--data <csv...>', 'daily bars; SYMBOL=path to name the underlying (repeatable)', [DEFAULT_DATA])
  .option('--chains <json>', 'stored option-chain snapshots (JSON array of {date, expiry, spotCents, quotes[]}) for the first underlying')
  .option('--json', 'only the JSON line on stdout (it is always the last line)');

const asType = (t: string): WeekType => ((WEEK_TYPES as readonly string[]).includes(t) ? (t as WeekType) : 'W-IDL');

async function main(): Promise<void> {
  const o = program.parse(process.argv).opts<{ data: string[]; chains?: string; json?: boolean }>();
  const config = loadConfig(process.env);
  const sets = o.data.map((d, i) => {
    const [sym, file] = d.includes('=') ? (d.split('=', 2) as [string, string]) : [i === 0 ? 'SPX' : path.basename(d, '.csv').toUpperCase(), d];
    return { symbol: sym, bars: parseBarsCsv(fs.readFileSync(file, 'utf8'), { maxGapDays: 7 }) };
  });
  const dbOk = await feedbackStoreReachable(config.databaseUrl);
  const prisma = dbOk ? getPrisma(config.databaseUrl) : null;
  const version = prisma ? await currentProtocolConfig(prisma) : null;

  // Back-test rows of every data set, under the current configuration version when the database has one.
  const rows: PerformanceRow[] = [];
  for (const s of sets) {
    const opts = parseBacktestOptions({ symbol: s.symbol });
    const p = backtestProtocol(opts, version?.config);
    rows.push(...backtestRows(s.bars, p, opts, version ? `v${version.version}` : 'defaults').rows);
  }
  const live: PerformanceRow[] = prisma
    ? (await loadLiveWeeks(prisma)).map((r) => ({
        source: 'LIVE',
        week: r.week,
        account: r.accountId,
        kind: r.kind,
        underlying: r.symbol,
        weekType: asType(r.type),
        regime: r.regime,
        level: null,
        configVersion: version ? `v${version.version}` : 'defaults',
        premiumCents: r.premiumCents,
        expectedPremiumCents: null,
        assigned: ASSIGNED_TYPES.has(asType(r.type)),
        realizedPnlCents: r.premiumCents - r.commissionCents,
        unrealizedPnlCents: 0,
        valueCents: 0,
      }))
    : [];
  const chains: ChainSnapshot[] = o.chains ? (JSON.parse(fs.readFileSync(o.chains, 'utf8')) as ChainSnapshot[]) : [];
  const premium = sets.map((s, i) => {
    const unit = parseBacktestOptions({}).unitDivisor;
    const bars = s.bars.map((b) => ({ ...b, open: divideCents(b.open, unit), high: divideCents(b.high, unit), low: divideCents(b.low, unit), close: divideCents(b.close, unit) }));
    return analyzePremium(s.symbol, bars, i === 0 ? chains : []);
  });
  const out = {
    source: live.length ? 'live+backtest' : 'backtest',
    source_note: prisma
      ? live.length
        ? `live rows from PostgreSQL (${live.length} account-weeks)`
        : 'database reached, but it holds no live account-weeks yet'
      : 'no migrated database reachable at DATABASE_URL: back-test only',
    configuration_version: version?.version ?? null,
    backtest: { rows: rows.length, performance: performanceReport(rows) },
    live: live.length ? { rows: live.length, performance: performanceReport(live) } : null,
    drift: live.length
      ? driftReport(
          live,
          rows.filter((r) => r.account.startsWith('F0:')),
        )
      : null,
    premium,
    ranking: rankUnderlyings(premium),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`analyze failed: ${(e as Error).message}\n`);
    process.stdout.write(`${JSON.stringify({ error: { code: e instanceof CsvError ? 'BAD_DATA' : 'ANALYZE_FAILED', message: (e as Error).message } })}\n`);
    process.exitCode = 2;
  })
  .finally(() => void closePrisma());
