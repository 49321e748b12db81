import { expect } from 'chai';
import { ConfigError, describeConfig, loadConfig, maskSecret } from '../../src/config';

describe('config', () => {
  it('when nothing is set, then the documented defaults apply', () => {
    const cfg = loadConfig({});
    expect(cfg.port).to.equal(8080);
    expect(cfg.ibPort).to.equal(4002);
    expect(cfg.temporalPort).to.equal(7233);
    expect(cfg.temporalUiPort).to.equal(8233);
    expect(cfg.temporalAddress).to.equal(undefined);
  });

  it('when a value is invalid, then every bad key is named', () => {
    expect(() => loadConfig({ PORT: 'eighty', IB_PORT: '70000' }))
      .to.throw(ConfigError)
      .with.property('issues')
      .that.satisfies((issues: string[]) => issues.some((i) => i.startsWith('PORT')) && issues.some((i) => i.startsWith('IB_PORT')));
  });

  it('when printed, then secrets are masked', () => {
    const lines = describeConfig(loadConfig({ DATABASE_URL: 'postgresql://u:hunter2@db:5432/x', TEMPORAL_API_KEY: 'abcdefgh' }));
    const text = lines.join('\n');
    expect(text).not.to.contain('hunter2');
    expect(text).not.to.contain('abcdefgh');
    expect(maskSecret('postgresql://u:pw@h/db')).to.equal('postgresql://u:***@h/db');
  });
});
