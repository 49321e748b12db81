import { expect } from 'chai';
import { DEFAULT_PROTOCOL, ProtocolConfigError, parseProtocolConfig, withOverrides } from '../../src/domain/config';

describe('domain/config', () => {
  const defaults: [string, (c: typeof DEFAULT_PROTOCOL) => unknown, unknown][] = [
    ['account shares', (c) => [c.accounts.GEN.share, c.accounts.REV.share, c.accounts.COM.share], [0.4, 0.3, 0.3]],
    ['Gen delta band', (c) => [c.accounts.GEN.deltaMin, c.accounts.GEN.deltaMax], [0.4, 0.5]],
    ['Rev entry days', (c) => c.accounts.REV.entryWeekdays, [1, 2, 3]],
    ['concentration', (c) => [c.accounts.GEN.concentrationLimit, c.accounts.REV.concentrationLimit], [0.1, 0.2]],
    ['buffer', (c) => c.accounts.COM.cashBuffer, 0.05],
    ['fork threshold', (c) => c.fork.thresholdCents, 5_000_000],
    ['merge threshold', (c) => c.merge.thresholdCents, 50_000_000],
    ['reinvest split', (c) => [c.reinvest.contractsShare, c.reinvest.leapsShare], [0.75, 0.25]],
    ['LEAPS', (c) => [c.reinvest.leapsMinMonths, c.reinvest.leapsMaxMonths, c.reinvest.leapsDeltaMin, c.reinvest.leapsDeltaMax], [12, 24, 0.7, 0.8]],
    ['L', (c) => c.weekTypes.assignmentLossLimit, 0.05],
    ['regime', (c) => [c.regime.atrPeriod, c.regime.fastMa, c.regime.slowMa, c.regime.volLookback, c.regime.highVolRatio, c.regime.lowVolRatio], [14, 10, 30, 52, 1.25, 0.75]],
    ['limit band, re-prices, pacing', (c) => [c.risk.limitBand, c.signals.maxReprices, c.risk.pacingPerSecond], [0.2, 2, 50]],
    ['commission', (c) => c.market.commissionPerContractCents, 65],
  ];
  for (const [what, get, want] of defaults) it(`when nothing is set, then the ${what} default applies`, () => expect(get(DEFAULT_PROTOCOL)).to.deep.equal(want));

  const bad: [string, unknown, string][] = [
    ['shares not adding to 1', { accounts: { GEN: { share: 0.5 } } }, 'accounts'],
    ['a reversed delta band', { accounts: { REV: { deltaMin: 0.5, deltaMax: 0.3 } } }, 'accounts.REV.deltaMin'],
    ['a weekend entry day', { accounts: { COM: { entryWeekdays: [6] } } }, 'accounts.COM.entryWeekdays.0'],
    ['a fractional cent threshold', { fork: { thresholdCents: 1.5 } }, 'fork.thresholdCents'],
    ['reinvest shares not adding to 1', { reinvest: { leapsShare: 0.3 } }, 'reinvest'],
  ];
  for (const [what, input, path] of bad)
    it(`when the config has ${what}, then it is refused naming ${path}`, () =>
      expect(() => parseProtocolConfig(input))
        .to.throw(ProtocolConfigError)
        .with.property('issues')
        .that.satisfies((i: string[]) => i.some((x) => x.startsWith(`${path}:`))));

  it('when one account is overridden, then only that key changes and the rest keep their defaults', () => {
    const c = withOverrides(DEFAULT_PROTOCOL, { accounts: { GEN: { deltaMax: 0.45, underlyings: ['SPY'] } } });
    expect(c.accounts.GEN).to.include({ deltaMin: 0.4, deltaMax: 0.45, share: 0.4 });
    expect(c.accounts.GEN.underlyings).to.deep.equal(['SPY']);
    expect(c.accounts.REV).to.deep.equal(DEFAULT_PROTOCOL.accounts.REV);
  });
});
