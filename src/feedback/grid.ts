/**
 * Candidates of an optimisation: protocol overrides plus back-test options, each with a stable id
 * (the same parameters always give the same id, so a stored trial is found again on resume).
 */
import type { DeepPartial, ProtocolConfig } from '../domain/config';
import type { BacktestOptions } from '../backtest/options';

export interface Candidate {
  id: string;
  /** a short human label of what differs from the defaults */
  label: string;
  protocol: DeepPartial<ProtocolConfig>;
  options: Partial<BacktestOptions>;
}

/** Deterministic JSON (sorted keys): the id of a parameter set. */
export function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (x && typeof x === 'object')
    return `{${Object.keys(x)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((x as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(x);
}

/** FNV-1a 32-bit of a string, as 8 hex digits. */
export function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export const candidate = (label: string, protocol: DeepPartial<ProtocolConfig>, options: Partial<BacktestOptions> = {}): Candidate => ({
  id: `c-${fnv1a(canonical({ protocol, options }))}`,
  label,
  protocol,
  options,
});

/**
 * The default protocol grid (12 sets): Gen-Acc delta band (3), the level-2 roll threshold in ATRs
 * (2) and the high-volatility size factor (2). The first candidate is the protocol's defaults.
 */
export function defaultGrid(): Candidate[] {
  const bands: [number, number][] = [
    [0.4, 0.5],
    [0.3, 0.4],
    [0.45, 0.55],
  ];
  const rolls = [2, 2.5];
  const sizes = [0.5, 1];
  const out: Candidate[] = [];
  for (const [lo, hi] of bands)
    for (const roll of rolls)
      for (const size of sizes)
        out.push(
          candidate(`GEN δ ${lo}-${hi}, roll ${roll} ATR, high-vol size ${size}`, {
            accounts: { GEN: { deltaMin: lo, deltaMax: hi } },
            levels: { rollAtr: roll },
            signals: { highVolSizeFactor: size },
          }),
        );
  return out;
}

/**
 * The LEAPS grid (12 sets): target delta band (3) × tenor bought in months (2) × roll rule (sell
 * when fewer than N months remain: 2). The first candidate is the protocol's defaults.
 */
export function leapsGrid(): Candidate[] {
  const deltas: [number, number][] = [
    [0.7, 0.8],
    [0.6, 0.7],
    [0.8, 0.9],
  ];
  const tenors = [24, 18];
  const rolls = [12, 6];
  const out: Candidate[] = [];
  for (const [lo, hi] of deltas)
    for (const months of tenors)
      for (const minMonths of rolls)
        out.push(
          candidate(
            `LEAPS δ ${lo}-${hi}, ${months} months, sell under ${minMonths} months`,
            { reinvest: { leapsDeltaMin: lo, leapsDeltaMax: hi, leapsMinMonths: minMonths, leapsMaxMonths: months } },
            { leapsMonths: months },
          ),
        );
  return out;
}
