import { expect } from 'chai';
import { applyAssignments, diffConfigs, parseAssignment } from '../../src/domain/configChange';
import { DEFAULT_PROTOCOL, parseProtocolConfig } from '../../src/domain/config';

describe('protocol configuration changes (pure)', () => {
  it('when two configurations differ in leaves and lists, then the diff names each path once, sorted', () => {
    const b = applyAssignments(DEFAULT_PROTOCOL, [parseAssignment('accounts.GEN.deltaMin=0.3'), parseAssignment('accounts.REV.underlyings=["AAPL"]')]);
    expect(diffConfigs(DEFAULT_PROTOCOL, b)).to.deep.equal([
      { path: 'accounts.GEN.deltaMin', from: 0.4, to: 0.3 },
      { path: 'accounts.REV.underlyings', from: ['AAPL', 'AMZN', 'MSFT'], to: ['AAPL'] },
    ]);
    expect(diffConfigs(DEFAULT_PROTOCOL, structuredClone(DEFAULT_PROTOCOL))).to.deep.equal([]);
  });

  it('when an assignment is applied, then the base is not mutated and missing objects are created', () => {
    const base = { a: { b: 1 } };
    const out = applyAssignments(base, [parseAssignment('a.c.d=true'), parseAssignment('x=hello')]);
    expect(out).to.deep.equal({ a: { b: 1, c: { d: true } }, x: 'hello' });
    expect(base).to.deep.equal({ a: { b: 1 } });
  });

  it('when an assignment is malformed, then it is refused with the offending text', () => {
    expect(() => parseAssignment('deltaMin')).to.throw(/key=value/);
    expect(() => parseAssignment('accounts..x=1')).to.throw(/not a configuration key/);
    expect(() => parseAssignment('__proto__.x=1')).to.throw(/not a configuration key/);
  });

  it('when a changed configuration is invalid, then validation lists every problem', () => {
    const bad = applyAssignments(DEFAULT_PROTOCOL, [parseAssignment('accounts.GEN.deltaMin=2'), parseAssignment('levels.rollAtr=-1')]);
    expect(() => parseProtocolConfig(bad)).to.throw(/accounts\.GEN\.deltaMin[\s\S]*levels\.rollAtr/);
  });
});
