/**
 * The loop closes through a person: an accepted recommendation becomes a new protocol
 * configuration version (audited), a dismissed one changes nothing; the same through the
 * operator routes. Needs only PostgreSQL (a database of its own, migrated, dropped after).
 */
import { expect } from 'chai';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { disconnectPrisma, getPrisma, type PrismaClient } from '../../src/db/client';
import { dropDatabase, migrate } from '../../src/db/migrate';
import { createRecommendation, getRecommendation } from '../../src/db/feedback';
import { currentProtocolConfig } from '../../src/db/protocolConfig';
import { listAudit } from '../../src/db/audit';
import { acceptRecommendation, dismissRecommendation, RecommendationError } from '../../src/feedback/recommendations';
import { recommendationsRouter } from '../../src/api/recommendations';
import { operatorAuth } from '../../src/api/operator';
import { errorMiddleware } from '../../src/api/errors';
import { createLogger } from '../../src/logger';
import { testDatabaseUrl } from './_system';

const TOKEN = 'feedback-operator-token-0123456789';

describe('feedback: recommendations accepted or dismissed by an operator', function () {
  this.timeout(120_000);
  const url = testDatabaseUrl('feedback');
  let prisma: PrismaClient;
  let server: Server;
  let base: string;
  const proposal = (id: string, protocol: object) => createRecommendation(prisma, { id, kind: 'OPTIMIZATION', source: 'test', evidence: { reason: 'test' }, proposedConfig: { protocol } });
  const call = async (method: string, path: string, body?: unknown, token = TOKEN) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'x-operator': 'alice', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json() };
  };

  before(async () => {
    await dropDatabase(url);
    await migrate(url);
    prisma = getPrisma(url);
    const logger = createLogger('test', 'error');
    const app = express();
    app.use('/api/v1/operator/recommendations', operatorAuth(TOKEN, logger), express.json(), recommendationsRouter({ prisma, logger }));
    app.use(errorMiddleware(logger));
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server?.close(r));
    await disconnectPrisma(prisma); // its own client only: the shared system's stays open for the other tests
    await dropDatabase(url);
  });

  it('when no version exists, then the current configuration is the defaults at version 0', async () => {
    const c = await currentProtocolConfig(prisma);
    expect(c.version).to.equal(0);
    expect(c.config.accounts.GEN.deltaMin).to.equal(0.4);
  });

  it('when an operator accepts a recommendation, then it becomes a new configuration version, audited, and cannot be accepted twice', async () => {
    await proposal('rec-a', { accounts: { GEN: { deltaMin: 0.3, deltaMax: 0.4 } } });
    const out = await acceptRecommendation(prisma, 'rec-a', { by: 'cli:alice', reason: 'better out of sample' });
    expect(out).to.include({ status: 'ACCEPTED', previousVersion: 0 });
    const c = await currentProtocolConfig(prisma);
    expect(c.version).to.equal(out.version);
    expect(c.config.accounts.GEN).to.include({ deltaMin: 0.3, deltaMax: 0.4 });
    expect(c.config.accounts.REV.deltaMin).to.equal(0.3); // the rest stays as it was
    const rec = await getRecommendation(prisma, 'rec-a');
    expect(rec).to.include({ status: 'ACCEPTED', decidedBy: 'cli:alice', reason: 'better out of sample', appliedVersion: out.version });
    const audit = await listAudit(prisma, { target: 'rec-a' });
    expect(audit.map((a) => [a.action, a.outcome])).to.deep.equal([['RECOMMENDATION_ACCEPTED', 'OK']]);
    const again = await acceptRecommendation(prisma, 'rec-a', { by: 'cli:bob', reason: 'twice' }).catch((e: unknown) => e);
    expect(again).to.be.instanceOf(RecommendationError).with.property('code', 'ALREADY_DECIDED');
    expect((await currentProtocolConfig(prisma)).version).to.equal(out.version);
  });

  it('when an operator dismisses a recommendation, then the configuration does not change', async () => {
    const before = await currentProtocolConfig(prisma);
    await proposal('rec-b', { accounts: { GEN: { deltaMin: 0.45, deltaMax: 0.55 } } });
    expect(await dismissRecommendation(prisma, 'rec-b', { by: 'cli:alice', reason: 'not now' })).to.deep.equal({ id: 'rec-b', status: 'DISMISSED' });
    expect(await currentProtocolConfig(prisma)).to.deep.equal(before);
    expect((await getRecommendation(prisma, 'rec-b'))?.status).to.equal('DISMISSED');
    expect((await listAudit(prisma, { target: 'rec-b' })).map((a) => a.action)).to.deep.equal(['RECOMMENDATION_DISMISSED']);
  });

  it('when an accepted proposal is not a valid configuration, then nothing changes and it stays PROPOSED', async () => {
    const before = await currentProtocolConfig(prisma);
    await proposal('rec-bad', { accounts: { GEN: { deltaMin: 0.6, deltaMax: 0.4 } } });
    const e = await acceptRecommendation(prisma, 'rec-bad', { by: 'cli:alice', reason: 'try' }).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(RecommendationError).with.property('code', 'INVALID_CONFIG');
    expect(await currentProtocolConfig(prisma)).to.deep.equal(before);
    expect((await getRecommendation(prisma, 'rec-bad'))?.status).to.equal('PROPOSED');
  });

  it('when the operator routes are used, then list, accept (new version), dismiss, 409 on a decided one, 404 and 400 behave', async () => {
    await proposal('rec-c', { levels: { rollAtr: 2.5 } });
    await proposal('rec-d', { levels: { rollAtr: 1.5 } });
    const list = await call('GET', '/api/v1/operator/recommendations?status=PROPOSED');
    expect(list.status).to.equal(200);
    expect(list.body.recommendations.map((r: { id: string }) => r.id)).to.include.members(['rec-c', 'rec-d']);
    const acc = await call('POST', '/api/v1/operator/recommendations/rec-c/accept', { reason: 'walk-forward says so' });
    expect(acc.status).to.equal(200);
    expect((await currentProtocolConfig(prisma)).config.levels.rollAtr).to.equal(2.5);
    expect((await getRecommendation(prisma, 'rec-c'))?.decidedBy).to.equal('operator:alice');
    const v = (await currentProtocolConfig(prisma)).version;
    expect((await call('POST', '/api/v1/operator/recommendations/rec-d/dismiss', { reason: 'no' })).status).to.equal(200);
    expect((await currentProtocolConfig(prisma)).version).to.equal(v);
    const twice = await call('POST', '/api/v1/operator/recommendations/rec-c/dismiss', { reason: 'late' });
    expect(twice.status).to.equal(409);
    expect(twice.body.error.code).to.equal('ALREADY_DECIDED');
    expect((await call('POST', '/api/v1/operator/recommendations/nope/accept', { reason: 'x' })).status).to.equal(404);
    expect((await call('POST', '/api/v1/operator/recommendations/rec-d/accept', {})).status).to.equal(400);
    expect((await call('GET', '/api/v1/operator/recommendations', undefined, 'wrong-token-wrong-token-wrong')).status).to.equal(401);
  });
});
