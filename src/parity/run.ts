/**
 * The parity check end to end: the shared setup, the backtester's decisions, the live engine's
 * over the same bars, and their comparison. `npm run parity` and test/integration/parity.test.ts
 * both call this.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ParityMismatch, ParityReport } from '../contracts/parity';
import { isTradingDay, weekdayOf } from '../domain/calendar';
import type { Logger } from '../logger';
import { backtestDecisions } from './backtestSide';
import { diffDecisions } from './compare';
import { liveDecisions, type LiveSideOptions } from './liveSide';
import { paritySetup } from './setup';

export const parityArgsSchema = z
  .object({
    data: z.string().min(1),
    from: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'want YYYY-MM-DD')
      .refine((d) => weekdayOf(d) === 1 && isTradingDay(d), 'must be a Monday that is a trading day'),
    weeks: z.coerce.number().int().min(1).max(260),
    symbol: z
      .string()
      .regex(/^[A-Z]{1,6}$/)
      .default('SPY'),
    json: z.boolean().default(false),
  })
  .strict();
export type ParityArgs = z.infer<typeof parityArgsSchema>;

export interface ParityRun {
  report: ParityReport;
  mismatches: ParityMismatch[];
}

export async function runParity(a: ParityArgs, live: Omit<LiveSideOptions, 'progress'>, progress: (line: string) => void, logger: Logger): Promise<ParityRun> {
  const setup = paritySetup({ data: a.data, from: a.from, weeks: a.weeks, symbol: a.symbol });
  try {
    progress(`bars ${setup.bars[0]?.date} – ${setup.bars[setup.bars.length - 1]?.date}, traded weeks ${setup.tradedWeeks[0]} – ${setup.tradedWeeks[setup.tradedWeeks.length - 1]}`);
    const backtest = backtestDecisions(setup);
    progress(`backtest: ${backtest.length} decisions`);
    const liveSide = await liveDecisions(setup, { ...live, progress });
    progress(`live: ${liveSide.length} decisions`);
    const d = diffDecisions(backtest, liveSide);
    // PARITY_DUMP=<dir>: both sides' decisions as JSON, to study a mismatch.
    if (process.env.PARITY_DUMP) {
      fs.mkdirSync(process.env.PARITY_DUMP, { recursive: true });
      for (const [name, list] of [
        ['backtest', backtest],
        ['live', liveSide],
      ] as const)
        fs.writeFileSync(path.join(process.env.PARITY_DUMP, `${name}.json`), list.map((x) => JSON.stringify(x)).join('\n') + '\n');
    }
    logger.debug('parity compared', { weeks: d.weeks, decisions: d.decisions, mismatches: d.mismatches.length });
    return { report: { weeks: d.weeks, decisions: d.decisions, mismatches: d.mismatches.length, first_mismatch: d.mismatches[0] ?? null }, mismatches: d.mismatches };
  } finally {
    setup.cleanup();
  }
}

/** One mismatch as a readable line. */
export function describeMismatch(m: ParityMismatch): string {
  const show = (x: unknown) => (x === null ? '—' : JSON.stringify(x));
  const fields = m.fields.filter((f) => !f.startsWith('missing'));
  const diff = fields.length
    ? fields.map((f) => `${f}: backtest ${show((m.backtest as Record<string, unknown> | null)?.[f])} ≠ live ${show((m.live as Record<string, unknown> | null)?.[f])}`).join('; ')
    : m.fields.join('; ');
  return `${m.week} ${m.kind} ${m.key} — ${diff}`;
}
