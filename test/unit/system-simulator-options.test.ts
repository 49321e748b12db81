import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config';
import { simulatorOptions } from '../../src/system';

describe('IB_SIM_START reaches the simulator of npm start', () => {
  it('when IB_SIM_START is set, then the system starts its simulator at that time', () => {
    expect(simulatorOptions(loadConfig({ IB_SIM_START: '2026-03-02T14:30:00Z', IB_SIM_CLOCK: 'manual' }))).to.include({ startTime: '2026-03-02T14:30:00Z', clock: 'manual' });
    expect(simulatorOptions(loadConfig({}))).to.not.have.property('startTime');
  });

  it('when IB_SIM_START is not a date-time, then the configuration is refused', () => {
    expect(() => loadConfig({ IB_SIM_START: 'next monday' })).to.throw(ConfigError, /IB_SIM_START/);
  });
});
