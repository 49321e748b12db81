/**
 * Money for display, exact: amounts arrive as integer cents (number or bigint) or as decimal
 * strings (broker prices), and are formatted with string/bigint arithmetic, never a float
 * multiplication, so $0.29 never shows as $0.28.
 */

const group = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function toBigCents(cents: number | bigint): bigint {
  if (typeof cents === 'bigint') return cents;
  if (!Number.isSafeInteger(cents)) throw new RangeError(`cents must be a safe integer: ${cents}`);
  return BigInt(cents);
}

/** 123456 → "$1,234.56"; -5 → "-$0.05"; `sign: true` adds "+" to positive amounts. */
export function formatCents(cents: number | bigint, opts: { sign?: boolean; currency?: string } = {}): string {
  const c = toBigCents(cents);
  const neg = c < 0n;
  const abs = neg ? -c : c;
  const body = `${opts.currency ?? '$'}${group((abs / 100n).toString())}.${(abs % 100n).toString().padStart(2, '0')}`;
  return neg ? `-${body}` : opts.sign && abs > 0n ? `+${body}` : body;
}

/** Null-safe: "—" for an amount the backend does not have. */
export const formatCentsOrDash = (cents: number | bigint | null | undefined, opts?: { sign?: boolean }): string => (cents === null || cents === undefined ? '—' : formatCents(cents, opts));

/**
 * A decimal string price ("150.2500", "-3", "0.5") for display with at least `minDp` and at most
 * `maxDp` decimals (extra digits rounded half-up on the string), thousands grouped. Anything
 * else is shown as received.
 */
export function formatPrice(value: string | null | undefined, minDp = 2, maxDp = 4): string {
  if (value === null || value === undefined || value === '') return '—';
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) return value; // not plain decimal notation (e.g. "1e-7"): shown as received, never a crashed page
  const [, sign, int, frac = ''] = m;
  let digits = BigInt(int! + frac.padEnd(maxDp, '0').slice(0, maxDp));
  if (frac.length > maxDp && Number(frac[maxDp]) >= 5) digits += 1n;
  const s = digits.toString().padStart(maxDp + 1, '0');
  let whole = s.slice(0, s.length - maxDp);
  let dec = s.slice(s.length - maxDp);
  while (dec.length > minDp && dec.endsWith('0')) dec = dec.slice(0, -1);
  whole = group(whole);
  const zero = /^[0,]*$/.test(whole) && /^0*$/.test(dec);
  return `${sign && !zero ? '-' : ''}${whole}${dec ? `.${dec}` : ''}`;
}

/** Short axis label: 1_234_567_89 cents → "$1.23M"; below $10,000 the exact amount without cents. */
export function formatCentsShort(cents: number): string {
  const d = cents / 100;
  const a = Math.abs(d);
  const s = d < 0 ? '-' : '';
  if (a >= 1e9) return `${s}$${(a / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${s}$${(a / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${s}$${(a / 1e3).toFixed(1)}k`;
  return `${s}$${Math.round(a).toLocaleString('en-US')}`;
}

/** CSS class of a signed amount: gain, loss or flat. */
export const pnlClass = (cents: number | null | undefined): 'pnl-pos' | 'pnl-neg' | 'pnl-zero' => (!cents ? 'pnl-zero' : cents > 0 ? 'pnl-pos' : 'pnl-neg');

/** 0.05 → "5 %"; 0.015 → "1.5 %". */
export const formatShare = (f: number): string => `${Number((f * 100).toFixed(2))} %`;
