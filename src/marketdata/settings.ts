/**
 * Settings of the market-data pipeline, from the environment (validated with zod; described in
 * docs/MARKET-DATA.md). Kept beside src/config.ts rather than in it, so the pipeline's knobs
 * live in one file with the pipeline.
 */
import { z } from 'zod';

const num = (def: number) => z.coerce.number().positive().default(def);

const limitsSchema = z
  .object({
    historicalPerWindow: z.number().int().positive(),
    historicalWindowMs: z.number().int().positive(),
    identicalMs: z.number().int().nonnegative(),
    perContract: z.number().int().positive(),
    perContractWindowMs: z.number().int().positive(),
    lines: z.number().int().positive(),
  })
  .partial()
  .strict();

const schema = z.object({
  /** MD_IB_LIMITS: JSON, e.g. {"historicalPerWindow":60,"historicalWindowMs":600000,"lines":100}; default IB's */
  limits: z.preprocess((v) => {
    if (typeof v !== 'string' || !v.trim()) return {};
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v; // not JSON: the object schema reports it
    }
  }, limitsSchema),
  /** MD_EXTRA_SYMBOLS: symbols collected beside the protocol's underlyings and the held ones */
  extraSymbols: z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim().toUpperCase())
            .filter(Boolean)
        : [],
    z.array(z.string().regex(/^[A-Z][A-Z0-9.]{0,11}$/)),
  ),
  /** MD_CHAIN_WEEKS: expiries within this many weeks are snapshotted */
  chainWeeks: num(4),
  /** MD_CHAIN_WINDOW: strikes within ±this fraction of the underlying */
  chainWindow: num(0.1),
  /** MD_QUOTE_RETENTION_DAYS / MD_CHAIN_RETENTION_DAYS: intraday partitions kept */
  quoteRetentionDays: num(30),
  chainRetentionDays: num(400),
  /** MD_FRESH_QUOTE_MS / MD_FRESH_CHAIN_MS: request_data answers from the store when its data is this recent */
  freshQuoteMs: num(60_000),
  freshChainMs: num(15 * 60_000),
  /** MD_BACKFILL_CHUNK_DAYS: days of history per historical request in a backfill (≤ 365) */
  backfillChunkDays: z.coerce.number().int().min(1).max(365).default(365),
});

export type MarketDataSettings = z.infer<typeof schema>;

export function marketDataSettings(env: NodeJS.ProcessEnv = process.env): MarketDataSettings {
  const r = schema.safeParse({
    limits: env.MD_IB_LIMITS,
    extraSymbols: env.MD_EXTRA_SYMBOLS,
    chainWeeks: env.MD_CHAIN_WEEKS || undefined,
    chainWindow: env.MD_CHAIN_WINDOW || undefined,
    quoteRetentionDays: env.MD_QUOTE_RETENTION_DAYS || undefined,
    chainRetentionDays: env.MD_CHAIN_RETENTION_DAYS || undefined,
    freshQuoteMs: env.MD_FRESH_QUOTE_MS || undefined,
    freshChainMs: env.MD_FRESH_CHAIN_MS || undefined,
    backfillChunkDays: env.MD_BACKFILL_CHUNK_DAYS || undefined,
  });
  if (!r.success) throw new Error(`market-data settings: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}
