/**
 * Daily bar CSV loader: validates and refuses a bad file with the line number and the reason.
 * It never repairs (no sorting, no dropping, no filling). Exchange closures are not gaps; a bar
 * on a weekend or closed day is an error, as is more than `maxGapDays` days without a bar.
 */
import { fromDecimal } from '../domain/money';
import { toEpochDay, isTradingDay } from '../domain/calendar';
import { type Bar } from '../domain/indicators';

export class CsvError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'CsvError';
  }
}

const REQUIRED = ['date', 'open', 'high', 'low', 'close'] as const;
const NUM = /^-?\d+(\.\d+)?$/;

function price(cells: string[], at: Record<(typeof REQUIRED)[number], number>, col: 'open' | 'high' | 'low' | 'close', line: number): number {
  const raw = (cells[at[col]] ?? '').trim();
  if (!NUM.test(raw)) throw new CsvError(line, `${col} is not a number: '${raw}'`);
  const c = fromDecimal(raw, 'HALF_UP');
  if (c <= 0) throw new CsvError(line, `${col} must be positive: ${raw}`);
  return c;
}

export function parseBarsCsv(text: string, opts: { maxGapDays: number }): Bar[] {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new CsvError(1, `missing column(s): ${missing.join(', ')} (header: ${header.join(',')})`);
  const at = Object.fromEntries(REQUIRED.map((c) => [c, header.indexOf(c)])) as Record<(typeof REQUIRED)[number], number>;
  const volumeAt = header.indexOf('volume');
  if (lines.length < 2) throw new CsvError(2, 'no data rows');

  const bars: Bar[] = [];
  let prevDay = -Infinity;
  for (let n = 1; n < lines.length; n++) {
    const line = n + 1;
    const cells = (lines[n] ?? '').split(',');
    if (cells.length !== header.length) throw new CsvError(line, `expected ${header.length} fields, found ${cells.length}`);
    const date = (cells[at.date] ?? '').trim();
    let day: number;
    try {
      day = toEpochDay(date);
    } catch {
      throw new CsvError(line, `invalid date '${date}' (want YYYY-MM-DD)`);
    }
    if (day === prevDay) throw new CsvError(line, `duplicate date ${date}`);
    if (day < prevDay) throw new CsvError(line, `dates not sorted: ${date} after the previous row`);
    if (!isTradingDay(date)) throw new CsvError(line, `${date} is not a trading day (weekend or exchange closure)`);
    if (bars.length > 0 && day - prevDay > opts.maxGapDays) throw new CsvError(line, `gap of ${day - prevDay} days without a bar before ${date} (max ${opts.maxGapDays})`);
    const bar: Bar = { date, open: price(cells, at, 'open', line), high: price(cells, at, 'high', line), low: price(cells, at, 'low', line), close: price(cells, at, 'close', line) };
    if (bar.high < bar.low) throw new CsvError(line, `high ${cells[at.high]} < low ${cells[at.low]}`);
    for (const col of ['open', 'close'] as const) if (bar[col] > bar.high || bar[col] < bar.low) throw new CsvError(line, `${col} ${cells[at[col]]} outside [low, high]`);
    if (volumeAt >= 0) {
      const v = (cells[volumeAt] ?? '').trim();
      if (!NUM.test(v) || v.startsWith('-')) throw new CsvError(line, `volume is not a non-negative number: '${v}'`);
    }
    bars.push(bar);
    prevDay = day;
  }
  return bars;
}
