import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { webhookUrlProblem } from '../../src/contracts/webhookApi';
import { webhookDeliveryWorkflowId } from '../../src/contracts/webhooks';
import { newWebhookSecret, signatureHeader } from '../../src/webhooks/sign';
import { verifyWebhook } from '../../src/webhooks/verify';
import { webhookSettings } from '../../src/webhooks/settings';

describe('webhook signatures, URLs and settings', () => {
  const secret = 'whsec_test-secret';
  const body = '{"event_id":"evt_1","type":"FILLED","sequence":3}';
  const now = Date.UTC(2026, 0, 5, 15, 0, 0);

  it('when a body is signed, then the header is t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>"> and verifies', () => {
    const h = signatureHeader(secret, body, now);
    const t = now / 1000;
    expect(h).to.equal(`t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
    expect(verifyWebhook(secret, body, h, now)).to.deep.equal({ ok: true, timestamp: t });
    expect(verifyWebhook(secret, Buffer.from(body), h, now + 299_000)).to.deep.include({ ok: true });
  });

  it('when the secret, the body or the signed timestamp differ, or the header is malformed, then verification says why', () => {
    const h = signatureHeader(secret, body, now);
    const cases: [string, string | Buffer, string | undefined, number, string][] = [
      ['another secret', body, h, now, 'BAD_SIGNATURE'],
      ['a changed body', body.replace('FILLED', 'CANCELLED'), h, now, 'BAD_SIGNATURE'],
      ['a moved timestamp', body, h.replace(`t=${now / 1000}`, `t=${now / 1000 + 1}`), now, 'BAD_SIGNATURE'],
      ['too old (replay)', body, h, now + 301_000, 'TIMESTAMP_OUT_OF_WINDOW'],
      ['from the future', body, h, now - 301_000, 'TIMESTAMP_OUT_OF_WINDOW'],
      ['no header', body, undefined, now, 'MALFORMED_HEADER'],
      ['no v1', body, `t=${now / 1000}`, now, 'MALFORMED_HEADER'],
      ['non-hex v1', body, `t=${now / 1000},v1=zz`, now, 'BAD_SIGNATURE'],
    ];
    for (const [what, b, header, at, reason] of cases) {
      const key = what === 'another secret' ? 'whsec_other' : secret;
      expect([what, verifyWebhook(key, b, header, at)]).to.deep.equal([what, { ok: false, reason }]);
    }
  });

  it('when an endpoint URL is checked, then https passes and plain http passes only to loopback addresses', () => {
    const cases: [string, boolean][] = [
      ['https://starlab.example/hooks', true],
      ['http://127.0.0.1:8080/h', true],
      ['http://127.9.9.9/h', true],
      ['http://localhost:3000/h', true],
      ['http://[::1]:3000/h', true],
      ['http://10.0.0.1/h', false],
      ['http://starlab.example/h', false],
      ['http://127.0.0.1.example.com/h', false],
      ['ftp://127.0.0.1/h', false],
      ['https://u:p@starlab.example/h', false],
      ['https://starlab.example/h#frag', false],
      ['nonsense', false],
    ];
    for (const [url, ok] of cases) expect([url, webhookUrlProblem(url) === null]).to.deep.equal([url, ok]);
  });

  it('when ids and secrets are made, then the delivery workflow id is per (endpoint, instruction) and secrets are random', () => {
    expect(webhookDeliveryWorkflowId('whe_1', 'au_2')).to.equal('webhook:whe_1:au_2');
    const a = newWebhookSecret();
    expect(a).to.match(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.to.equal(a);
  });

  it('when settings come from the environment, then defaults apply and bad values are refused', () => {
    expect(webhookSettings({})).to.deep.equal({ maxAttempts: 10, initialIntervalMs: 1000, maxIntervalMs: 300_000, timeoutMs: 10_000, sweepAfterMs: 60_000, sweepIntervalMs: 60_000, sweepBatch: 500 });
    expect(webhookSettings({ WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_RETRY_INITIAL_MS: '500' })).to.include({ maxAttempts: 3, initialIntervalMs: 500 });
    expect(() => webhookSettings({ WEBHOOK_MAX_ATTEMPTS: '0' })).to.throw();
    expect(() => webhookSettings({ WEBHOOK_TIMEOUT_MS: 'soon' })).to.throw();
  });
});
