/**
 * `npm run learn -- --data <csv> [--json]`: trains the assignment model walk-forward on the
 * data and judges it out of sample against naive baselines. The LAST stdout line is one JSON
 * object with `metric`, `oos_score`, `baseline_score` (lower is better for the Brier score).
 * When the model beats the better baseline and a migrated database is reachable, a MODEL
 * recommendation is stored for an operator; otherwise the model stays advice only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../config';
import { closePrisma, getPrisma } from '../db/client';
import { createRecommendation, feedbackStoreReachable } from '../db/feedback';
import { CsvError, parseBarsCsv } from '../backtest/csv';
import { buildSamples, learnWalkForward } from '../feedback/learn';
import { fnv1a } from '../feedback/grid';
import { DEFAULT_DATA } from './optimize.defaults';

const program = new Command()
  .name('learn')
  .option('--data <csv>', 'daily bars: date,open,high,low,close', DEFAULT_DATA)
  .option('--json', 'only the JSON line on stdout (it is always the last line)')
  .option('--steps <n>', 'fixed gradient-descent steps per fit (default: chosen by nested validation)', (v) => Number(v));

async function main(): Promise<void> {
  const o = program.parse(process.argv).opts<{ data: string; json?: boolean; steps?: number }>();
  const text = fs.readFileSync(o.data, 'utf8');
  const bars = parseBarsCsv(text, { maxGapDays: 7 });
  const t0 = performance.now();
  const report = learnWalkForward(buildSamples(bars), o.steps ? { steps: o.steps } : {});
  const elapsed = Math.round(performance.now() - t0);
  const config = loadConfig(process.env);
  let recommendationId: string | null = null;
  if (report.beats_baseline && (await feedbackStoreReachable(config.databaseUrl))) {
    const id = `rec-learn-${fnv1a(`${path.basename(o.data)}:${text.length}:${report.oos_score}`)}`;
    await createRecommendation(getPrisma(config.databaseUrl), {
      id,
      kind: 'MODEL',
      source: `learn:${path.basename(o.data)}`,
      evidence: {
        metric: report.metric,
        oos_score: report.oos_score,
        baseline_score: report.baseline_score,
        baseline: report.baseline,
        oos_weeks: report.oos_weeks,
        model: report.model,
        target: report.target,
        next_week: report.next_week,
      },
      proposedConfig: { protocol: {} },
    });
    recommendationId = id;
  }
  process.stderr.write(
    `model ${report.status}: OOS ${report.metric} ${report.oos_score.toFixed(5)} vs ${report.baseline} ${report.baseline_score.toFixed(5)} over ${report.oos_weeks} weeks (${elapsed} ms)\n`,
  );
  process.stdout.write(`${JSON.stringify({ ...report, elapsed_ms: elapsed, recommendation_id: recommendationId })}\n`);
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`learn failed: ${(e as Error).message}\n`);
    process.stdout.write(`${JSON.stringify({ error: { code: e instanceof CsvError ? 'BAD_DATA' : 'LEARN_FAILED', message: (e as Error).message } })}\n`);
    process.exitCode = 2;
  })
  .finally(() => void closePrisma());
