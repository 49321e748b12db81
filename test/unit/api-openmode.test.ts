import { expect } from 'chai';
import { authFromEnv } from '../../src/api/app';
import { createLogger } from '../../src/logger';

describe('authentication is required by default; open mode is an explicit loopback-only opt-in', () => {
  it('when AUTH_MODE is unset, then authentication is required on loopback as on any other bind', () => {
    expect(authFromEnv(createLogger('test', 'error'), { HOST: '127.0.0.1' }).mode).to.equal('required');
    expect(authFromEnv(createLogger('test', 'error'), { HOST: 'localhost' }).mode).to.equal('required');
  });
  const logger = createLogger('test', 'error');
  it('when AUTH_MODE=open is asked for on a public bind, then the API refuses to start', () => {
    expect(() => authFromEnv(logger, { AUTH_MODE: 'open', HOST: '0.0.0.0' })).to.throw(/requires a loopback HOST/);
  });
  it('when AUTH_MODE=open is asked for on loopback, then it is granted', () => {
    expect(authFromEnv(logger, { AUTH_MODE: 'open', HOST: '127.0.0.1' }).mode).to.equal('open');
    expect(authFromEnv(logger, { HOST: '0.0.0.0' }).mode).to.equal('required');
  });
});
