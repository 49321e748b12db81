/**
 * The market-data store on a real PostgreSQL: partitions on demand, COPY ingest without
 * duplicates, quarantine with reasons, reads, retention of intraday partitions, quality.
 */
import { expect } from 'chai';
import pg from 'pg';
import { dropDatabase, migrate } from '../../src/db/migrate';
import { MarketStore } from '../../src/db/marketData';
import { addDays, isTradingDay } from '../../src/domain/calendar';
import type { DailyBarRow, OptionRow } from '../../src/domain/marketDataRules';
import { testDatabaseUrl } from './_system';

export function cleanBars(symbol: string, from: string, n: number, start = 20_000): DailyBarRow[] {
  const out: DailyBarRow[] = [];
  let d = from;
  let c = start;
  while (out.length < n) {
    if (isTradingDay(d)) {
      const next = out.length % 3 === 0 ? c + 37 : c - 19;
      out.push({ symbol, date: d, open: c, high: Math.max(c, next) + 40, low: Math.min(c, next) - 40, close: next, volume: 1_000 + out.length });
      c = next;
    }
    d = addDays(d, 1);
  }
  return out;
}

describe('market data store (PostgreSQL)', function () {
  this.timeout(120_000);
  const url = testDatabaseUrl('mdstore');
  let pool: pg.Pool;
  let store: MarketStore;

  before(async () => {
    await dropDatabase(url);
    await migrate(url);
    pool = new pg.Pool({ connectionString: url, max: 4 });
    store = new MarketStore(pool);
  });
  after(async () => {
    await pool?.end();
    await dropDatabase(url).catch(() => undefined);
  });

  it('when bars spanning two years are ingested twice, then each is stored once in its year partition', async () => {
    const bars = cleanBars('SPY', '2023-12-01', 60);
    const first = await store.ingestBars(bars, 'test');
    expect(first).to.deep.equal({ inserted: 60, accepted: 60, quarantined: 0 });
    const again = await store.ingestBars(bars, 'test');
    expect(again).to.deep.equal({ inserted: 0, accepted: 60, quarantined: 0 });
    const parts = await pool.query<{ relname: string; n: string }>(
      `SELECT c.relname, (xpath('/row/n/text()', query_to_xml('SELECT count(*) AS n FROM ' || c.relname, false, true, '')))[1]::text AS n
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'md_daily_bar' ORDER BY 1`,
    );
    expect(parts.rows.map((r) => r.relname)).to.deep.equal(['md_daily_bar_y2023', 'md_daily_bar_y2024']);
    expect(parts.rows.reduce((s, r) => s + Number(r.n), 0)).to.equal(60);
    const read = await store.bars('SPY', '2023-01-01', '2024-12-31');
    expect(read.map((b) => b.date)).to.deep.equal(bars.map((b) => b.date));
    expect(read[5]).to.deep.equal({ date: bars[5]!.date, open: bars[5]!.open, high: bars[5]!.high, low: bars[5]!.low, close: bars[5]!.close });
  });

  it('when a bad bar comes in, then it is quarantined with its rule and reason and not stored, once however often it comes', async () => {
    const last = cleanBars('SPY', '2023-12-01', 60).at(-1)!;
    const bad: DailyBarRow = { ...last, date: addDays(last.date, 7), high: last.low - 5 };
    for (let i = 0; i < 2; i++) expect((await store.ingestBars([bad], 'test')).accepted).to.equal(0);
    const q = await store.quarantined({ kind: 'BAR', symbol: 'SPY' });
    expect(q).to.have.length(1);
    expect(q[0]).to.include({ rule: 'BAR_OHLC', source: 'test' });
    expect(q[0]!.reason).to.match(/high .* < low/);
    expect(await store.bars('SPY', bad.date, bad.date)).to.deep.equal([]);
  });

  it('when a spike follows stored history, then it is measured against the stored bars and quarantined', async () => {
    const last = cleanBars('SPY', '2023-12-01', 60).at(-1)!;
    let d = addDays(last.date, 1);
    while (!isTradingDay(d)) d = addDays(d, 1);
    const spike: DailyBarRow = { symbol: 'SPY', date: d, open: last.close, high: Math.round(last.close * 1.7), low: last.close, close: Math.round(last.close * 1.7), volume: 1 };
    const r = await store.ingestBars([spike], 'test');
    expect(r.quarantined).to.equal(1);
    expect((await store.quarantined({ symbol: 'SPY' })).map((x) => x.rule)).to.include('BAR_SPIKE');
  });

  it('when quotes and a chain are ingested, then good rows are stored in month partitions and bad ones quarantined', async () => {
    const now = new Date('2024-03-01T15:00:00Z');
    const r = await store.ingestQuotes(
      [
        { contract: 'SPY', symbol: 'SPY', ts: '2024-03-01T14:59:58Z', bid: 100, ask: 101, last: 100 },
        { contract: 'SPY', symbol: 'SPY', ts: '2024-03-01T14:59:59Z', bid: 102, ask: 101, last: 100 },
      ],
      'test',
      now,
    );
    expect(r).to.deep.equal({ inserted: 1, accepted: 1, quarantined: 1 });
    expect(await store.latestQuote('SPY')).to.deep.include({ bid: 100, ask: 101 });
    const at = '2024-03-01T15:00:00.000Z';
    const row = (right: 'C' | 'P', strike: number, bid: number, ask: number): OptionRow => ({
      symbol: 'SPY',
      snapshotAt: at,
      expiry: '2024-03-08',
      strike,
      right,
      bid,
      ask,
      last: bid,
      iv: 0.2,
      delta: 0.5,
      underlying: 10_000,
    });
    const chain = [row('C', 9_500, 520, 540), row('C', 10_000, 150, 160), row('C', 10_500, 10_600, 10_700), row('P', 9_500, 15, 20)];
    const c = await store.ingestChain(chain, 'test', [9_500, 10_000, 10_500]);
    expect(c).to.deep.include({ inserted: 3, accepted: 3 });
    const q = await store.quarantined({ kind: 'CHAIN' });
    expect(q.map((x) => x.rule).sort()).to.deep.equal(['CHAIN_ARBITRAGE', 'CHAIN_MISSING_STRIKES']);
    const latest = await store.latestChain('SPY', '2024-03-08');
    expect(latest?.rows).to.have.length(3);
    expect(latest?.rows[0]).to.deep.include({ right: 'C', strike: 9_500, bid: 520, iv: 0.2 });
    expect((await store.ingestChain(chain, 'test', [9_500, 10_000, 10_500])).inserted).to.equal(0);
  });

  it('when retention runs, then only intraday partitions older than the window are dropped', async () => {
    await store.ensurePartitions('md_quote', ['2023-01-15T00:00:00Z']);
    const dropped = await store.dropExpiredPartitions(new Date('2024-03-10T00:00:00Z'), { quoteDays: 30, chainDays: 365 });
    expect(dropped).to.deep.equal(['md_quote_m202301']);
    expect(await store.latestQuote('SPY')).to.not.equal(null);
  });

  it('when quality is asked, then freshness, gaps and quarantined rows come per symbol', async () => {
    await store.ingestBars(
      cleanBars('GAP', '2024-01-02', 10).filter((_, i) => i !== 4),
      'test',
    );
    const q = await store.quality(new Date('2024-01-16T23:00:00Z'));
    const gap = q.find((s) => s.symbol === 'GAP')!;
    expect(gap).to.deep.include({ bars: 9, gaps: 1, fresh: true, stale_trading_days: 0, quarantined: 0 });
    const spy = q.find((s) => s.symbol === 'SPY')!;
    expect(spy.quarantined).to.be.greaterThanOrEqual(3);
    const later = (await store.quality(new Date('2024-01-19T23:00:00Z'), ['GAP']))[0]!;
    expect(later).to.deep.include({ fresh: false, stale_trading_days: 3 });
  });
});
