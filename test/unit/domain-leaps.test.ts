import { expect } from 'chai';
import { leapsCall, leapsContracts, leapsExpiry } from '../../src/domain/leaps';

describe('LEAPS purchase rules (PROTOCOL §1 reinvestment)', () => {
  const listed = ['20270115', '20270319', '20271217', '20280121', '20290119', '20300118'];
  it('when expirations are listed, then the nearest one 12 to 24 months out is taken', () => {
    expect(leapsExpiry('2026-12-31', listed, 12, 24)).to.equal('20280121');
    expect(leapsExpiry('2027-03-31', listed, 12, 24)).to.equal('20290119');
    expect(leapsExpiry('2026-12-31', ['20270115', '20300118'], 12, 24)).to.equal(null);
  });

  it('when a month end meets a shorter month, then the day is clamped (no overflow into the next month)', () => {
    // 11 months after 31 March 2027 is 29 February 2028, not 2 March.
    expect(leapsExpiry('2027-03-31', ['20280229', '20280301'], 11, 11)).to.equal('20280229');
    expect(leapsExpiry('2027-03-31', ['20280301'], 11, 11)).to.equal(null);
  });

  it('when a chain is offered, then the call with delta in 0.70–0.80 nearest 0.75 and a positive ask', () => {
    const chain = [
      { strikeCents: 8000, delta: 0.86, askCents: 2600 },
      { strikeCents: 8500, delta: 0.79, askCents: 2200 },
      { strikeCents: 9000, delta: 0.74, askCents: 1800 },
      { strikeCents: 9500, delta: 0.76, askCents: 0 },
      { strikeCents: 10000, delta: 0.6, askCents: 1100 },
    ];
    expect(leapsCall(chain, 0.7, 0.8)).to.deep.equal({ strikeCents: 9000, delta: 0.74, askCents: 1800 });
    expect(
      leapsCall(
        chain.filter((q) => q.delta < 0.7),
        0.7,
        0.8,
      ),
    ).to.equal(null);
  });

  it('when the sleeve has cash, then as many contracts as it pays for at the ask', () => {
    expect(leapsContracts(500_000, 1800, 100)).to.equal(2); // $5,000 / $1,800
    expect(leapsContracts(100_000, 1800, 100)).to.equal(0);
    expect(leapsContracts(500_000, 0, 100)).to.equal(0);
  });
});
