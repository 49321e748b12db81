/**
 * The protocol configuration (PROTOCOL.md): every number of the rules, with its default, in one
 * zod schema. Domain functions take the slice they need as a parameter; none holds a literal.
 * Per-account overrides are merged onto the defaults and validated again (`withOverrides`).
 */
import { z } from 'zod';

export const ACCOUNT_KINDS = ['GEN', 'REV', 'COM'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

const fraction = z.number().min(0).max(1);
const ticker = z.string().regex(/^[A-Z][A-Z.]{0,9}$/);
const weekday = z.number().int().min(1).max(5);
const cents = z.number().int().nonnegative();

const accountSchema = z
  .object({
    share: fraction.describe('share of the lump sum'),
    instrument: z.enum(['CASH_SECURED_PUT', 'COVERED_CALL']),
    deltaMin: fraction.describe('lower end of the target |delta| band'),
    deltaMax: fraction.describe('upper end of the target |delta| band'),
    underlyings: z.array(ticker).min(1),
    entryWeekdays: z.array(weekday).min(1).describe('ISO weekdays, 1 = Monday'),
    targetWeeklyPremium: fraction.describe('target premium per week as a fraction of account value'),
    concentrationLimit: fraction.describe('max fraction of account value at risk in one symbol'),
    cashBuffer: fraction.describe('fraction of account value no order may consume'),
  })
  .refine((a) => a.deltaMin <= a.deltaMax, { message: 'deltaMin must be ≤ deltaMax', path: ['deltaMin'] });
export type AccountConfig = z.infer<typeof accountSchema>;

/** Per-account defaults (PROTOCOL §1 table); a partial account override is merged onto these. */
export const ACCOUNT_DEFAULTS: Readonly<Record<AccountKind, AccountConfig>> = {
  GEN: {
    share: 0.4,
    instrument: 'CASH_SECURED_PUT',
    deltaMin: 0.4,
    deltaMax: 0.5,
    underlyings: ['TSLA', 'NVDA'],
    entryWeekdays: [4],
    targetWeeklyPremium: 0.015,
    concentrationLimit: 0.1,
    cashBuffer: 0.05,
  },
  REV: {
    share: 0.3,
    instrument: 'CASH_SECURED_PUT',
    deltaMin: 0.3,
    deltaMax: 0.4,
    underlyings: ['AAPL', 'AMZN', 'MSFT'],
    entryWeekdays: [1, 2, 3],
    targetWeeklyPremium: 0.01,
    concentrationLimit: 0.2,
    cashBuffer: 0.05,
  },
  // The protocol sets no concentration limit for Com-Acc: 1 means "none beyond the account".
  COM: {
    share: 0.3,
    instrument: 'COVERED_CALL',
    deltaMin: 0.2,
    deltaMax: 0.3,
    underlyings: ['AAPL', 'AMZN', 'MSFT', 'GOOGL', 'META', 'NVDA', 'TSLA'],
    entryWeekdays: [1],
    targetWeeklyPremium: 0.005,
    concentrationLimit: 1,
    cashBuffer: 0.05,
  },
};

export const protocolSchema = z
  .object({
    accounts: z
      .object({
        GEN: accountSchema.prefault(ACCOUNT_DEFAULTS.GEN),
        REV: accountSchema.prefault(ACCOUNT_DEFAULTS.REV),
        COM: accountSchema.prefault(ACCOUNT_DEFAULTS.COM),
      })
      .prefault({}),
    fork: z
      .object({
        thresholdCents: cents.default(5_000_000).describe('Gen-Acc gain over its base that triggers a fork ($50,000)'),
        toForkedShare: fraction.default(0.5).describe('share of the surplus that becomes the forked account'),
        forkedGenShare: fraction.default(0.5).describe('Gen share of a forked account (rest is its Com)'),
      })
      .prefault({}),
    merge: z.object({ thresholdCents: cents.default(50_000_000).describe('forked value that merges back ($500,000)') }).prefault({}),
    reinvest: z
      .object({
        everyMonths: z.number().int().min(1).default(3),
        contractsShare: fraction.default(0.75),
        leapsShare: fraction.default(0.25),
        leapsMinMonths: z.number().int().min(1).default(12),
        leapsMaxMonths: z.number().int().min(1).default(24),
        leapsDeltaMin: fraction.default(0.7),
        leapsDeltaMax: fraction.default(0.8),
        leapsStrikeMin: z.number().positive().default(0.5).describe('LEAPS strikes quoted from this fraction of spot (deep in the money)…'),
        leapsStrikeMax: z.number().positive().default(1.05).describe('…up to this fraction of spot'),
      })
      .prefault({})
      .refine((r) => Math.abs(r.contractsShare + r.leapsShare - 1) < 1e-12, { message: 'contractsShare + leapsShare must be 1' }),
    weekTypes: z
      .object({
        assignmentLossLimit: fraction.default(0.05).describe('L: assignment loss limit below K'),
        deepDrawdownAtr: z.number().positive().default(3).describe('S < K − n × A is P-DD'),
        strongAppreciation: fraction.default(0.05).describe('C-WAP+ when K ≥ B × (1 + this)'),
      })
      .prefault({}),
    levels: z
      .object({ watchAtr: z.number().positive().default(1), rollAtr: z.number().positive().default(2), recoveryAtr: z.number().positive().default(3) })
      .prefault({})
      .refine((l) => l.watchAtr < l.rollAtr && l.rollAtr < l.recoveryAtr, { message: 'levels must increase' }),
    regime: z
      .object({
        atrPeriod: z.number().int().min(1).default(14),
        fastMa: z.number().int().min(1).default(10),
        slowMa: z.number().int().min(1).default(30),
        volLookback: z.number().int().min(1).default(52).describe('weeks in the ATR/close median'),
        highVolRatio: z.number().positive().default(1.25),
        lowVolRatio: z.number().positive().default(0.75),
      })
      .prefault({}),
    signals: z
      .object({
        highVolSizeFactor: fraction.default(0.5),
        maxReprices: z.number().int().min(0).default(2),
        repriceStep: fraction.default(0.5).describe('each re-price moves this fraction of (mid − bid) towards the bid'),
        timeInForce: z.enum(['DAY', 'GTC']).default('DAY'),
        deltaTolerance: fraction
          .default(0.05)
          .describe("at entry, the chosen strike's |delta| may lie this far outside the band (listed strikes are discrete: near expiry one step moves delta by ~0.15)"),
        chainWindow: fraction.default(0.3).describe('strikes quoted: out of the money up to this fraction of spot (puts 70–100 %, calls 100–130 %)'),
        chainWindowInTheMoney: fraction
          .default(0.05)
          .describe('strikes quoted in the money up to this fraction of spot (puts 100–105 %, calls 95–100 %): near expiry the strike nearest the target delta can be a step in the money'),
        repriceAfterMinutes: z.number().positive().default(15).describe('a resting limit order works this long before it is re-priced (or skipped)'),
      })
      .prefault({}),
    monitor: z
      .object({
        watchEveryMinutes: z.number().positive().default(60).describe('level ≥ 1: check this often while the market is open (hourly)'),
        holdEveryMinutes: z.number().positive().default(1440).describe('level 0: check this often (daily); a check that would fall outside market hours moves to the next open'),
        maxRollAttempts: z.number().int().min(1).default(3).describe('a roll whose close or open did not fill is retried at the next checks, at most this many attempts in all'),
        dailyBarsDays: z.number().int().min(2).default(30).describe('calendar days of daily bars fetched for the monitor ATR (more than regime.atrPeriod trading days)'),
      })
      .prefault({}),
    risk: z
      .object({
        limitBand: fraction.default(0.2).describe('limit price must be within mid × (1 ± band)'),
        limitBandMinCents: cents.default(5).describe("the band is never narrower than this ($0.05): a penny option's mid moves by more than 20 % in one tick"),
        maxOrderContracts: z.number().int().min(1).default(500).describe('per option order'),
        maxOrderShares: z.number().int().min(1).default(10_000).describe('per stock order'),
        maxOrderNotionalCents: cents.default(500_000_000).describe('$5,000,000 per order'),
        maxOpenOrdersPerStrategy: z.number().int().min(1).default(50),
        pacingPerSecond: z.number().int().min(1).default(50).describe('Interactive Brokers: 50 messages/second'),
        maxPacingWaitMs: z.number().int().min(0).default(10_000).describe('an order that would wait longer than this behind the pacing queue is refused'),
      })
      .prefault({}),
    market: z
      .object({
        timeZone: z.string().default('America/New_York'),
        open: z
          .string()
          .regex(/^\d{2}:\d{2}$/)
          .default('09:30'),
        close: z
          .string()
          .regex(/^\d{2}:\d{2}$/)
          .default('16:00'),
        earlyClose: z
          .string()
          .regex(/^\d{2}:\d{2}$/)
          .default('13:00'),
        contractMultiplier: z.number().int().min(1).default(100),
        commissionPerContractCents: cents.default(65),
      })
      .prefault({}),
  })
  .refine((c) => Math.abs(c.accounts.GEN.share + c.accounts.REV.share + c.accounts.COM.share - 1) < 1e-12, {
    message: 'account shares must add up to 1',
    path: ['accounts'],
  });

export type ProtocolConfig = z.infer<typeof protocolSchema>;
export type ProtocolInput = z.input<typeof protocolSchema>;

export class ProtocolConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid protocol config: ${issues.join('; ')}`);
    this.name = 'ProtocolConfigError';
  }
}

/** Deep merge of plain objects; an array or scalar in `over` replaces (underlyings are a list, not a patch). */
function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (Array.isArray(over) || typeof over !== 'object' || over === null || typeof base !== 'object' || base === null) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
  return out;
}

/** Validates a (partial) config and fills in the defaults; throws with every bad key named. */
export function parseProtocolConfig(input: unknown = {}): ProtocolConfig {
  const r = protocolSchema.safeParse(merge({ accounts: ACCOUNT_DEFAULTS }, input));
  if (!r.success) throw new ProtocolConfigError(r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  return r.data;
}

export const DEFAULT_PROTOCOL: ProtocolConfig = parseProtocolConfig({});

export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** Two overrides merged (the second wins key by key); not validated: it is still an override. */
export const mergeOverrides = (a: DeepPartial<ProtocolConfig>, b: DeepPartial<ProtocolConfig>): DeepPartial<ProtocolConfig> => merge(a, b) as DeepPartial<ProtocolConfig>;

/** base + overrides (e.g. one account's delta band), validated again as a whole. */
export const withOverrides = (base: ProtocolConfig, overrides: DeepPartial<ProtocolConfig>): ProtocolConfig => parseProtocolConfig(merge(base, overrides));
