/**
 * The report figures against one week worked by hand (Mon 2026-11-16 .. Fri 2026-11-20), to the
 * cent. Family F0 holds GEN, REV and COM, each funded the Friday before. Working in the comments.
 */
import { expect } from 'chai';
import { computeReport, drawdownOf, valueCents, type ReportInput } from '../../src/reports/compute';
import { periodOf } from '../../src/reports/period';
import { reportCsv, reportHtml } from '../../src/reports/render';

const E = 'EXTERNAL';
const M = 'MARKET';
let n = 0;
const entry = (date: string, reason: string, from: string, to: string, amountCents: number) => ({ key: `k${n++}`, familyId: 'F0', fromAccountId: from, toAccountId: to, amountCents, reason, date });

const input: ReportInput = {
  kind: 'weekly',
  from: '2026-11-16',
  to: '2026-11-20',
  generatedAt: '2026-11-20T23:00:00.000Z',
  families: [{ id: 'F0', name: 'Test family', parentFamilyId: null, status: 'OPEN' }],
  accounts: [
    { id: 'F0:GEN', familyId: 'F0', kind: 'GEN', status: 'OPEN' },
    { id: 'F0:REV', familyId: 'F0', kind: 'REV', status: 'OPEN' },
    { id: 'F0:COM', familyId: 'F0', kind: 'COM', status: 'OPEN' },
  ],
  ledger: [
    entry('2026-11-13', 'DEPOSIT', E, 'F0:GEN', 4_000_000),
    entry('2026-11-13', 'DEPOSIT', E, 'F0:REV', 3_000_000),
    entry('2026-11-13', 'DEPOSIT', E, 'F0:COM', 3_000_000),
    entry('2026-11-16', 'PREMIUM', M, 'F0:REV', 30_000),
    entry('2026-11-16', 'COMMISSION', 'F0:REV', M, 130),
    entry('2026-11-17', 'TRADE', 'F0:COM', M, 2_000_000), // 100 AAPL at $200
    entry('2026-11-17', 'PREMIUM', M, 'F0:COM', 10_000), // covered call at $1.00
    entry('2026-11-17', 'COMMISSION', 'F0:COM', M, 100),
    entry('2026-11-18', 'WITHDRAWAL', 'F0:REV', E, 100_000),
    entry('2026-11-19', 'PREMIUM', M, 'F0:GEN', 60_000),
    entry('2026-11-19', 'COMMISSION', 'F0:GEN', M, 260),
    entry('2026-11-20', 'ASSIGNMENT', 'F0:GEN', M, 1_900_000), // put at 190 assigned: 100 XYZ
    entry('2026-11-20', 'FORK', 'F0:GEN', 'F0:COM', 50_000),
    entry('2026-11-23', 'PREMIUM', M, 'F0:GEN', 99_999), // after the period: ignored
  ],
  weekTypes: [
    { accountId: 'F0:GEN', symbol: 'XYZ', week: '2026-W47', type: 'P-AWL' },
    { accountId: 'F0:REV', symbol: 'AAPL', week: '2026-W47', type: 'P-EW' },
    { accountId: 'F0:COM', symbol: 'AAPL', week: '2026-W47', type: 'C-PNO' },
  ],
  events: [{ at: '2026-11-18T15:00:00.000Z', accountId: 'F0:GEN', action: 'PROTOCOL_LEVEL', detail: { symbol: 'XYZ', level: 1 } }],
  positions: [
    { ownerKind: 'ACCOUNT', ownerId: 'F0:GEN', symbol: 'XYZ', secType: 'STK', quantity: 100, avgPrice: '190.0000', multiplier: 1, mark: null, realizedPnlCents: 0 },
    { ownerKind: 'ACCOUNT', ownerId: 'F0:COM', symbol: 'AAPL', secType: 'STK', quantity: 100, avgPrice: '200.0000', multiplier: 1, mark: '195.5000', realizedPnlCents: 0 },
    { ownerKind: 'ACCOUNT', ownerId: 'F0:COM', symbol: 'AAPL', secType: 'OPT', quantity: -1, avgPrice: '1.0000', multiplier: 100, mark: '0.2500', realizedPnlCents: 0 },
    { ownerKind: 'STRATEGY', ownerId: 'c1:S1', symbol: 'MSFT', secType: 'OPT', quantity: -1, avgPrice: '1.2345', multiplier: 100, mark: '0.8000', realizedPnlCents: 7_290 },
  ],
  fills: [
    { strategy: 'S1', clientName: 'c1', scheme: 'WIS', secType: 'OPT', side: 'SELL', shares: 2, price: '1.2345', multiplier: 100, commission: '1.3000' },
    { strategy: 'S1', clientName: 'c1', scheme: 'WIS', secType: 'OPT', side: 'BUY', shares: 1, price: '0.5050', multiplier: 100, commission: '1.0000' },
  ],
  instructions: [
    { strategy: 'S1', clientName: 'c1', scheme: 'WIS', status: 'FILLED' },
    { strategy: 'S1', clientName: 'c1', scheme: 'WIS', status: 'FILLED' },
    { strategy: 'S1', clientName: 'c1', scheme: 'WIS', status: 'REJECTED' },
  ],
};

describe('reports: computeReport against a hand-worked week', () => {
  const r = computeReport(input);
  const acc = (id: string) => r.accounts.find((a) => a.accountId === id)!;

  it('when GEN collects $600 premium, is assigned 100 XYZ at $190 and forks $500, then its figures are exact', () => {
    // cash 40,000 + 600 − 2.60 − 19,000 − 500 = 21,097.40; shares at cost 19,000 → equity 40,097.40
    expect(acc('F0:GEN')).to.include({
      openingCashCents: 4_000_000,
      cashCents: 2_109_740,
      equityCents: 4_009_740,
      premiumCents: 60_000,
      commissionsCents: 260,
      realisedPnlCents: 59_740,
      unrealisedPnlCents: 0,
      netTransfersCents: -50_000,
    });
    expect(acc('F0:GEN').curve.map((p) => p.equityCents)).to.deep.equal([4_000_000, 4_000_000, 4_000_000, 4_059_740, 4_009_740]);
    // peak Thu 40,597.40 → Fri 40,097.40: $500 = 1.23 %
    expect(acc('F0:GEN').drawdown).to.include({ maxCents: 50_000, maxPct: 1.23 });
    expect(acc('F0:GEN').weekTypes).to.deep.equal({ 'P-AWL': 1 });
  });

  it('when REV collects $300 and withdraws $1,000, then cash 29,298.70 and a $1,000 (3.30 %) drawdown', () => {
    expect(acc('F0:REV')).to.include({ cashCents: 2_929_870, equityCents: 2_929_870, premiumCents: 30_000, commissionsCents: 130, realisedPnlCents: 29_870, netTransfersCents: -100_000 });
    expect(acc('F0:REV').drawdown).to.include({ maxCents: 100_000, maxPct: 3.3 });
  });

  it('when COM buys 100 AAPL at $200 marked at $195.50 and its $1.00 call is marked $0.25, then unrealised is −$375.00', () => {
    // AAPL 100 × (195.50 − 200) = −450; call −1 × (0.25 − 1.00) × 100 = +75
    expect(acc('F0:COM')).to.include({ cashCents: 1_059_900, equityCents: 3_012_400, premiumCents: 10_000, realisedPnlCents: 9_900, unrealisedPnlCents: -37_500, netTransfersCents: 50_000 });
    expect(acc('F0:COM').curve.map((p) => p.equityCents)).to.deep.equal([3_000_000, 3_009_900, 3_009_900, 3_009_900, 3_012_400]);
    expect(acc('F0:COM').drawdown.maxCents).to.equal(0);
  });

  it('when the family is summed, then the fork between its own accounts cancels and it is counted once', () => {
    const f = r.families[0]!;
    expect(f).to.include({
      openingCashCents: 10_000_000,
      cashCents: 6_099_510,
      equityCents: 9_952_010,
      premiumCents: 100_000,
      commissionsCents: 490,
      realisedPnlCents: 99_510,
      unrealisedPnlCents: -37_500,
      netTransfersCents: -100_000,
    });
    expect(f.forks).to.deep.equal({ count: 1, cents: 50_000 });
    expect(f.merges).to.deep.equal({ count: 0, cents: 0 });
    expect(f.curve.map((p) => p.equityCents)).to.deep.equal([10_029_870, 10_039_770, 9_939_770, 9_999_510, 9_952_010]);
    expect(f.drawdown).to.include({ maxCents: 100_000, maxPct: 1 });
    expect(f.weekTypes).to.deep.equal({ 'P-AWL': 1, 'P-EW': 1, 'C-PNO': 1 });
    expect(r.totals.equityCents).to.equal(acc('F0:GEN').equityCents + acc('F0:REV').equityCents + acc('F0:COM').equityCents);
  });

  it('when a STAR-LAB strategy sold 2 at $1.2345 and bought 1 at $0.505, then premium and P&L are exact to the cent', () => {
    expect(r.strategies).to.deep.equal([
      {
        clientName: 'c1',
        strategy: 'S1',
        scheme: 'WIS',
        instructions: { FILLED: 2, REJECTED: 1 },
        fills: 2,
        premiumCollectedCents: 24_690,
        premiumPaidCents: 5_050,
        commissionsCents: 230,
        realisedPnlToDateCents: 7_290,
        unrealisedPnlCents: 4_345,
      },
    ]);
  });

  it('when rendered, then the CSV has a row per level and the HTML is self-contained with SVG charts', () => {
    const csv = reportCsv(r).trim().split('\n');
    expect(csv).to.have.length(1 + 1 + 1 + 3 + 1);
    expect(csv[1]).to.match(/^total,all,weekly,10000000,6099510,9952010,100000,490,99510,-37500,-100000,100000,1,/);
    const html = reportHtml(r);
    expect(html).to.contain('<svg').and.contain('<polyline').and.contain('P-AWL');
    expect(html).to.not.match(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('when a cell starts like a spreadsheet formula, then the CSV quotes it as text', () => {
    const csv = reportCsv({ ...r, strategies: [{ ...r.strategies[0]!, strategy: '=HYPERLINK("x")' }] });
    expect(csv).to.contain(`"c1:=HYPERLINK(""x"")"`);
    const evil = reportCsv({ ...r, accounts: [{ ...r.accounts[0]!, accountId: '=cmd' }] });
    expect(evil).to.contain("'=cmd");
  });

  it('when periods and values are computed, then weekly is Monday..Friday and money rounds half-even', () => {
    expect(periodOf('weekly', '2026-11-19')).to.deep.equal({ from: '2026-11-16', to: '2026-11-20' });
    expect(periodOf('daily', '2026-11-19')).to.deep.equal({ from: '2026-11-19', to: '2026-11-19' });
    expect(() => periodOf('daily', '2026-13-45')).to.throw(RangeError);
    expect(valueCents('0.125', 1, 1)).to.equal(12); // 12.5 cents → 12 (half-even)
    expect(drawdownOf([]).maxCents).to.equal(0);
  });
});
