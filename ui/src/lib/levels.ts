/**
 * Protocol levels (PROTOCOL §2) and instruction states as colours. Every pair of text and
 * background colour here has a contrast ratio of at least 4.5:1 (WCAG AA), checked by the tests.
 */

export type Level = 0 | 1 | 2 | 3;

export interface Swatch {
  label: string;
  title: string;
  fg: string;
  bg: string;
}

export const LEVEL_SWATCHES: Readonly<Record<Level, Swatch>> = {
  0: { label: 'L0 hold', title: 'level 0: move < 1 ATR, hold and let it expire', fg: '#0b5d1e', bg: '#dcf5e3' },
  1: { label: 'L1 watch', title: 'level 1: 1–2 ATR, watch hourly, no new entries in the symbol', fg: '#6b4a00', bg: '#fff1c2' },
  2: { label: 'L2 roll', title: 'level 2: 2–3 ATR, roll for a net credit or not at all', fg: '#8a3000', bg: '#ffe0cc' },
  3: { label: 'L3 recovery', title: 'level 3: ≥ 3 ATR, recovery: take assignment, covered calls at or above cost', fg: '#ffffff', bg: '#b3261e' },
};
export const UNKNOWN_LEVEL: Swatch = { label: 'n/a', title: 'no level: not an engine-managed short option, or no position monitor is running', fg: '#3d4450', bg: '#e8eaee' };

/** The swatch of a level; anything that is not 0–3 (null, undefined, 7) is "n/a", never a guess. */
export function levelSwatch(level: number | null | undefined): Swatch {
  return level === 0 || level === 1 || level === 2 || level === 3 ? LEVEL_SWATCHES[level] : UNKNOWN_LEVEL;
}

const STATUS: Record<string, Swatch> = {
  FILLED: { label: 'FILLED', title: 'filled at the broker', fg: '#0b5d1e', bg: '#dcf5e3' },
  REJECTED: { label: 'REJECTED', title: 'rejected (risk, kill switch or broker)', fg: '#ffffff', bg: '#b3261e' },
  CANCELLED: { label: 'CANCELLED', title: 'cancelled', fg: '#3d4450', bg: '#e8eaee' },
  EXPIRED: { label: 'EXPIRED', title: 'expired unfilled', fg: '#3d4450', bg: '#e8eaee' },
  PARTIALLY_FILLED: { label: 'PARTIALLY_FILLED', title: 'partly filled', fg: '#6b4a00', bg: '#fff1c2' },
};
/** Instruction status colours; in-flight states (RECEIVED, SUBMITTED, ...) are blue. */
export function statusSwatch(status: string): Swatch {
  return STATUS[status] ?? { label: status, title: 'in flight', fg: '#0a3d91', bg: '#dde8fb' };
}

/** WCAG relative luminance of "#rrggbb". */
export function luminance(hex: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new RangeError(`not a #rrggbb colour: ${hex}`);
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => {
    const c = parseInt(h!, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** WCAG contrast ratio of two colours (1–21). */
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x! + 0.05) / (y! + 0.05);
}
