/**
 * Replays daily bars from a CSV (date,open,high,low,close[,...], e.g. vega-datasets'
 * sp500-2000.csv) as one symbol's price: each simulated session consumes one row, the price is
 * the row's open at the open and its close at the close. Real paths (2000-02, 2008, 2020) give
 * the strategy tests crashes and gaps that GBM rarely produces.
 */
import fs from 'node:fs';

export interface ReplayOptions {
  symbol: string;
  /** Path of the CSV file. */
  csv: string;
  /** First row to use: the first date >= this (YYYY-MM-DD); default the first row. */
  startDate?: string;
  /** Scale prices so the first replayed close equals this (e.g. to map the S&P 500 onto a $200 stock). */
  scaleTo?: number;
  /**
   * The price during the session: 'open' (default) the row's open from the open on; 'close' the
   * row's close already at the open (the backtester's fill-at-the-close assumption, for the parity check).
   */
  sessionPrice?: 'open' | 'close';
}

export interface DailyRow {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume?: number;
}

export function readBars(csv: string): DailyRow[] {
  const lines = fs
    .readFileSync(csv, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim());
  const head = (lines.shift() ?? '')
    .toLowerCase()
    .split(',')
    .map((h) => h.trim());
  const col = (name: string): number => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`${csv}: no "${name}" column (have ${head.join(',')})`);
    return i;
  };
  const [d, o, h, l, c] = [col('date'), col('open'), col('high'), col('low'), col('close')];
  const v = head.indexOf('volume');
  return lines.map((line, n) => {
    const f = line.split(',');
    const row: DailyRow = { date: f[d] ?? '', open: Number(f[o]), high: Number(f[h]), low: Number(f[l]), close: Number(f[c]) };
    if (v >= 0 && Number(f[v]) >= 0) row.volume = Number(f[v]);
    if (![row.open, row.high, row.low, row.close].every((x) => x > 0)) throw new Error(`${csv}:${n + 2}: bad prices`);
    return row;
  });
}

export class Replay {
  private readonly rows: DailyRow[];
  private i: number;
  private readonly scale: number;

  constructor(readonly opts: ReplayOptions) {
    this.rows = readBars(opts.csv);
    const start = opts.startDate ? this.rows.findIndex((r) => r.date >= opts.startDate!) : 0;
    if (start < 0 || this.rows.length === 0) throw new Error(`${opts.csv}: no rows from ${opts.startDate}`);
    this.i = start;
    this.scale = opts.scaleTo ? opts.scaleTo / this.rows[start]!.close : 1;
  }

  get symbol(): string {
    return this.opts.symbol.toUpperCase();
  }
  private row(): DailyRow {
    return this.rows[Math.min(this.i, this.rows.length - 1)]!;
  }
  /** Price before the first session: the first row's close. */
  current(): number {
    return this.row().close * this.scale;
  }
  open(): number {
    return (this.opts.sessionPrice === 'close' ? this.row().close : this.row().open) * this.scale;
  }
  /** The session's close; the next session uses the next row (the last row repeats at the end). */
  close(): number {
    const p = this.row().close * this.scale;
    this.i++;
    return p;
  }
  date(): string {
    return this.row().date;
  }
}
