import { expect } from 'chai';
import { asOfBar, MarketMemo, memoizedMarketData } from '../../activities/protocol/marketMemo';
import { manualClock } from '../../src/contracts/clock';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import type { MarketData, OptionQuote } from '../../src/contracts/broker';

const HOURS = DEFAULT_PROTOCOL.market; // 09:30–16:00 New York
// 2027-03-01 is a Monday; New York is UTC-5 then.
const MON_10 = '2027-03-01T15:00:00.000Z';
const FRI_CLOSE = '2027-03-05T21:00:00.000Z';

/** A broker whose market data counts its requests and answers the current `price`. */
function countingBroker() {
  const calls: string[] = [];
  let price = 250;
  const quote = (strike: number): OptionQuote => ({ strike, bid: price / 100, ask: price / 100 + 0.1, last: price / 100, delta: -0.2 }) as OptionQuote;
  const md = {
    bars: async (symbol: string) => (calls.push(`bars ${symbol}`), [{ date: '20270301', open: price, high: price, low: price, close: price, volume: 0 }]),
    stockQuote: async (symbol: string) => (calls.push(`stk ${symbol}`), { bid: price, ask: price, last: price }),
    expirations: async (symbol: string) => (calls.push(`exp ${symbol}`), { expirations: ['20270305'], strikes: [240, 250] }),
    optionQuote: async (symbol: string, _e: string, strike: number) => (calls.push(`opt ${symbol}`), quote(strike)),
    optionChain: async (symbol: string) => (calls.push(`chain ${symbol}`), [quote(240), quote(245)]),
    positions: async () => [],
    accountSummary: async () => ({}),
    now: async () => new Date(),
    close: async () => undefined,
  } as unknown as MarketData;
  return { md, calls, setPrice: (p: number) => (price = p) };
}

describe('protocol market memo (activities/protocol/marketMemo.ts)', () => {
  describe('asOfBar', () => {
    it('when the exchange is open, then the as-of is the current bar and changes with the next bar', () => {
      const a = asOfBar(new Date(MON_10), HOURS, 5000);
      expect(a).to.match(/^bar:/);
      expect(asOfBar(new Date(Date.parse(MON_10) + 4999), HOURS, 5000)).to.equal(a);
      expect(asOfBar(new Date(Date.parse(MON_10) + 5000), HOURS, 5000)).to.not.equal(a);
    });

    it('when the exchange is closed, then the as-of is the latest close, the same over the weekend and different the next day', () => {
      const fri = asOfBar(new Date(FRI_CLOSE), HOURS, 5000);
      expect(fri).to.equal(`close:${FRI_CLOSE}`);
      expect(asOfBar(new Date('2027-03-06T18:00:00Z'), HOURS, 5000)).to.equal(fri); // Saturday
      expect(asOfBar(new Date('2027-03-08T13:00:00Z'), HOURS, 5000)).to.equal(fri); // Monday 08:00, before the open
      expect(asOfBar(new Date('2027-03-08T21:30:00Z'), HOURS, 5000)).to.equal('close:2027-03-08T21:00:00.000Z'); // Monday after its close
      expect(asOfBar(new Date('2027-03-04T22:00:00Z'), HOURS, 5000)).to.equal('close:2027-03-04T21:00:00.000Z'); // Thursday after its close
    });
  });

  describe('memoizedMarketData', () => {
    it('when 100 families ask for the same chain, bars and expirations after the close, then the broker is asked once for each', async () => {
      const b = countingBroker();
      const memo = new MarketMemo();
      const md = memoizedMarketData(b.md, memo, manualClock(FRI_CLOSE), HOURS);
      await Promise.all(
        Array.from({ length: 100 }, async () => {
          await md.bars('TSLA', '1 week', '60 W', '');
          await md.expirations('TSLA');
          await md.optionChain('TSLA', '20270312', 'P', 200, 250);
        }),
      );
      expect(b.calls.sort()).to.deep.equal(['bars TSLA', 'chain TSLA', 'exp TSLA']);
      expect(memo.hits).to.equal(297);
      // A different request (another symbol, another strike window) is its own entry.
      await md.optionChain('TSLA', '20270312', 'P', 210, 250);
      await md.optionChain('AAPL', '20270312', 'P', 200, 250);
      expect(b.calls).to.have.length(5);
    });

    it('when the business clock moves to the next day, then the memo asks the broker again', async () => {
      const b = countingBroker();
      const clock = manualClock(FRI_CLOSE);
      const md = memoizedMarketData(b.md, new MarketMemo(), clock, HOURS);
      expect((await md.stockQuote('TSLA')).last).to.equal(250);
      b.setPrice(260);
      clock.set('2027-03-08T15:00:00Z'); // Monday 10:00
      expect((await md.stockQuote('TSLA')).last).to.equal(260);
      expect(b.calls).to.deep.equal(['stk TSLA', 'stk TSLA']);
    });

    it('when the session is open and the business clock stands still, then an entry is served for one bar of process time only', async () => {
      const b = countingBroker();
      let t = 0;
      const md = memoizedMarketData(b.md, new MarketMemo({ barMs: 5000, nowMs: () => t }), manualClock(MON_10), HOURS);
      await md.optionQuote('TSLA', '20270305', 240, 'P');
      t = 4999;
      await md.optionQuote('TSLA', '20270305', 240, 'P');
      expect(b.calls).to.have.length(1);
      b.setPrice(220); // a manual clock: the price moves, the business time does not
      t = 5000;
      expect((await md.optionQuote('TSLA', '20270305', 240, 'P')).bid).to.equal(2.2);
      expect(b.calls).to.have.length(2);
    });

    it('when a request fails, then it is not remembered and the next ask goes to the broker', async () => {
      const b = countingBroker();
      let fail = true;
      const flaky = { ...b.md, expirations: async (s: string) => (fail ? Promise.reject(new Error('pacing violation')) : b.md.expirations(s)) };
      const memo = new MarketMemo();
      const md = memoizedMarketData(flaky, memo, manualClock(FRI_CLOSE), HOURS);
      const [x, y] = await Promise.allSettled([md.expirations('TSLA'), md.expirations('TSLA')]);
      expect(x.status).to.equal('rejected');
      expect(y.status).to.equal('rejected'); // shared the one failed request
      fail = false;
      expect((await md.expirations('TSLA')).expirations).to.deep.equal(['20270305']);
      expect(memo.size).to.equal(1);
    });

    it('when a value is served, then it is frozen so one family cannot change what another reads', async () => {
      const md = memoizedMarketData(countingBroker().md, new MarketMemo(), manualClock(FRI_CLOSE), HOURS);
      const chain = await md.optionChain('TSLA', '20270312', 'P', 200, 250);
      expect(Object.isFrozen(chain)).to.equal(true);
      expect(Object.isFrozen(chain[0])).to.equal(true);
    });

    it('when the account or the clock is asked, then the memo is bypassed', async () => {
      const b = countingBroker();
      let n = 0;
      const md = memoizedMarketData({ ...b.md, positions: async () => (n++, []) }, new MarketMemo(), manualClock(FRI_CLOSE), HOURS);
      await md.positions();
      await md.positions();
      expect(n).to.equal(2);
    });
  });

  describe('MarketMemo', () => {
    it('when more keys than maxEntries are stored, then the least recently used go first', async () => {
      const memo = new MarketMemo({ maxEntries: 2 });
      let loads = 0;
      const load = async () => ++loads;
      await memo.get('a', load);
      await memo.get('b', load);
      await memo.get('a', load); // a is now the most recent
      await memo.get('c', load); // evicts b
      expect(memo.size).to.equal(2);
      expect(await memo.get('a', load)).to.equal(1);
      expect(await memo.get('b', load)).to.equal(4); // loaded again
      expect(loads).to.equal(4);
    });

    it('when the options are not positive integers, then it refuses them', () => {
      expect(() => new MarketMemo({ maxEntries: 0 })).to.throw(RangeError);
      expect(() => new MarketMemo({ barMs: 1.5 })).to.throw(RangeError);
    });
  });
});
