import { expect } from 'chai';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import { canEnter, limitPriceForAttempt, midPrice, repriceDeadline, selectStrike, sizedContracts, targetDelta, type ChainQuote } from '../../src/domain/signals';
import type { Trend, VolRegime } from '../../src/domain/indicators';

const s = DEFAULT_PROTOCOL.signals;
const gen = DEFAULT_PROTOCOL.accounts.GEN; // 0.40–0.50

describe('domain/signals', () => {
  const deltas: [Trend, VolRegime, number, number][] = [
    ['BULL', 'NORMAL', 0.5, 1],
    ['NEUTRAL', 'NORMAL', 0.45, 1],
    ['BEAR', 'LOW', 0.4, 1],
    ['BULL', 'HIGH', 0.4, 0.5],
    ['NEUTRAL', 'HIGH', 0.4, 0.5],
  ];
  for (const [trend, vol, delta, size] of deltas)
    it(`when Gen-Acc sees ${trend}/${vol}, then target delta ${delta} and size × ${size}`, () => {
      const t = targetDelta(gen, trend, vol, s);
      expect(t.delta).to.be.closeTo(delta, 1e-12);
      expect(t.sizeFactor).to.equal(size);
    });
  it('when 5 contracts are halved, then 2 are placed', () => expect(sizedContracts(5, { delta: 0.4, sizeFactor: 0.5 })).to.equal(2));

  const chain: ChainQuote[] = [
    { strike: 9500, delta: -0.2, bid: 50, ask: 60 },
    { strike: 9800, delta: -0.35, bid: 100, ask: 110 },
    { strike: 10000, delta: -0.45, bid: 180, ask: 190 },
    { strike: 10200, delta: -0.55, bid: 300, ask: 320 },
    { strike: 10400, delta: -0.7, bid: 0, ask: 5 },
  ];
  const picks: [number, number | undefined, number | null][] = [
    [0.45, undefined, 10000],
    [0.4, undefined, 9800],
    [0.5, undefined, 10000],
    [0.9, undefined, 10200],
    [0.1, undefined, 9500],
    [0.2, 10100, 10200],
    [0.2, 20000, null],
  ];
  for (const [target, min, want] of picks)
    it(`when the target |delta| is ${target}${min ? ` with strikes ≥ ${min}` : ''}, then the strike is ${want}`, () => expect(selectStrike(chain, target, min)?.strike ?? null).to.equal(want));

  const mids: [number, number, 'SELL' | 'BUY', number][] = [
    [100, 110, 'SELL', 105],
    [100, 105, 'SELL', 103],
    [100, 105, 'BUY', 102],
  ];
  for (const [bid, ask, side, want] of mids) it(`when bid ${bid} ask ${ask} for a ${side}, then mid is ${want}`, () => expect(midPrice(bid, ask, side)).to.equal(want));

  const ladder: [number, 'SELL' | 'BUY', number | 'SKIP'][] = [
    [0, 'SELL', 110],
    [1, 'SELL', 105],
    [2, 'SELL', 100],
    [3, 'SELL', 'SKIP'],
    [0, 'BUY', 110],
    [1, 'BUY', 115],
    [2, 'BUY', 120],
    [3, 'BUY', 'SKIP'],
  ];
  for (const [attempt, side, want] of ladder)
    it(`when a ${side} at bid 100/ask 120 is on attempt ${attempt}, then the limit is ${want}`, () => expect(limitPriceForAttempt(attempt, 100, 120, side, s)).to.equal(want));
  it('when max re-prices is 0, then the first miss skips', () => expect(limitPriceForAttempt(1, 100, 120, 'SELL', { ...s, maxReprices: 0 })).to.equal('SKIP'));

  const entries: [number | null, string | null, boolean][] = [
    [null, null, true],
    [0, 'P-EW', true],
    [1, null, false],
    [3, null, false],
    [null, 'P-DD', false],
    [null, 'P-AOL', false],
    [null, 'P-AWL', true],
    [0, 'C-REC', true],
  ];
  for (const [level, prev, ok] of entries)
    it(`when the open level is ${level} and last week was ${prev}, then entry allowed is ${ok}`, () =>
      expect(canEnter({ maxOpenLevel: level as 0 | 1 | 2 | 3 | null, previousWeekType: prev as never }).ok).to.equal(ok));
});

describe('domain/signals repriceDeadline', () => {
  const base = { startedAt: 1_000, waitMs: 1_500, arrivalGraceMs: 300_000, capMs: 7_170_000 };
  it('when the order reached the broker after the wait began, then the re-price is waitMs after its arrival', () => expect(repriceDeadline({ ...base, arrivedAt: 9_000 })).to.equal(10_500));
  it('when the order was already at the broker (a retried wait), then the re-price is waitMs after its arrival, not after the retry began', () =>
    expect(repriceDeadline({ ...base, arrivedAt: 500 })).to.equal(2_000));
  it('when the order has not reached the broker, then the wait runs at most the grace beyond waitMs', () => expect(repriceDeadline({ ...base, arrivedAt: null })).to.equal(1_000 + 1_500 + 300_000));
  it("when the deadline would pass the activity's own timeout, then the cap wins", () => {
    expect(repriceDeadline({ ...base, capMs: 60_000, arrivedAt: null })).to.equal(61_000);
    expect(repriceDeadline({ ...base, capMs: 5_000, arrivedAt: 9_000 })).to.equal(6_000);
  });
});
