/**
 * The market-data store (issue 15): daily bars, quotes and option-chain snapshots in
 * time-partitioned tables (migration 20261205150000_market_data; outside schema.prisma), and
 * the quarantine of rows that failed a rule. Plain SQL on a pg pool: COPY into a temporary
 * staging table, then INSERT … SELECT … ON CONFLICT DO NOTHING, so re-ingesting never
 * duplicates a row. Partitions are created on demand (a year for bars, a month for quotes and
 * chains); `dropExpiredPartitions` is the retention policy for intraday data.
 */
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { withConnection } from './client';
import { addDays, marketSession, type IsoDate } from '../domain/calendar';
import type { Bar } from '../domain/indicators';
import {
  checkBars,
  checkChain,
  checkQuotes,
  missingTradingDays,
  DEFAULT_BAR_RULES,
  DEFAULT_CHAIN_RULES,
  DEFAULT_QUOTE_RULES,
  type BarRuleOptions,
  type ChainRuleOptions,
  type DailyBarRow,
  type OptionRow,
  type QuoteRow,
  type QuoteRuleOptions,
  type Rejected,
} from '../domain/marketDataRules';

export type QuarantineKind = 'BAR' | 'QUOTE' | 'CHAIN';

export interface IngestResult {
  /** rows new in the store (a re-ingested row counts 0) */
  inserted: number;
  /** rows that passed validation (inserted or already there) */
  accepted: number;
  quarantined: number;
}

export interface QuarantineRow {
  kind: QuarantineKind;
  symbol: string;
  rowKey: string;
  rowTime: string;
  rule: string;
  reason: string;
  source: string;
  row: unknown;
  createdAt: string;
}

export interface SymbolQuality {
  symbol: string;
  first_bar: string | null;
  last_bar: string | null;
  bars: number;
  /** trading days between the last stored bar and the last completed session (0 = fresh) */
  stale_trading_days: number | null;
  fresh: boolean;
  /** trading days with no bar between the first and the last stored bar */
  gaps: number;
  gap_days: string[];
  last_quote: string | null;
  last_chain: string | null;
  quarantined: number;
  quarantined_by_rule: Record<string, number>;
}

const SYMBOL = /^[A-Z][A-Z0-9.]{0,11}$/;
const esc = (s: string) => s.replace(/[\\\t\n\r]/g, ' ');
const nul = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '\\N' : String(v));
const monthStart = (iso: string) => `${iso.slice(0, 7)}-01`;
const nextMonth = (ym: string) => {
  const [y, m] = [Number(ym.slice(0, 4)), Number(ym.slice(5, 7))];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
};

function assertSymbol(s: string): string {
  if (!SYMBOL.test(s)) throw new RangeError(`invalid symbol '${s}'`);
  return s;
}

const NYSE_HOURS = { open: '09:30', close: '16:00', earlyClose: '13:00', timeZone: 'America/New_York' };

/** The last trading day whose session (16:00 New York, or the early close) has ended at `now`. */
export function lastClosedSession(now: Date): IsoDate {
  const t = now.toISOString();
  for (let d = now.toISOString().slice(0, 10), i = 0; i < 15; d = addDays(d, -1), i++) {
    const s = marketSession(d, NYSE_HOURS);
    if (s && s.closeUtc <= t) return d;
  }
  throw new RangeError(`no closed session in the 15 days before ${t}`);
}

export class MarketStore {
  private readonly partitions = new Set<string>();

  constructor(readonly pool: pg.Pool) {}

  // ---------------------------------------------------------------- partitions

  /** Creates the partition of `table` covering each key (IsoDate or ISO time), once per process. */
  async ensurePartitions(table: 'md_daily_bar' | 'md_quote' | 'md_option_snapshot', keys: Iterable<string>): Promise<void> {
    const wanted = new Map<string, [string, string]>();
    for (const k of keys) {
      if (table === 'md_daily_bar') {
        const y = Number(k.slice(0, 4));
        wanted.set(`${table}_y${y}`, [`${y}-01-01`, `${y + 1}-01-01`]);
      } else {
        const from = monthStart(k);
        wanted.set(`${table}_m${from.slice(0, 4)}${from.slice(5, 7)}`, [from, nextMonth(from)]);
      }
    }
    for (const [name, [from, to]] of wanted) {
      if (this.partitions.has(name)) continue;
      if (!/^md_[a-z_]+_[ym]\d{4,6}$/.test(name)) throw new Error(`bad partition name ${name}`);
      const bound = table === 'md_daily_bar' ? `'${from}'` : `'${from}T00:00:00Z'`;
      const upper = table === 'md_daily_bar' ? `'${to}'` : `'${to}T00:00:00Z'`;
      try {
        await this.pool.query(`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF ${table} FOR VALUES FROM (${bound}) TO (${upper})`);
      } catch (err) {
        // Two ingests creating the same partition at once: the loser sees a duplicate; fine if it exists now.
        const code = (err as { code?: string }).code;
        if (code !== '42P07' && code !== '23505') throw err;
      }
      this.partitions.add(name);
    }
  }

  /** Retention of intraday data: drops quote and chain partitions whose month ended more than N days before `now`. */
  async dropExpiredPartitions(now: Date, o: { quoteDays: number; chainDays: number }): Promise<string[]> {
    const { rows } = await this.pool.query<{ child: string; parent: string }>(
      `SELECT c.relname AS child, p.relname AS parent FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.relname IN ('md_quote', 'md_option_snapshot')`,
    );
    const dropped: string[] = [];
    for (const r of rows) {
      const m = /_m(\d{4})(\d{2})$/.exec(r.child);
      if (!m) continue;
      const end = Date.parse(`${nextMonth(`${m[1]}-${m[2]}`)}T00:00:00Z`);
      const days = r.parent === 'md_quote' ? o.quoteDays : o.chainDays;
      if (end < now.getTime() - days * 86_400_000) {
        await this.pool.query(`DROP TABLE IF EXISTS ${r.child}`);
        this.partitions.delete(r.child);
        dropped.push(r.child);
      }
    }
    return dropped;
  }

  // ---------------------------------------------------------------- ingest

  /** COPY `lines` (tab-separated text rows) into `staging`, then move them into `target` without duplicates. */
  private async copyMerge(client: pg.PoolClient, staging: string, columns: string, lines: string[], merge: string): Promise<number> {
    await client.query(`TRUNCATE ${staging}`);
    await pipeline(Readable.from(chunked(lines)), client.query(copyFrom(`COPY ${staging} (${columns}) FROM STDIN`)));
    const r = await client.query(merge);
    return r.rowCount ?? 0;
  }

  private async withClient<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return withConnection(this.pool, async (c) => {
      await c.query(`CREATE TEMP TABLE IF NOT EXISTS md_stage_bar (symbol text, day date, open_c int, high_c int, low_c int, close_c int, volume bigint, source text)`);
      return fn(c);
    });
  }

  /** Raw COPY of bars straight into md_daily_bar (no validation, no de-duplication): the benchmark's yardstick. */
  async copyBarsRaw(rows: readonly DailyBarRow[], source: string): Promise<void> {
    await this.ensurePartitions(
      'md_daily_bar',
      rows.map((r) => r.date),
    );
    await withConnection(this.pool, (c) =>
      pipeline(Readable.from(chunked(rows.map((r) => barLine(r, source)))), c.query(copyFrom('COPY md_daily_bar (symbol, day, open_c, high_c, low_c, close_c, volume, source) FROM STDIN'))),
    );
  }

  /**
   * New bars go straight into the table by COPY when none of their symbols has a row in their
   * date range yet (a backfill of new history, in one transaction: a concurrent ingest of the
   * same rows makes the COPY fail on the primary key, and it falls back); otherwise through the
   * staging table and INSERT … ON CONFLICT DO NOTHING, so nothing is ever stored twice.
   */
  private async storeBars(c: pg.PoolClient, ok: DailyBarRow[], source: string): Promise<number> {
    const lines = ok.map((r) => barLine(r, source));
    const ranges = new Map<string, [string, string]>();
    for (const r of ok) {
      const x = ranges.get(r.symbol);
      ranges.set(r.symbol, x ? [r.date < x[0] ? r.date : x[0], r.date > x[1] ? r.date : x[1]] : [r.date, r.date]);
    }
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM jsonb_to_recordset($1::jsonb) AS x(symbol text, lo date, hi date)
       WHERE EXISTS (SELECT 1 FROM md_daily_bar b WHERE b.symbol = x.symbol AND b.day BETWEEN x.lo AND x.hi)`,
      [JSON.stringify([...ranges].map(([symbol, [lo, hi]]) => ({ symbol, lo, hi })))],
    );
    if ((rows[0]?.n ?? 1) === 0) {
      await c.query('BEGIN');
      try {
        await pipeline(Readable.from(chunked(lines)), c.query(copyFrom('COPY md_daily_bar (symbol, day, open_c, high_c, low_c, close_c, volume, source) FROM STDIN')));
        await c.query('COMMIT');
        return ok.length;
      } catch (err) {
        await c.query('ROLLBACK');
        if ((err as { code?: string }).code !== '23505') throw err;
      }
    }
    return this.copyMerge(
      c,
      'md_stage_bar',
      'symbol, day, open_c, high_c, low_c, close_c, volume, source',
      lines,
      `INSERT INTO md_daily_bar (symbol, day, open_c, high_c, low_c, close_c, volume, source)
       SELECT symbol, day, open_c, high_c, low_c, close_c, volume, source FROM md_stage_bar ON CONFLICT (symbol, day) DO NOTHING`,
    );
  }

  /** The stored bars just before `date`: the context the spike rule measures the new ones against. */
  async barsBefore(symbol: string, date: IsoDate, n: number): Promise<Bar[]> {
    const { rows } = await this.pool.query({
      text: 'SELECT day::text, open_c, high_c, low_c, close_c FROM md_daily_bar WHERE symbol = $1 AND day < $2 ORDER BY day DESC LIMIT $3',
      values: [symbol, date, n],
      rowMode: 'array',
    });
    return (rows as [string, number, number, number, number][]).reverse().map(([d, o, h, l, c]) => ({ date: d, open: o, high: h, low: l, close: c }));
  }

  /** Validates and stores daily bars (any symbols); failures go to quarantine with their rule and reason. */
  async ingestBars(rows: readonly DailyBarRow[], source: string, o: BarRuleOptions = DEFAULT_BAR_RULES): Promise<IngestResult> {
    const bySymbol = new Map<string, DailyBarRow[]>();
    for (const r of rows) {
      const list = bySymbol.get(assertSymbol(r.symbol));
      if (list) list.push(r);
      else bySymbol.set(r.symbol, [r]);
    }
    const ok: DailyBarRow[] = [];
    const bad: Rejected<DailyBarRow>[] = [];
    for (const [symbol, list] of bySymbol) {
      const first = list.reduce((m, r) => (r.date < m ? r.date : m), list[0]!.date);
      const history = await this.barsBefore(symbol, first, o.atrPeriod * 3);
      const checked = checkBars(list, history, o);
      ok.push(...checked.ok);
      bad.push(...checked.bad);
    }
    await this.ensurePartitions(
      'md_daily_bar',
      ok.map((r) => r.date),
    );
    const inserted = ok.length === 0 ? 0 : await this.withClient((c) => this.storeBars(c, ok, source));
    const quarantined = await this.quarantine(
      'BAR',
      source,
      bad.map((b) => ({ ...b, symbol: b.row.symbol, key: `${b.row.symbol}|${b.row.date}`, time: `${b.row.date}T00:00:00Z` })),
    );
    return { inserted, accepted: ok.length, quarantined };
  }

  async ingestQuotes(rows: readonly QuoteRow[], source: string, now: Date, o: QuoteRuleOptions = DEFAULT_QUOTE_RULES): Promise<IngestResult> {
    const checked = checkQuotes(rows, now, o);
    const ok = checked.ok.filter((r) => assertSymbol(r.symbol));
    await this.ensurePartitions(
      'md_quote',
      ok.map((r) => r.ts),
    );
    let inserted = 0;
    if (ok.length > 0) {
      const { rowCount } = await this.pool.query(
        `INSERT INTO md_quote (contract, ts, symbol, bid_c, ask_c, last_c, source)
         SELECT x.contract, x.ts, x.symbol, x.bid, x.ask, x.last, $2 FROM jsonb_to_recordset($1::jsonb) AS x(contract text, ts timestamptz, symbol text, bid int, ask int, last int)
         ON CONFLICT (contract, ts) DO NOTHING`,
        [JSON.stringify(ok), source],
      );
      inserted = rowCount ?? 0;
    }
    const quarantined = await this.quarantine(
      'QUOTE',
      source,
      checked.bad.map((b) => ({ ...b, symbol: b.row.symbol, key: `${b.row.contract}|${b.row.ts}`, time: b.row.ts })),
    );
    return { inserted, accepted: ok.length, quarantined };
  }

  /**
   * One chain snapshot (rows share `snapshotAt`); `listed` = the listed strikes (cents) within the
   * requested window, so a hole in the ladder is quarantined as CHAIN_MISSING_STRIKES.
   */
  async ingestChain(rows: readonly OptionRow[], source: string, listed: readonly number[] = [], o: ChainRuleOptions = DEFAULT_CHAIN_RULES): Promise<IngestResult & { missingStrikes: number }> {
    const checked = checkChain(rows, listed, o);
    const ok = checked.ok.filter((r) => assertSymbol(r.symbol));
    await this.ensurePartitions(
      'md_option_snapshot',
      ok.map((r) => r.snapshotAt),
    );
    let inserted = 0;
    if (ok.length > 0) {
      const lines = ok.map(
        (r) =>
          [
            r.symbol,
            r.snapshotAt,
            r.expiry,
            r.strike,
            r.right,
            r.bid,
            r.ask,
            r.last,
            nul(r.iv),
            nul(r.delta),
            nul(r.gamma),
            nul(r.vega),
            nul(r.theta),
            nul(r.openInterest),
            nul(r.underlying),
            esc(source),
          ].join('\t') + '\n',
      );
      inserted = await this.withClient(async (c) => {
        await c.query(
          `CREATE TEMP TABLE IF NOT EXISTS md_stage_opt (symbol text, snapshot_at timestamptz, expiry date, strike_c int, "right" char(1), bid_c int, ask_c int, last_c int, iv float8, delta float8, gamma float8, vega float8, theta float8, open_interest int, underlying_c int, source text)`,
        );
        const cols = 'symbol, snapshot_at, expiry, strike_c, "right", bid_c, ask_c, last_c, iv, delta, gamma, vega, theta, open_interest, underlying_c, source';
        return this.copyMerge(c, 'md_stage_opt', cols, lines, `INSERT INTO md_option_snapshot (${cols}) SELECT ${cols} FROM md_stage_opt ON CONFLICT DO NOTHING`);
      });
    }
    const items = checked.bad.map((b) => ({ ...b, symbol: b.row.symbol, key: `${b.row.symbol}|${b.row.snapshotAt}|${b.row.expiry}|${b.row.strike}|${b.row.right}`, time: b.row.snapshotAt }));
    const at = rows[0]?.snapshotAt;
    for (const m of checked.missingStrikes) {
      items.push({
        row: { symbol: rows[0]!.symbol, expiry: m.expiry, right: m.right, missing_strikes: m.strikes } as never,
        rule: 'CHAIN_MISSING_STRIKES',
        reason: `${m.strikes.length} listed strike(s) with no quote: ${m.strikes.map((s) => s / 100).join(', ')}`,
        symbol: rows[0]!.symbol,
        key: `${rows[0]!.symbol}|${at}|${m.expiry}|${m.right}`,
        time: at!,
      });
    }
    const quarantined = await this.quarantine('CHAIN', source, items);
    return { inserted, accepted: ok.length, quarantined, missingStrikes: checked.missingStrikes.length };
  }

  /** Stores rejected rows with their rule and reason; the same (kind, row, rule) is kept once. */
  async quarantine(kind: QuarantineKind, source: string, items: { symbol: string; key: string; time: string; rule: string; reason: string; row: unknown }[]): Promise<number> {
    if (items.length === 0) return 0;
    const { rowCount } = await this.pool.query(
      `INSERT INTO md_quarantine (kind, symbol, row_key, row_time, rule, reason, source, row)
       SELECT $1, x.symbol, x.key, x.time, x.rule, x.reason, $2, x.row FROM jsonb_to_recordset($3::jsonb) AS x(symbol text, key text, time timestamptz, rule text, reason text, row jsonb)
       ON CONFLICT (kind, row_key, rule) DO NOTHING`,
      [kind, source, JSON.stringify(items.map((i) => ({ symbol: i.symbol, key: i.key, time: i.time, rule: i.rule, reason: i.reason, row: i.row })))],
    );
    return rowCount ?? 0;
  }

  // ---------------------------------------------------------------- reads

  /** Daily bars of one symbol in [from, to], oldest first, prices in cents. */
  async bars(symbol: string, from: IsoDate, to: IsoDate): Promise<Bar[]> {
    const { rows } = await this.pool.query({
      text: 'SELECT day::text, open_c, high_c, low_c, close_c FROM md_daily_bar WHERE symbol = $1 AND day BETWEEN $2 AND $3 ORDER BY day',
      values: [symbol, from, to],
      rowMode: 'array',
    });
    const out: Bar[] = new Array<Bar>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as [string, number, number, number, number];
      out[i] = { date: r[0], open: r[1], high: r[2], low: r[3], close: r[4] };
    }
    return out;
  }

  async barDays(symbol: string): Promise<{ count: number; first: IsoDate | null; last: IsoDate | null }> {
    const { rows } = await this.pool.query<{ n: string; first: string | null; last: string | null }>(
      'SELECT count(*) AS n, min(day)::text AS first, max(day)::text AS last FROM md_daily_bar WHERE symbol = $1',
      [symbol],
    );
    return { count: Number(rows[0]?.n ?? 0), first: rows[0]?.first ?? null, last: rows[0]?.last ?? null };
  }

  /** The newest stored quote of a contract, or null. */
  async latestQuote(contract: string): Promise<{ ts: string; bid: number; ask: number; last: number } | null> {
    const { rows } = await this.pool.query<{ ts: Date; bid_c: number; ask_c: number; last_c: number }>('SELECT ts, bid_c, ask_c, last_c FROM md_quote WHERE contract = $1 ORDER BY ts DESC LIMIT 1', [
      contract,
    ]);
    const r = rows[0];
    return r ? { ts: r.ts.toISOString(), bid: r.bid_c, ask: r.ask_c, last: r.last_c } : null;
  }

  /** The newest snapshot of one expiry of a symbol (both rights), or null. */
  async latestChain(symbol: string, expiry: IsoDate): Promise<{ snapshotAt: string; rows: OptionRow[] } | null> {
    const { rows } = await this.pool.query<Record<string, unknown>>(
      `SELECT symbol, snapshot_at, expiry::text AS expiry, strike_c, "right", bid_c, ask_c, last_c, iv, delta, gamma, vega, theta, open_interest, underlying_c
       FROM md_option_snapshot WHERE symbol = $1 AND expiry = $2
         AND snapshot_at = (SELECT max(snapshot_at) FROM md_option_snapshot WHERE symbol = $1 AND expiry = $2)
       ORDER BY "right", strike_c`,
      [symbol, expiry],
    );
    if (rows.length === 0) return null;
    const at = (rows[0]!.snapshot_at as Date).toISOString();
    return {
      snapshotAt: at,
      rows: rows.map((r) => ({
        symbol: String(r.symbol),
        snapshotAt: at,
        expiry: String(r.expiry),
        strike: Number(r.strike_c),
        right: String(r.right) as 'C' | 'P',
        bid: Number(r.bid_c),
        ask: Number(r.ask_c),
        last: Number(r.last_c),
        iv: r.iv as number | null,
        delta: r.delta as number | null,
        gamma: r.gamma as number | null,
        vega: r.vega as number | null,
        theta: r.theta as number | null,
        openInterest: r.open_interest as number | null,
        underlying: r.underlying_c as number | null,
      })),
    };
  }

  async countRows(table: 'md_daily_bar' | 'md_quote' | 'md_option_snapshot', symbol?: string): Promise<number> {
    const col = table === 'md_quote' ? 'symbol' : 'symbol';
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}${symbol ? ` WHERE ${col} = $1` : ''}`, symbol ? [symbol] : []);
    return Number(rows[0]?.n ?? 0);
  }

  async quarantined(filter: { kind?: QuarantineKind; symbol?: string } = {}): Promise<QuarantineRow[]> {
    const { rows } = await this.pool.query<Record<string, unknown>>(
      `SELECT kind, symbol, row_key, row_time, rule, reason, source, row, created_at FROM md_quarantine
       WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR symbol = $2) ORDER BY id`,
      [filter.kind ?? null, filter.symbol ?? null],
    );
    return rows.map((r) => ({
      kind: r.kind as QuarantineKind,
      symbol: String(r.symbol),
      rowKey: String(r.row_key),
      rowTime: (r.row_time as Date).toISOString(),
      rule: String(r.rule),
      reason: String(r.reason),
      source: String(r.source),
      row: r.row,
      createdAt: (r.created_at as Date).toISOString(),
    }));
  }

  /** Per-symbol freshness, gaps against the exchange calendar and quarantined rows. */
  async quality(now: Date, symbols?: string[]): Promise<SymbolQuality[]> {
    const { rows } = await this.pool.query<{ symbol: string }>(
      `SELECT symbol FROM md_daily_bar UNION SELECT symbol FROM md_quote UNION SELECT symbol FROM md_option_snapshot UNION SELECT symbol FROM md_quarantine ORDER BY 1`,
    );
    const list = symbols && symbols.length > 0 ? symbols : rows.map((r) => r.symbol);
    const expected = lastClosedSession(now);
    const out: SymbolQuality[] = [];
    for (const symbol of list) {
      const { rows: days } = await this.pool.query({ text: 'SELECT day::text FROM md_daily_bar WHERE symbol = $1 ORDER BY day', values: [symbol], rowMode: 'array' });
      const dates = (days as [string][]).map((d) => d[0]);
      const first = dates[0] ?? null;
      const last = dates.at(-1) ?? null;
      const gaps = first && last ? missingTradingDays(dates, first, last) : [];
      const stale = last ? (last >= expected ? 0 : missingTradingDays([], addDays(last, 1), expected).length) : null;
      const { rows: q } = await this.pool.query<{ rule: string; n: string }>('SELECT rule, count(*) AS n FROM md_quarantine WHERE symbol = $1 GROUP BY rule ORDER BY rule', [symbol]);
      const { rows: lq } = await this.pool.query<{ t: Date | null; c: Date | null }>(
        'SELECT (SELECT max(ts) FROM md_quote WHERE symbol = $1) AS t, (SELECT max(snapshot_at) FROM md_option_snapshot WHERE symbol = $1) AS c',
        [symbol],
      );
      const byRule = Object.fromEntries(q.map((r) => [r.rule, Number(r.n)]));
      out.push({
        symbol,
        first_bar: first,
        last_bar: last,
        bars: dates.length,
        stale_trading_days: stale,
        fresh: stale === 0,
        gaps: gaps.length,
        gap_days: gaps.slice(0, 20),
        last_quote: lq[0]?.t?.toISOString() ?? null,
        last_chain: lq[0]?.c?.toISOString() ?? null,
        quarantined: Object.values(byRule).reduce((s, n) => s + n, 0),
        quarantined_by_rule: byRule,
      });
    }
    return out;
  }
}

function barLine(r: DailyBarRow, source: string): string {
  return `${r.symbol}\t${r.date}\t${r.open}\t${r.high}\t${r.low}\t${r.close}\t${Math.max(0, Math.round(r.volume))}\t${esc(source)}\n`;
}

/** Joins lines into ~64 kB chunks: one write per chunk, not per row. */
function* chunked(lines: readonly string[]): Generator<string> {
  let buf = '';
  for (const l of lines) {
    buf += l;
    if (buf.length > 65_536) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}
