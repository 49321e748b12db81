/**
 * An optimisation run with its storage: trials already stored under the run id are not run again
 * (resume), each new trial is stored as it lands, the final report is stored with the run, and a
 * PROPOSE becomes a recommendation for an operator. Storage is PostgreSQL when a client is given,
 * else a JSON-lines file per run (so the CLI works, and resumes, without a database).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PrismaClient } from '../db/client';
import { createRecommendation, finishRun, loadTrials, saveTrial, upsertRun, type RecommendationRow } from '../db/feedback';
import type { OptimizationInput } from '../contracts/feedback';
import { defaultGrid, leapsGrid } from './grid';
import type { PoolSource } from './warmPools';
import { optimize, type OptimizeReport } from './optimize';
import type { TrialResult } from './trial';

export interface RunHooks {
  onTrial?: (done: number, total: number, trial: TrialResult) => void;
  /** directory of the file store when there is no database (default reports/optimize) */
  fileDir?: string;
  /** trial pools (a long-running worker keeps one warm between runs: warmPools.ts) */
  pools?: PoolSource;
}

export function gridOf(kind: OptimizationInput['kind']) {
  return kind === 'LEAPS' ? leapsGrid() : defaultGrid();
}

function fileStore(dir: string, runId: string) {
  const file = path.join(dir, `${runId.replace(/[^A-Za-z0-9_.-]/g, '_')}.trials.jsonl`);
  return {
    file,
    load(): Map<string, TrialResult> {
      if (!fs.existsSync(file)) return new Map();
      const out = new Map<string, TrialResult>();
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const t = JSON.parse(line) as TrialResult;
          out.set(t.id, t);
        } catch {
          // a line cut by a crash: that trial runs again
        }
      }
      return out;
    },
    save(t: TrialResult): void {
      fs.mkdirSync(dir, { recursive: true });
      fs.appendFileSync(file, `${JSON.stringify(t)}\n`);
    },
  };
}

export interface RunOutcome {
  report: OptimizeReport;
  recommendation: RecommendationRow | null;
  storage: string;
}

export async function runOptimization(prisma: PrismaClient | null, input: OptimizationInput, hooks: RunHooks = {}): Promise<RunOutcome> {
  const csvText = fs.readFileSync(input.dataPath, 'utf8');
  const candidates = gridOf(input.kind);
  const fstore = fileStore(hooks.fileDir ?? path.join('reports', 'optimize'), input.runId);
  let done: Map<string, TrialResult>;
  if (prisma) {
    await upsertRun(prisma, input.runId, input.kind, { ...input, candidates: candidates.map((c) => c.id) });
    done = await loadTrials<TrialResult>(prisma, input.runId);
  } else done = fstore.load();
  const report = await optimize({
    csvText,
    candidates,
    kind: input.kind,
    done,
    ...(input.options ? { options: input.options } : {}),
    ...(input.walkForward ? { walkForward: input.walkForward } : {}),
    ...(input.workers ? { workers: input.workers } : {}),
    ...(hooks.pools ? { pools: hooks.pools } : {}),
    onTrial: async (t, n, total) => {
      if (prisma) await saveTrial(prisma, input.runId, t as unknown as { id: string; label: string });
      else fstore.save(t);
      hooks.onTrial?.(n, total, t);
    },
  });
  let recommendation: RecommendationRow | null = null;
  if (prisma) {
    await finishRun(prisma, input.runId, report);
    if (report.recommendation.action === 'PROPOSE')
      recommendation = await createRecommendation(prisma, {
        id: `rec-${input.runId}`,
        kind: input.kind === 'LEAPS' ? 'LEAPS' : 'OPTIMIZATION',
        source: `optimization:${input.runId}`,
        evidence: {
          reason: report.recommendation.reason,
          label: report.recommendation.label,
          out_of_sample: report.out_of_sample,
          overfitting: report.overfitting,
          deflated_sharpe: report.deflated_sharpe,
          windows: report.windows.length,
          span: report.span,
        },
        proposedConfig: { protocol: report.recommendation.protocol },
      });
  }
  return { report, recommendation, storage: prisma ? 'postgresql' : fstore.file };
}
