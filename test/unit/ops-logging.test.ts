/**
 * Logs are JSON lines and never carry a credential: a request logged with its headers and
 * body (Authorization, X-API-Key, client_secret, a database URL) comes out redacted.
 */
import { expect } from 'chai';
import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger } from '../../src/logger';
import type { Json } from '../integration/_system';

function capture(level = 'debug') {
  const lines: string[] = [];
  const logger = createLogger('test', level);
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  logger.add(new winston.transports.Stream({ stream }));
  // Silence the console transport of this test logger: only the captured stream matters here.
  for (const t of logger.transports) if (t instanceof winston.transports.Console) t.silent = true;
  return { logger, lines };
}

describe('logs: structured JSON with secrets redacted', () => {
  const SECRETS = ['Bearer tok_9f8e7d6c5b4a', 'ak_live_0123456789abcdef', 'cs_supersecret_value', 'dbpass_42', 'op_token_abcdefghijklmnopqrstuvwxyz'];

  it('when a request with Authorization, X-API-Key and client_secret is logged, then no secret appears and the ids do', () => {
    const { logger, lines } = capture();
    logger.info('http request', {
      request_id: 'req-1',
      workflowId: 'instruction-au_1',
      client_order_id: 'coid-1',
      headers: { Authorization: SECRETS[0], 'X-API-Key': SECRETS[1], 'content-type': 'application/json' },
      body: { grant_type: 'client_credentials', client_id: 'cid', client_secret: SECRETS[2] },
      databaseUrl: `postgresql://alluse:${SECRETS[3]}@db:5432/all_use`,
      nested: [{ token: SECRETS[4] }],
    });
    logger.warn(`connect failed for postgresql://alluse:${SECRETS[3]}@db:5432/all_use`);
    expect(lines).to.have.length(2);
    const text = lines.join('\n');
    for (const s of SECRETS) expect(text, s).to.not.contain(s.replace(/^Bearer /, ''));
    const first = JSON.parse(lines[0]!) as Record<string, Json>;
    expect(first).to.include({ level: 'info', message: 'http request', request_id: 'req-1', workflowId: 'instruction-au_1', client_order_id: 'coid-1', component: 'test' });
    expect(first.headers.Authorization).to.equal('[REDACTED]');
    expect(first.headers['X-API-Key']).to.equal('[REDACTED]');
    expect(first.body.client_secret).to.equal('[REDACTED]');
    expect(first.body.client_id).to.equal('cid');
    expect(first.timestamp).to.be.a('string');
  });
});
