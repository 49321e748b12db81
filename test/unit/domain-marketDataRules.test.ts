import { expect } from 'chai';
import { addDays, isTradingDay } from '../../src/domain/calendar';
import { checkBars, checkChain, checkQuotes, missingTradingDays, type DailyBarRow, type OptionRow, type QuoteRow } from '../../src/domain/marketDataRules';

/** n trading-day bars from `from`, close walking ±1 %, range 1 % either side. */
function series(from: string, n: number, start = 10_000): DailyBarRow[] {
  const out: DailyBarRow[] = [];
  let d = from;
  let c = start;
  while (out.length < n) {
    if (isTradingDay(d)) {
      const next = out.length % 2 === 0 ? Math.round(c * 1.01) : Math.round(c / 1.01);
      out.push({ symbol: 'SPY', date: d, open: c, high: Math.max(c, next) + 50, low: Math.min(c, next) - 50, close: next, volume: 1000 });
      c = next;
    }
    d = addDays(d, 1);
  }
  return out;
}

describe('domain/marketDataRules: bars', () => {
  const base = series('2024-01-02', 30);
  const bars: [string, (b: DailyBarRow) => DailyBarRow, string | null][] = [
    ['a good bar', (b) => b, null],
    ['high below low', (b) => ({ ...b, high: b.low - 1 }), 'BAR_OHLC'],
    ['close above high', (b) => ({ ...b, close: b.high + 1 }), 'BAR_OHLC'],
    ['open below low', (b) => ({ ...b, open: b.low - 1 }), 'BAR_OHLC'],
    ['a zero price', (b) => ({ ...b, low: 0 }), 'BAR_OHLC'],
    ['a Saturday', (b) => ({ ...b, date: '2024-02-17' }), 'BAR_NON_TRADING_DAY'],
    ['Presidents Day', (b) => ({ ...b, date: '2024-02-19' }), 'BAR_NON_TRADING_DAY'],
    ['a spike far beyond k×ATR', (b) => ({ ...b, open: b.open, close: b.open * 1.6, high: b.open * 1.6 }), 'BAR_SPIKE'],
    ['a halving of the price (2:1 split)', (b) => ({ ...b, open: 5_100, high: 5_150, low: 5_000, close: 5_050 }), 'BAR_SPLIT'],
  ];
  for (const [what, mutate, rule] of bars) {
    it(`when the next bar is ${what}, then it is ${rule ? `rejected as ${rule}` : 'accepted'}`, () => {
      const last = base.at(-1)!;
      const next = mutate({ ...last, date: '2024-02-16', open: last.close, high: last.close + 60, low: last.close - 60, close: last.close + 10 });
      const r = checkBars([next], base);
      if (rule === null) expect(r.ok).to.have.length(1);
      else {
        expect(r.ok).to.have.length(0);
        expect(r.bad[0]?.rule).to.equal(rule);
        expect(r.bad[0]?.reason).to.be.a('string').with.length.greaterThan(0);
      }
    });
  }
  it('when a batch has a duplicate date, then the second is rejected and the first kept', () => {
    const r = checkBars([base[0]!, { ...base[0]! }]);
    expect(r.ok).to.have.length(1);
    expect(r.bad.map((b) => b.rule)).to.deep.equal(['BAR_DUPLICATE']);
  });
  it('when a whole clean series is checked, then every bar passes (no false spike)', () => {
    expect(checkBars(base).bad).to.deep.equal([]);
  });
  it('when a spike is rejected, then the bars after it are measured against the last good close', () => {
    const s = series('2024-01-02', 25);
    s[20] = { ...s[20]!, close: s[20]!.close * 3, high: s[20]!.close * 3 };
    const r = checkBars(s);
    expect(r.bad.map((b) => b.row.date)).to.deep.equal([s[20].date]);
  });
  it('when gaps are asked for, then missing trading days are listed and closures are not gaps', () => {
    const dates = ['2024-07-01', '2024-07-02', '2024-07-05'];
    expect(missingTradingDays(dates, '2024-07-01', '2024-07-05')).to.deep.equal(['2024-07-03']); // 07-04 is a holiday
  });
});

describe('domain/marketDataRules: quotes', () => {
  const now = new Date('2024-03-01T15:00:00Z');
  const q = (bid: number, ask: number, last: number, ts = '2024-03-01T14:59:59Z'): QuoteRow => ({ contract: 'SPY', symbol: 'SPY', ts, bid, ask, last });
  const cases: [string, QuoteRow, string | null][] = [
    ['a normal quote', q(100, 101, 100), null],
    ['a locked quote (bid = ask)', q(100, 100, 100), null],
    ['a crossed quote', q(102, 101, 100), 'QUOTE_CROSSED'],
    ['an all-zero quote', q(0, 0, 0), 'QUOTE_ZERO'],
    ['a negative bid', q(-1, 101, 100), 'QUOTE_NEGATIVE'],
    ['a quote 5 minutes old', q(100, 101, 100, '2024-03-01T14:55:00Z'), 'QUOTE_STALE'],
  ];
  for (const [what, row, rule] of cases) {
    it(`when the quote is ${what}, then it is ${rule ?? 'accepted'}`, () => {
      const r = checkQuotes([row], now);
      expect(r.bad.map((b) => b.rule)).to.deep.equal(rule ? [rule] : []);
      expect(r.ok).to.have.length(rule ? 0 : 1);
    });
  }
});

describe('domain/marketDataRules: chains', () => {
  const at = '2024-03-01T15:00:00Z';
  const row = (right: 'C' | 'P', strike: number, bid: number, ask: number, extra: Partial<OptionRow> = {}): OptionRow => ({
    symbol: 'SPY',
    snapshotAt: at,
    expiry: '2024-03-08',
    strike,
    right,
    bid,
    ask,
    last: bid,
    iv: 0.2,
    underlying: 10_000,
    ...extra,
  });
  const calls = () => [row('C', 9_500, 520, 540), row('C', 10_000, 150, 160), row('C', 10_500, 20, 25)];
  const puts = () => [row('P', 9_500, 15, 20), row('P', 10_000, 140, 150), row('P', 10_500, 510, 530)];
  it('when a sane chain is checked, then every row passes', () => {
    const r = checkChain([...calls(), ...puts()], [9_500, 10_000, 10_500]);
    expect(r.bad).to.deep.equal([]);
    expect(r.missingStrikes).to.deep.equal([]);
  });
  const cases: [string, () => OptionRow[], string, number][] = [
    ['a call bid above the underlying', () => [row('C', 9_500, 10_100, 10_200), ...calls().slice(1)], 'CHAIN_ARBITRAGE', 9_500],
    ['a put bid above its strike', () => [...puts().slice(0, 2), row('P', 10_500, 10_600, 10_700)], 'CHAIN_ARBITRAGE', 10_500],
    ['a call ask below intrinsic', () => [row('C', 9_500, 300, 310), ...calls().slice(1)], 'CHAIN_ARBITRAGE', 9_500],
    ['a higher-strike call bid above a lower strike ask', () => [calls()[0]!, row('C', 10_000, 560, 570, { underlying: null }), calls()[2]!], 'CHAIN_MONOTONIC', 10_000],
    ['a lower-strike put bid above a higher strike ask', () => [row('P', 9_500, 160, 170, { underlying: null }), ...puts().slice(1)], 'CHAIN_MONOTONIC', 9_500],
    ['an IV of 900 %', () => [row('C', 9_500, 520, 540, { iv: 9 }), ...calls().slice(1)], 'CHAIN_ABSURD_IV', 9_500],
    ['an IV of 0', () => [row('C', 9_500, 520, 540, { iv: 0 }), ...calls().slice(1)], 'CHAIN_ABSURD_IV', 9_500],
    ['a crossed option quote', () => [row('C', 9_500, 560, 540), ...calls().slice(1)], 'QUOTE_CROSSED', 9_500],
  ];
  for (const [what, rows, rule, strike] of cases) {
    it(`when the chain has ${what}, then that row is rejected as ${rule} and the others pass`, () => {
      const r = checkChain(rows());
      expect(r.bad.map((b) => [b.rule, b.row.strike])).to.deep.equal([[rule, strike]]);
      expect(r.ok).to.have.length(2);
    });
  }
  it('when a listed strike has no row, then it is reported missing for its expiry and right', () => {
    const r = checkChain([calls()[0]!, calls()[2]!], [9_500, 10_000, 10_500]);
    expect(r.missingStrikes).to.deep.equal([{ expiry: '2024-03-08', right: 'C', strikes: [10_000] }]);
  });
});
