/**
 * STAR-LAB API authentication and limits against the real system: API keys, OAuth client
 * credentials, every refusal (401/403/404), rate limits, body limits, headers, the CLI and
 * the audit trail.
 */
import path from 'node:path';
import { expect } from 'chai';
import { createTokenService } from '../../src/api/tokens';
import { revokeApiClient } from '../../src/db/apiClients';
import { listAudit } from '../../src/db/audit';
import { until } from './_system';
import { runCli } from './_cli';
import { BASE, call, instruction, newClient, securedApi, submit, TOKEN_SECRET, uniq, waitStatus, type Secured } from './api-kit';

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const token = (s: Secured, body: string, headers: Record<string, string> = {}) => call(s.api, 'POST', '/api/v1/oauth/token', body, { 'content-type': 'application/x-www-form-urlencoded', ...headers });

describe('STAR-LAB API: authentication, authorisation and limits', function () {
  this.timeout(60_000);
  let s: Secured;
  before(async () => {
    s = await securedApi();
  });

  it('when no credentials are sent, then 401 UNAUTHENTICATED with WWW-Authenticate, and the refusal is audited', async () => {
    const r = await call(s.api, 'GET', `${BASE}/trading/order_status/au_00000000-0000-0000-0000-000000000000`);
    expect([r.status, r.body.error.code]).to.deep.equal([401, 'UNAUTHENTICATED']);
    expect(r.headers.get('www-authenticate')).to.match(/^Bearer/);
    const audit = await listAudit(s.sys.prisma, { action: 'AUTH_DENIED', limit: 20 });
    expect(audit.some((a) => (a.detail as { code?: string }).code === 'UNAUTHENTICATED')).to.equal(true);
  });

  it('when a key is wrong, malformed or sent in a bad header, then 401 INVALID_CREDENTIALS', async () => {
    const c = await newClient(s.sys);
    const wrong = c.key.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'));
    const variants: Record<string, string>[] = [{ authorization: `Bearer ${wrong}` }, { 'x-api-key': 'auk_nope' }, { authorization: 'Bearer eyJ.not.a.jwt' }, { authorization: 'Token abc' }];
    for (const headers of variants) {
      const r = await call(s.api, 'GET', `${BASE}/trading/positions/S1`, undefined, headers);
      expect([r.status, r.body.error.code], JSON.stringify(headers)).to.deep.equal([401, 'INVALID_CREDENTIALS']);
    }
  });

  it('when a valid key comes as Bearer or X-API-Key, then the request is served', async () => {
    const c = await newClient(s.sys);
    const strategy = uniq('AUTH_OK');
    const ack = await submit(s, c, instruction(strategy));
    expect(ack.status).to.equal(201);
    await waitStatus(s, c, ack.body.all_use_order_id, ['FILLED']);
    const viaHeader = await call(s.api, 'GET', `${BASE}/trading/positions/${strategy}`, undefined, { 'x-api-key': c.key });
    expect(viaHeader.status).to.equal(200);
  });

  it('when a client is revoked, then its key, its secret and its tokens are refused with 401 CREDENTIALS_REVOKED', async () => {
    const c = await newClient(s.sys);
    const t = await token(s, form({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.secret }));
    expect(t.status).to.equal(200);
    await revokeApiClient(s.sys.prisma, c.name);
    const byKey = await call(s.api, 'GET', `${BASE}/trading/positions/S1`, undefined, c.auth);
    const byToken = await call(s.api, 'GET', `${BASE}/trading/positions/S1`, undefined, { authorization: `Bearer ${t.body.access_token}` });
    const again = await token(s, form({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.secret }));
    expect([byKey.status, byKey.body.error.code]).to.deep.equal([401, 'CREDENTIALS_REVOKED']);
    expect([byToken.status, byToken.body.error.code]).to.deep.equal([401, 'CREDENTIALS_REVOKED']);
    expect([again.status, again.body.error.code]).to.deep.equal([401, 'CREDENTIALS_REVOKED']);
  });

  it('when another process revokes a client (SQL, the CLI), then its cached key is refused within moments', async () => {
    const c = await newClient(s.sys);
    const url = `${BASE}/trading/positions/S1`;
    // Used twice: the second answer may come from this process's credential cache.
    for (let k = 0; k < 2; k++) expect((await call(s.api, 'GET', url, undefined, c.auth)).status).to.equal(404);
    // Not through revokeApiClient (which also clears this process's cache): the table trigger's
    // notification is all this process hears, as when the CLI revokes.
    await s.sys.prisma.$executeRaw`UPDATE api_clients SET revoked_at = now() WHERE name = ${c.name}`;
    await until(async () => (await call(s.api, 'GET', url, undefined, c.auth)).status === 401, 2000, 'the revocation to reach the API');
    const after = await call(s.api, 'GET', url, undefined, c.auth);
    expect([after.status, after.body.error.code]).to.deep.equal([401, 'CREDENTIALS_REVOKED']);
  });

  it('when client credentials are exchanged (form or HTTP Basic), then a Bearer token works until it expires', async () => {
    const c = await newClient(s.sys, { scopes: ['read', 'data'] });
    const t = await token(s, form({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.secret }));
    expect(t.body).to.include({ token_type: 'Bearer', expires_in: 900, scope: 'read data' });
    expect(t.headers.get('cache-control')).to.equal('no-store');
    const basic = Buffer.from(`${c.clientId}:${c.secret}`).toString('base64');
    const t2 = await token(s, form({ grant_type: 'client_credentials' }), { authorization: `Basic ${basic}` });
    expect(t2.status).to.equal(200);
    const ok = await call(s.api, 'POST', `${BASE}/data_notifications/request_data`, { data_type: 'WEEK_TYPE_HISTORY' }, { authorization: `Bearer ${t2.body.access_token}` });
    expect(ok.status).to.equal(200);
    // A token minted with the same key but already expired.
    const expired = await createTokenService(TOKEN_SECRET, -60).issue({ sub: c.name, cid: c.clientId, scope: 'read' });
    const r = await call(s.api, 'GET', `${BASE}/trading/positions/S1`, undefined, { authorization: `Bearer ${expired.access_token}` });
    expect([r.status, r.body.error.code]).to.deep.equal([401, 'TOKEN_EXPIRED']);
    const bad = await token(s, form({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: 'wrong' }));
    expect([bad.status, bad.body.error.code]).to.deep.equal([401, 'INVALID_CLIENT']);
    const grant = await token(s, form({ grant_type: 'password', client_id: c.clientId, client_secret: c.secret }));
    expect([grant.status, grant.body.status, grant.body.validation_errors[0].field]).to.deep.equal([400, 'VALIDATION_FAILED', 'grant_type']);
  });

  it('when a client lacks the scope, then 403 INSUFFICIENT_SCOPE for that operation only', async () => {
    const reader = await newClient(s.sys, { scopes: ['read'] });
    const r = await submit(s, reader, instruction(uniq('S')));
    expect([r.status, r.body.error.code]).to.deep.equal([403, 'INSUFFICIENT_SCOPE']);
    const c = await call(s.api, 'POST', `${BASE}/trading/cancel_order/au_00000000-0000-0000-0000-000000000000`, undefined, reader.auth);
    expect(c.status).to.equal(403);
    const d = await call(s.api, 'POST', `${BASE}/data_notifications/request_data`, { data_type: 'WEEK_TYPE_HISTORY' }, reader.auth);
    expect([d.status, d.body.error.code]).to.deep.equal([403, 'INSUFFICIENT_SCOPE']);
    const trader = await newClient(s.sys, { scopes: ['trade'] });
    const q = await call(s.api, 'GET', `${BASE}/trading/order_status/au_00000000-0000-0000-0000-000000000000`, undefined, trader.auth);
    expect([q.status, q.body.error.code]).to.deep.equal([403, 'INSUFFICIENT_SCOPE']);
  });

  it("when a client touches another client's order or strategy, then 404; a strategy outside its patterns is 403 to submit", async () => {
    const owner = await newClient(s.sys);
    // A read credential reads every strategy its patterns match (secure-defaults.test.ts): this
    // one's patterns do not match the owner's strategy.
    const other = await newClient(s.sys, { strategies: ['NOT_DIS_*'] });
    const narrow = await newClient(s.sys, { strategies: ['WIS_*'] });
    const strategy = uniq('DIS_OWNED');
    const ack = await submit(s, owner, instruction(strategy));
    const id = ack.body.all_use_order_id as string;
    for (const [m, p] of [
      ['GET', `/trading/order_status/${id}`],
      ['POST', `/trading/cancel_order/${id}`],
      ['GET', `/trading/positions/${strategy}`],
      ['GET', `/trading/performance/${strategy}`],
    ] as const) {
      const r = await call(s.api, m, `${BASE}${p}`, undefined, other.auth);
      expect([r.status, r.body.error?.code], `${m} ${p}`).to.deep.equal([404, 'NOT_FOUND']);
    }
    const probes = await listAudit(s.sys.prisma, { actor: other.name, target: id });
    expect(probes.some((a) => a.action === 'ACCESS_DENIED')).to.equal(true);
    const data = await call(s.api, 'POST', `${BASE}/data_notifications/request_data`, { data_type: 'POSITIONS', starlab_strategy_id: strategy }, other.auth);
    expect(data.status).to.equal(404);
    const denied = await submit(s, narrow, instruction(uniq('DIS_X')));
    expect([denied.status, denied.body.error.code]).to.deep.equal([403, 'STRATEGY_NOT_ALLOWED']);
  });

  it('when the caller address is outside the allowlist, then 403 IP_NOT_ALLOWED; inside (IPv4 or its mapped IPv6 form), served', async () => {
    const far = await newClient(s.sys, { allowIps: ['10.0.0.0/8', '2001:db8::/32'] });
    const r = await call(s.api, 'GET', `${BASE}/trading/positions/S1`, undefined, far.auth);
    expect([r.status, r.body.error.code]).to.deep.equal([403, 'IP_NOT_ALLOWED']);
    const t = await token(s, form({ grant_type: 'client_credentials', client_id: far.clientId, client_secret: far.secret }));
    expect(t.status).to.equal(403);
    for (const allow of ['127.0.0.1/32', '::ffff:127.0.0.1/128']) {
      const near = await newClient(s.sys, { allowIps: [allow] });
      const ok = await call(s.api, 'POST', `${BASE}/data_notifications/request_data`, { data_type: 'WEEK_TYPE_HISTORY' }, near.auth);
      expect(ok.status, allow).to.equal(200);
    }
  });

  it('when a client exceeds its rate limit, then 429 RATE_LIMITED with Retry-After, and other clients are unaffected', async () => {
    const slow = await newClient(s.sys, { rateLimitPerMinute: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await call(s.api, 'POST', `${BASE}/data_notifications/request_data`, { data_type: 'WEEK_TYPE_HISTORY' }, slow.auth)).status);
    expect(codes).to.deep.equal([200, 200, 200, 429, 429]);
    const r = await call(s.api, 'POST', `${BASE}/data_notifications/request_data`, { data_type: 'WEEK_TYPE_HISTORY' }, slow.auth);
    expect(r.body.error.code).to.equal('RATE_LIMITED');
    expect(Number(r.headers.get('retry-after'))).to.be.within(1, 60);
    const other = await newClient(s.sys);
    expect((await call(s.api, 'POST', `${BASE}/data_notifications/request_data`, { data_type: 'WEEK_TYPE_HISTORY' }, other.auth)).status).to.equal(200);
  });

  it('when a body is over 64 KiB or not JSON, then 413 or 415, and responses carry security headers', async () => {
    const c = await newClient(s.sys);
    const big = await call(s.api, 'POST', `${BASE}/trading/submit_trade_instruction`, JSON.stringify({ pad: 'x'.repeat(70_000) }), { ...c.auth, 'content-type': 'application/json' });
    expect([big.status, big.body.error.code]).to.deep.equal([413, 'PAYLOAD_TOO_LARGE']);
    const text = await call(s.api, 'POST', `${BASE}/trading/submit_trade_instruction`, 'quantity=1', { ...c.auth, 'content-type': 'text/plain' });
    expect([text.status, text.body.error.code]).to.deep.equal([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(text.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(text.headers.get('content-security-policy')).to.be.a('string');
    expect(text.headers.get('x-powered-by')).to.equal(null);
  });

  it('when the apikey CLI creates and revokes a client, then it prints one JSON object and both are audited', async function () {
    this.timeout(60_000);
    const name = uniq('cli');
    const root = path.resolve(__dirname, '..', '..');
    const env = { ...process.env, DATABASE_URL: s.sys.config.databaseUrl, LOG_LEVEL: 'error' };
    const created = await runCli(
      'npm',
      ['run', '--silent', 'apikey', '--', 'create', '--client', name, '--strategies', 'DIS_*,WIS_AAPL_*', '--scopes', 'trade,read,data', '--allow-ip', '127.0.0.1/32,::1/128'],
      { cwd: root, env },
    );
    expect(created.status, created.stderr).to.equal(0);
    const lines = created.stdout.trim().split('\n');
    expect(lines).to.have.length(1);
    const creds = JSON.parse(lines[0]!) as Record<string, string>;
    expect(Object.keys(creds)).to.deep.equal(['client_id', 'client_secret', 'api_key']);
    const row = await s.sys.prisma.apiClient.findUnique({ where: { name } });
    expect(row?.apiKeyHash).to.match(/^scrypt\$/);
    expect(JSON.stringify(row)).not.to.contain(creds.client_secret);
    const ok = await call(s.api, 'POST', `${BASE}/data_notifications/request_data`, { data_type: 'WEEK_TYPE_HISTORY' }, { 'x-api-key': creds.api_key! });
    expect(ok.status).to.equal(200);
    const revoked = await runCli('npm', ['run', '--silent', 'apikey', '--', 'revoke', '--client', name], { cwd: root, env });
    expect(revoked.status, revoked.stderr).to.equal(0);
    const after = await call(s.api, 'POST', `${BASE}/data_notifications/request_data`, { data_type: 'WEEK_TYPE_HISTORY' }, { 'x-api-key': creds.api_key! });
    expect(after.status).to.equal(401);
    const audit = await listAudit(s.sys.prisma, { target: name });
    expect(audit.map((a) => a.action)).to.include.members(['KEY_ISSUED', 'KEY_REVOKED']);
  });
});
