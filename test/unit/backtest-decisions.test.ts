import { expect } from 'chai';
import { addDays, isTradingDay, type IsoDate } from '../../src/domain';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import { backtestCsv } from '../../src/backtest/run';
import { Book } from '../../src/backtest/book';
import { parseBacktestOptions } from '../../src/backtest/options';
import type { Decision, FillDecision, OrderDecision } from '../../src/contracts/parity';
import { decisionKey } from '../../src/parity/compare';

/** Daily CSV over the trading days of [from, to]; `close` gives the day's close in dollars (high/low ± 10). */
function csv(from: IsoDate, to: IsoDate, close: (d: IsoDate) => number): string {
  const rows = ['date,open,high,low,close'];
  for (let d = from; d <= to; d = addDays(d, 1)) if (isTradingDay(d)) rows.push([d, close(d), close(d) + 10, close(d) - 10, close(d)].map(String).join(','));
  return rows.join('\n');
}
// Only the at-the-money strike has a bid on a $50 grid: every band is set to take it (|delta| ≈ 0.5).
const mech = {
  unitDivisor: 1,
  strikeStepCents: 5000,
  protocolConcentration: false,
  cashRate: 0,
  protocol: { accounts: { REV: { deltaMin: 0.4, deltaMax: 0.5 }, COM: { deltaMin: 0.4, deltaMax: 0.5 } } },
};
const run = (text: string) => {
  const decisions: Decision[] = [];
  const out = backtestCsv(text, { ...mech, onDecision: (d) => decisions.push(d) });
  return { out, decisions };
};
const of = <K extends Decision['kind']>(ds: Decision[], kind: K) => ds.filter((d): d is Decision & { kind: K } => d.kind === kind);

describe('backtest decisions (parity hook, onDecision)', () => {
  describe('when the index is flat at 1000 for 10 traded weeks', () => {
    const { out, decisions } = run(csv('2019-01-07', '2019-06-21', () => 1000));
    const weeks = out.run.points.slice(1).map((p) => p.week);

    it("then every account's week type is reported each week by role, matching the run's counts", () => {
      const types = of(decisions, 'WEEK_TYPE');
      expect(types).to.have.length(3 * weeks.length);
      for (const [role, id] of [
        ['GEN', 'F0:GEN'],
        ['REV', 'F0:REV'],
        ['COM', 'F0:COM'],
      ] as const) {
        const counts: Record<string, number> = {};
        for (const t of types.filter((x) => x.account === role)) counts[t.type] = (counts[t.type] ?? 0) + 1;
        expect(counts).to.deep.equal(Object.fromEntries(Object.entries(out.run.byAccount[id]!).filter(([, n]) => n > 0)));
      }
      expect(new Set(types.map((t) => t.week))).to.deep.equal(new Set(weeks));
    });

    it('then each fill follows its order, at the ladder price of the assumed attempt, and the fills add up to the premium and commissions', () => {
      const orders = of(decisions, 'ORDER');
      const fills = of(decisions, 'FILL');
      expect(orders.length).to.equal(fills.length).and.be.greaterThan(0);
      let premium = 0;
      let commissions = 0;
      for (const f of fills) {
        const i = decisions.indexOf(f);
        const o = decisions[i - 1] as OrderDecision;
        expect(decisionKey({ ...o, kind: 'FILL' } as unknown as FillDecision)).to.equal(decisionKey(f));
        commissions += f.commissionCents; // shares pay the broker's per-share rate too
        if (f.right === null) {
          expect(o.limitLadderCents).to.deep.equal([f.priceCents]); // shares at the close
          continue;
        }
        expect(o.limitLadderCents).to.have.length(DEFAULT_PROTOCOL.signals.maxReprices + 1);
        expect(o.limitLadderCents[1]).to.equal(f.priceCents); // fillAttempt 1
        premium += (o.action.startsWith('SELL') ? 1 : -1) * f.priceCents * f.quantity * 100;
      }
      expect(premium).to.equal(out.run.book.premium);
      expect(commissions).to.equal(out.run.book.commissions);
    });

    it('then every option sold expires at S = K (no assignment), one EXPIRY per option', () => {
      const opens = of(decisions, 'FILL').filter((f) => f.action.startsWith('SELL_TO_OPEN'));
      expect(of(decisions, 'ASSIGNMENT')).to.have.length(0);
      const legs = (xs: { account: string; right: string | null; strikeCents: number | null; expiry: string | null; quantity: number }[]) =>
        xs.map((x) => `${x.account}:${x.right}${x.strikeCents}@${x.expiry}x${x.quantity}`).sort();
      expect(legs(of(decisions, 'EXPIRY'))).to.deep.equal(legs(opens));
    });

    it("then each week closes with every account's cash, the last week's equal to the book", () => {
      const cash = of(decisions, 'CASH');
      expect(cash).to.have.length(3 * weeks.length);
      const last = cash.filter((c) => c.week === weeks.at(-1));
      expect(Object.fromEntries(last.map((c) => [c.account, c.cashCents]))).to.deep.equal({ GEN: out.run.book.cash('F0:GEN'), REV: out.run.book.cash('F0:REV'), COM: out.run.book.cash('F0:COM') });
    });
  });

  describe('when the index falls 10 % in a week (Rev-Acc assigned)', () => {
    const crash: Record<string, number> = { '2019-04-23': 960, '2019-04-24': 900, '2019-04-25': 900, '2019-04-26': 900 };
    const { decisions } = run(csv('2019-01-07', '2019-05-10', (d) => crash[d] ?? (d > '2019-04-26' ? 900 : 1000)));
    it("then Rev-Acc's put is reported ASSIGNED at its expiry, and its week P-DD", () => {
      const a = of(decisions, 'ASSIGNMENT');
      expect(a.map((x) => [x.week, x.account, x.right, x.strikeCents, x.quantity])).to.deep.include(['2019-W17', 'REV', 'P', 100_000, 2]);
      expect(of(decisions, 'WEEK_TYPE').find((t) => t.week === '2019-W17' && t.account === 'REV')?.type).to.equal('P-DD');
    });
  });

  describe('when a quarter reinvests into LEAPS', () => {
    it("then the account's LEAPS sleeve reports its cash at each close, as the live books list it (parity: what the calls left over)", () => {
      const book = new Book(DEFAULT_PROTOCOL, parseBacktestOptions());
      const [gen, rev] = book.addFamily('F0', null, ['GEN', 'REV', 'COM']).accounts;
      book.post([{ from: 'F0:REV', to: 'F0:REV:LEAPS', amountCents: 75_700, reason: 'REINVEST', key: 'REINVEST:F0:REV:2008-Q3' }]);
      expect(book.cashIds(rev!)).to.deep.equal(['F0:REV', 'F0:REV:LEAPS']);
      expect(book.cashIds(gen!)).to.deep.equal(['F0:GEN']);
    });
  });

  describe('when families fork', () => {
    it('then accounts are named by role: forks F1, F2 in the order founded, sleeves <account>:LEAPS', () => {
      const book = new Book(DEFAULT_PROTOCOL, parseBacktestOptions());
      book.addFamily('F0', null, ['GEN', 'REV', 'COM']);
      book.addFamily('F0/2019-W10', 'F0', ['GEN', 'COM']);
      book.addFamily('F0/2019-W10/2019-W30', 'F0/2019-W10', ['GEN', 'COM']);
      expect(['F0:GEN', 'F0:REV:LEAPS', 'F0/2019-W10:GEN', 'F0/2019-W10:COM:LEAPS', 'F0/2019-W10/2019-W30:COM'].map((id) => book.roleOf(id))).to.deep.equal([
        'GEN',
        'REV:LEAPS',
        'F1/GEN',
        'F1/COM:LEAPS',
        'F2/COM',
      ]);
    });
  });
});
