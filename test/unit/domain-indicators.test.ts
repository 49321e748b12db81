import { expect } from 'chai';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import { atr, median, regimes, sma, toWeekly, trendOf, trueRange, volRegimeOf, type Bar } from '../../src/domain/indicators';

const bar = (date: string, open: number, high: number, low: number, close: number): Bar => ({ date, open, high, low, close });

describe('domain/indicators', () => {
  const trs: [string, Bar, number | undefined, number][] = [
    ['no previous close', bar('2025-01-02', 100, 110, 95, 105), undefined, 15],
    ['a gap up', bar('2025-01-02', 120, 125, 118, 121), 100, 25],
    ['a gap down', bar('2025-01-02', 80, 85, 78, 82), 100, 22],
    ['an inside day', bar('2025-01-02', 100, 104, 98, 101), 100, 6],
  ];
  for (const [what, b, prev, want] of trs) it(`when the true range of ${what} is taken, then it is ${want}`, () => expect(trueRange(b, prev)).to.equal(want));

  it('when ATR(3) runs over five bars, then the first value is the mean and then Wilder smoothing applies', () => {
    // TRs: 10, 12 (|112-100|), 8, 14, 6 → ATR[2] = 10, ATR[3] = (10×2+14)/3 = 11.333…, ATR[4] = (11.333…×2+6)/3
    const bars = [bar('d1', 100, 105, 95, 100), bar('d2', 100, 112, 101, 110), bar('d3', 110, 114, 106, 108), bar('d4', 108, 120, 106, 118), bar('d5', 118, 121, 115, 119)];
    const a = atr(bars, 3);
    expect(a.slice(0, 2)).to.deep.equal([undefined, undefined]);
    expect(a[2]).to.equal(10);
    expect(a[3]).to.be.closeTo(34 / 3, 1e-12);
    expect(a[4]).to.be.closeTo(((34 / 3) * 2 + 6) / 3, 1e-12);
  });

  it('when SMA(3) runs, then it is undefined for two values and then the running mean', () => expect(sma([1, 2, 3, 4, 5], 3)).to.deep.equal([undefined, undefined, 2, 3, 4]));
  it('when the median is taken, then odd and even lengths work', () => {
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    expect(median([])).to.equal(undefined);
  });

  it('when daily bars are aggregated, then each Mon–Fri week keeps first open, extremes and last close', () => {
    const w = toWeekly([
      bar('2025-04-14', 100, 105, 99, 104),
      bar('2025-04-15', 104, 110, 103, 108),
      bar('2025-04-17', 108, 109, 90, 95), // Good Friday week ends Thursday
      bar('2025-04-21', 96, 97, 94, 96),
    ]);
    expect(w.map((x) => [x.week, x.open, x.high, x.low, x.close, x.firstDate, x.lastDate, x.days.length])).to.deep.equal([
      ['2025-W16', 100, 110, 90, 95, '2025-04-14', '2025-04-17', 3],
      ['2025-W17', 96, 97, 94, 96, '2025-04-21', '2025-04-21', 1],
    ]);
  });

  const trends: [number, number | undefined, number | undefined, string][] = [
    [110, 105, 100, 'BULL'],
    [90, 95, 100, 'BEAR'],
    [110, 100, 105, 'NEUTRAL'],
    [102, 105, 100, 'NEUTRAL'],
    [100, 100, 95, 'NEUTRAL'],
    [100, undefined, 95, 'NEUTRAL'],
  ];
  for (const [c, f, s, want] of trends) it(`when close ${c}, MA10 ${f}, MA30 ${s}, then the trend is ${want}`, () => expect(trendOf(c, f, s)).to.equal(want));

  const vols: [number | undefined, number | undefined, string][] = [
    [0.0126, 0.01, 'HIGH'],
    [0.0125, 0.01, 'NORMAL'],
    [0.0075, 0.01, 'NORMAL'],
    [0.0074, 0.01, 'LOW'],
    [0.02, undefined, 'NORMAL'],
  ];
  for (const [r, m, want] of vols) it(`when ATR/close ${r} vs median ${m}, then volatility is ${want}`, () => expect(volRegimeOf(r, m, DEFAULT_PROTOCOL.regime)).to.equal(want));

  it('when a steady uptrend is long enough, then it is BULL; a calm stretch then a shock is HIGH vol (median needs 52 ATR values)', () => {
    const weeks: Bar[] = Array.from({ length: 80 }, (_, i) => bar(`w${i}`, 10000 + i * 100, 10050 + i * 100, 9950 + i * 100, 10000 + i * 100));
    const r = regimes(weeks, DEFAULT_PROTOCOL.regime);
    expect(r[5]?.trend).to.equal('NEUTRAL'); // before 30 weeks
    expect(r[79]?.trend).to.equal('BULL');
    expect(r[79]?.vol).to.equal('NORMAL');
    const shock = [...weeks.slice(0, 79), bar('w79', 17900, 19000, 16000, 17000)];
    expect(regimes(shock, DEFAULT_PROTOCOL.regime)[79]?.vol).to.equal('HIGH');
  });
});
