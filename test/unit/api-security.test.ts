import { expect } from 'chai';
import { ipAllowed, parseCidr } from '../../src/api/ipAllow';
import { createTokenService, TokenError } from '../../src/api/tokens';
import { strategyAllowed } from '../../src/api/clientContext';
import { hashSecret, parseApiKey, verifySecret } from '../../src/db/apiClients';

describe('api security helpers', () => {
  describe('IP allowlist', () => {
    const cases: [string, string[], string, boolean][] = [
      ['an empty list', [], '203.0.113.9', true],
      ['an IPv4 host inside its /32', ['127.0.0.1/32'], '127.0.0.1', true],
      ['the IPv4-mapped form of an allowed IPv4 host', ['127.0.0.1/32'], '::ffff:127.0.0.1', true],
      ['an IPv4 host allowed by its mapped IPv6 form', ['::ffff:127.0.0.1'], '127.0.0.1', true],
      ['a mapped /120 prefix', ['::ffff:10.0.0.0/120'], '10.0.0.77', true],
      ['an address outside a /8', ['10.0.0.0/8'], '11.0.0.1', false],
      ['an address inside a /8', ['10.0.0.0/8'], '10.200.3.4', true],
      ['IPv6 loopback when only IPv4 loopback is allowed', ['127.0.0.1/32'], '::1', false],
      ['an IPv6 address inside a /32', ['2001:db8::/32'], '2001:db8:1::5', true],
      ['an IPv6 address outside a /32', ['2001:db8::/32'], '2001:db9::1', false],
      ['no address at all', ['127.0.0.1'], '', false],
    ];
    for (const [what, list, ip, want] of cases) it(`when ${what}, then allowed=${want}`, () => expect(ipAllowed(ip, list)).to.equal(want));
    it('when a CIDR is malformed, then parsing says why', () => {
      expect(() => parseCidr('300.1.1.1/8')).to.throw(/not an IP/);
      expect(() => parseCidr('10.0.0.0/33')).to.throw(/prefix/);
      expect(() => parseCidr('10.0.0.0/x')).to.throw(/prefix/);
    });
  });

  describe('secrets', () => {
    it('when a secret is hashed, then only that secret verifies and the hash is salted', async () => {
      const a = await hashSecret('s3cret-value');
      const b = await hashSecret('s3cret-value');
      expect(a).to.match(/^scrypt\$16384\$8\$1\$/);
      expect(a).not.to.equal(b);
      expect(await verifySecret('s3cret-value', a)).to.equal(true);
      expect(await verifySecret('s3cret-valuf', a)).to.equal(false);
      expect(await verifySecret('x', 'plain')).to.equal(false);
    });
    it('when an API key is parsed, then only the auk_<16 hex>.<secret> shape is accepted', () => {
      expect(parseApiKey('auk_0123456789abcdef.abcdefghijklmnopqrstuvwxyz_-12')).to.deep.equal({ keyId: '0123456789abcdef', secret: 'abcdefghijklmnopqrstuvwxyz_-12' });
      expect(parseApiKey('auk_0123.abc')).to.equal(null);
      expect(parseApiKey('eyJhbGciOi.x.y')).to.equal(null);
    });
  });

  describe('access tokens', () => {
    it('when a token is issued, then it verifies with the same key only', async () => {
      const t = createTokenService('k'.repeat(40), 60);
      const { access_token, expires_in } = await t.issue({ sub: 'alpha', cid: 'cli_1', scope: 'trade read' });
      expect(expires_in).to.equal(60);
      expect(await t.verify(access_token)).to.deep.equal({ sub: 'alpha', cid: 'cli_1', scope: 'trade read' });
      const other = createTokenService('z'.repeat(40), 60);
      await other.verify(access_token).then(
        () => expect.fail('verified with another key'),
        (e: TokenError) => expect(e.code).to.equal('INVALID_CREDENTIALS'),
      );
    });
    it('when a token has expired, then verify says TOKEN_EXPIRED', async () => {
      const t = createTokenService('k'.repeat(40), -5);
      const { access_token } = await t.issue({ sub: 'a', cid: 'c', scope: 'read' });
      await t.verify(access_token).then(
        () => expect.fail('expired token verified'),
        (e: TokenError) => expect(e.code).to.equal('TOKEN_EXPIRED'),
      );
    });
  });

  it('when strategy patterns have wildcards, then they match whole ids only', () => {
    const c = { name: 'a', strategies: ['DIS_*', 'WIS_AAPL_001'], scopes: [] };
    expect(strategyAllowed(c, 'DIS_AAPL_1')).to.equal(true);
    expect(strategyAllowed(c, 'WIS_AAPL_001')).to.equal(true);
    expect(strategyAllowed(c, 'WIS_AAPL_0011')).to.equal(false);
    expect(strategyAllowed(c, 'XDIS_1')).to.equal(false);
  });
});
