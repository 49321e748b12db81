import { expect } from 'chai';
import { addDays, isTradingDay, type IsoDate } from '../../src/domain';
import { backtestCsv, backtestProtocol } from '../../src/backtest/run';
import { Book } from '../../src/backtest/book';
import { renderReport } from '../../src/backtest/report';
import { parseBacktestOptions } from '../../src/backtest/options';
import { assignmentFeeCents, cashRateOn, interestCents, listedExpiry, monthlyExpiry, parseRateSeries, premiumShortfall } from '../../src/backtest/honest';

/** Daily CSV over the trading days of [from, to]; `bar` gives open, high, low, close in dollars. */
function csv(from: IsoDate, to: IsoDate, bar: (d: IsoDate) => [number, number, number, number]): string {
  const rows = ['date,open,high,low,close'];
  for (let d = from; d <= to; d = addDays(d, 1)) if (isTradingDay(d)) rows.push([d, ...bar(d).map((x) => x.toFixed(2))].join(','));
  return rows.join('\n');
}
const flat = (from: IsoDate, to: IsoDate): string => csv(from, to, () => [1000, 1000, 1000, 1000]);
// Mechanics: only the at-the-money strike has a bid on a $50 grid; every band is set to take it (|delta| ≈ 0.5).
const mech = { unitDivisor: 1, strikeStepCents: 5000, protocol: { accounts: { REV: { deltaMin: 0.4, deltaMax: 0.5 }, COM: { deltaMin: 0.4, deltaMax: 0.5 } } } } as const;

describe('backtest: honest by default', () => {
  describe('when the options are left at their defaults', () => {
    const o = parseBacktestOptions();
    it("then the protocol's per-symbol caps are on (Gen 10 %, Rev 20 %)", () => {
      expect(o.protocolConcentration).to.equal(true);
      const p = backtestProtocol(o);
      expect([p.accounts.GEN.concentrationLimit, p.accounts.REV.concentrationLimit]).to.deep.equal([0.1, 0.2]);
    });
    it('then cash earns 1 %, weeklies start 2010-01-01 and a delivery costs $0.005 a share (min $1)', () =>
      expect([o.cashRate, o.weekliesFrom, o.assignmentFeePerShareMills, o.assignmentFeeMinCents]).to.deep.equal([0.01, '2010-01-01', 5, 100]));
  });

  describe('when the flat index is run with the caps on and with them off', () => {
    const on = backtestCsv(flat('2019-01-07', '2019-06-21'), { ...mech, cashRate: 0 });
    const off = backtestCsv(flat('2019-01-07', '2019-06-21'), { ...mech, cashRate: 0, protocolConcentration: false });
    it('then with the caps Gen-Acc (10 % of ~$400,000 < one $100,000 put) never trades, and the summary says caps are on', () => {
      expect(on.run.byAccount['F0:GEN']).to.include({ 'W-IDL': 10 });
      expect((on.summary.assumptions as { concentration_caps: boolean }).concentration_caps).to.equal(true);
    });
    it('then without them it sells puts, and the assumptions label the run as a comparison', () => {
      expect(off.run.byAccount['F0:GEN']?.['P-EW']).to.equal(9);
      expect(off.assumptions.join('\n')).to.match(/COMPARISON RUN — per-symbol concentration caps OFF/);
      expect(renderReport(off)).to.match(/<h1>[^<]*COMPARISON RUN, concentration caps OFF/);
      expect(renderReport(on)).not.to.match(/COMPARISON RUN/);
      expect(renderReport(on)).to.match(/<li>Per-symbol concentration caps ON/);
    });
  });

  describe('interest on cash', () => {
    it('then $1,000,000 for 7 days at 1 % is $191.78, rounded down to the cent', () => expect(interestCents(100_000_000, 0.01, 7)).to.equal(19_178));
    it('then nothing accrues on a negative balance or at 0 %', () => expect([interestCents(-5_000, 0.05, 7), interestCents(5_000, 0, 7)]).to.deep.equal([0, 0]));
    it('then interest is the exact floor, as in BigInt, for small and huge balances alike', () => {
      const exact = (c: number, r: number, d: number): number => Number((BigInt(c) * BigInt(Math.round(r * 1_000_000)) * BigInt(d)) / 365_000_000n);
      const cases: [number, number, number][] = [
        [365_000_000, 0.01, 100],
        [36_500, 0.01, 1_000],
        [1, 0.000001, 365],
        [2 ** 40, 0.1, 30],
        [2 ** 52, 0.05, 7],
        [9_007_199_254_740_991, 0.2, 365],
      ];
      for (let i = 1; i <= 2_000; i++) cases.push([(i * 7_919_993) % 2_000_000_003, (i % 97) / 1_000, 1 + (i % 120)]);
      for (const [c, r, d] of cases) expect(interestCents(c, r, d), `${c} ${r} ${d}`).to.equal(exact(c, r, d));
    });
    it('then a rate series applies each rate from its date on, the constant before', () => {
      const o = { cashRate: 0.01, cashRateSeries: parseRateSeries('date,rate\n2008-01-01,0.03\n2009-01-01,0.1%') };
      expect([cashRateOn('2007-12-31', o), cashRateOn('2008-06-30', o), cashRateOn('2010-01-01', o)]).to.deep.equal([0.01, 0.03, 0.001]);
    });
    it('then a bad rate series line is refused with its line number', () => expect(() => parseRateSeries('2008-01-01,abc')).to.throw(/line 1/));

    describe('when a $10,000 family can afford nothing and sits in cash for 10 weeks at 5 %', () => {
      const out = backtestCsv(flat('2019-01-07', '2019-06-21'), { ...mech, lumpSumCents: 1_000_000, cashRate: 0.05 });
      it('then its whole gain is the interest, credited through the ledger, which balances', () => {
        expect(out.run.book.interest).to.be.greaterThan(0);
        expect(out.run.points.at(-1)?.total).to.equal(1_000_000 + out.run.book.interest);
        expect(Object.values(out.run.book.balances).reduce((s, x) => s + x, 0)).to.equal(0);
        expect(out.summary.interest).to.equal(out.run.book.interest / 100);
      });
      it('then it lies between 5 % simple and continuously compounded over the 70 days (less a cent per account and week)', () => {
        const simple = (1_000_000 * 0.05 * 70) / 365; // 9,589.04 cents
        const continuous = 1_000_000 * (Math.exp((0.05 * 70) / 365) - 1); // 9,635.2 cents
        expect(out.run.book.interest).to.be.within(Math.floor(simple) - 3 * 10, Math.ceil(continuous));
      });
    });
  });

  describe('listed expiries', () => {
    it("then a month's expiry is its third Friday, or Thursday when that Friday is Good Friday", () =>
      expect([monthlyExpiry(2008, 10), monthlyExpiry(2003, 4), monthlyExpiry(2009, 1)]).to.deep.equal(['2008-10-17', '2003-04-17', '2009-01-16']));
    it("then before weekliesFrom a week after the third Friday sells next month's expiry", () => expect(listedExpiry('2008-09-22', '2010-01-01')).to.equal('2008-10-17'));
    it("then from weekliesFrom on it is the week's own expiry (Thursday in the Good Friday week)", () =>
      expect([listedExpiry('2019-04-15', '2010-01-01'), listedExpiry('2019-04-20', '2010-01-01')]).to.deep.equal(['2019-04-18', '2019-04-26']));

    describe('when the same flat stretch of 2008 is run with monthly and with weekly expiries', () => {
      const monthly = backtestCsv(flat('2008-01-07', '2008-06-20'), { ...mech, cashRate: 0, protocolConcentration: false });
      const weekly = backtestCsv(flat('2008-01-07', '2008-06-20'), { ...mech, cashRate: 0, protocolConcentration: false, weekliesFrom: '2000-01-01' });
      it('then Rev-Acc sells one option a month before weeklies and one a week after', () => {
        expect(monthly.run.premiumTarget.REV?.entries).to.equal(3); // April, May and June expiries of the 10 traded weeks
        expect(weekly.run.premiumTarget.REV?.entries).to.equal(10);
      });
      it('then a week holding a monthly put at the money is classified from it, not as idle', () => expect(monthly.run.byAccount['F0:REV']?.['W-IDL']).to.equal(0));
    });
  });

  describe('expiry and assignment', () => {
    const p = backtestProtocol(parseBacktestOptions());
    const book = new Book(p, parseBacktestOptions());
    const fam = book.addFamily('F0', null, ['COM']);
    const com = fam.accounts[0]!;
    com.shares = 200;
    com.basis = 100_000;
    it('then a call with S = K expires (strictly in the money only, as live), and no fee is charged', () => {
      book.settle(com, { right: 'C', strike: 100_000, expiry: '2019-06-21', qty: 2, entrySpot: 100_000 }, 100_000, '2019-06-21');
      expect([com.shares, book.cash(com.id), book.assignmentFees]).to.deep.equal([200, 0, 0]);
    });
    it('then a call one cent in the money is called away and the delivery pays the $1 minimum', () => {
      book.settle(com, { right: 'C', strike: 100_000, expiry: '2019-06-28', qty: 2, entrySpot: 100_000 }, 100_001, '2019-06-28');
      expect([com.shares, com.basis, book.cash(com.id), book.assignmentFees]).to.deep.equal([0, 0, 20_000_000 - 100, 100]);
    });
    it('then the fee is $0.005 a share above the minimum, rounded up to the cent', () =>
      expect([assignmentFeeCents(1_000, parseBacktestOptions()), assignmentFeeCents(301, parseBacktestOptions()), assignmentFeeCents(0, parseBacktestOptions())]).to.deep.equal([500, 151, 0]));

    describe('when the flat index runs 10 weeks with Com-Acc writing at-the-money calls', () => {
      const out = backtestCsv(flat('2019-01-07', '2019-06-21'), { ...mech, cashRate: 0, protocolConcentration: false });
      it('then Com-Acc keeps its 200 shares (never called away at S = K) and pays no delivery fee', () => {
        expect(out.run.book.families[0]?.accounts.find((a) => a.kind === 'COM')?.shares).to.equal(200);
        expect(out.summary.assignment_fees).to.equal(0);
      });
    });
  });

  describe('LEAPS marks', () => {
    it('then a 2-year call is marked at the long-dated vol, not at a short-dated spike', () => {
      const o = parseBacktestOptions();
      const book = new Book(backtestProtocol(o), o);
      const com = book.addFamily('F0', null, ['COM']).accounts[0]!;
      com.leaps = [{ right: 'C', strike: 30_000, expiry: '2022-03-18', qty: 10, entrySpot: 30_000 }];
      const calm = book.value(com, 30_000, '2020-03-20', 0.2);
      book.leapsVol = () => 0.2; // the long-dated estimate stays calm while the 20-day vol spikes to 80 %
      expect(book.value(com, 30_000, '2020-03-20', 0.8)).to.equal(calm);
    });
  });

  describe('when the flat index runs over the end of June 2019', () => {
    const out = backtestCsv(flat('2019-01-07', '2019-07-12'), { ...mech, cashRate: 0, protocolConcentration: false });
    it("then the quarter's premium is reinvested at its last weekly close (2019-06-28, W26), as live", () => {
      const weeks = out.run.events.filter((e) => e.kind === 'REINVEST').map((e) => e.week);
      expect(weeks.length).to.be.greaterThan(0);
      expect([...new Set(weeks)]).to.deep.equal(['2019-W26']);
    });
  });

  describe('targetWeeklyPremium', () => {
    it("then 1 % of the account in a 7-day option is below Gen's 1.5 % and above Com's 0.5 %", () => {
      expect(premiumShortfall({ premiumCents: 1_000, accountValueCents: 100_000, days: 7, target: 0.015 })).to.deep.equal({ weeklyRate: 0.01, short: true });
      expect(premiumShortfall({ premiumCents: 1_000, accountValueCents: 100_000, days: 7, target: 0.005 }).short).to.equal(false);
    });
    it("then a 28-day option's premium counts per week of its life", () =>
      expect(premiumShortfall({ premiumCents: 1_000, accountValueCents: 100_000, days: 28, target: 0.005 })).to.deep.equal({ weeklyRate: 0.0025, short: true }));
    it('then the summary counts entries and shortfalls per account kind', () => {
      const out = backtestCsv(flat('2019-01-07', '2019-06-21'), { ...mech, cashRate: 0, protocolConcentration: false });
      expect(out.summary.premium_target).to.have.keys(['GEN', 'REV', 'COM']);
      expect(out.run.premiumTarget.GEN).to.deep.equal({ entries: 9, below: 9 });
    });
  });
});
