/**
 * /healthz and /readyz on the real system, with each part taken down in turn: the broker
 * session (simulator refuses and drops connections), the database (a wrong one), Temporal (a
 * client to a closed port) and the weekly-cycle schedule (deleted, then restored).
 */
import { expect } from 'chai';
import { Client, Connection } from '@temporalio/client';
import { createApp, startServer } from '../../src/api/app';
import { readiness } from '../../src/api/health';
import { disconnectPrisma, getPrisma } from '../../src/db/client';
import { createLogger } from '../../src/logger';
import { ensureSchedules, WEEKLY_CYCLE_SCHEDULE_ID } from '../../src/schedules';
import type { System } from '../../src/system';
import { freePort } from '../../temporal/devServer';
import { getSystem, until } from './_system';
import { call, operatorApi, OPERATOR_TOKEN } from './ops-helpers';
import type { RunningServer } from '../../src/api/app';

describe('ops: health and readiness', function () {
  this.timeout(120_000);
  let sys: System;
  let base: string;
  let op: RunningServer;
  const ready = () => call(base, 'GET', '/readyz');

  before(async () => {
    sys = await getSystem();
    // Our own app on the shared system: other tests may replace sys.api with one without a broker.
    op = await operatorApi(sys);
    base = op.url;
    await sys.broker.connect();
  });
  after(async () => op?.close());

  it('when every part is up, then /readyz is 200 with each check ok and the kill switch shown', async () => {
    const r = await until(
      async () => {
        const x = await ready();
        return x.status === 200 ? x : undefined;
      },
      20_000,
      'readiness',
    );
    expect(r.body.status, JSON.stringify(r.body)).to.equal('ready');
    expect(r.body.failing).to.deep.equal([]);
    for (const k of ['temporal', 'database', 'broker', 'weekly_schedule']) expect(r.body.checks[k].ok, k).to.equal(true);
    expect(r.body.checks.database.detail).to.match(/migrations applied/);
    expect(r.body.kill_switch).to.include({ halted: false, reduce_only: false });
    expect((await call(base, 'GET', '/healthz', undefined, null)).body).to.deep.equal({ status: 'ok' });
  });

  it('when the broker session drops and reconnects are refused, then 503 names broker, and it recovers', async () => {
    sys.simulator!.fault({ refuse_connections_ms: 4000 });
    sys.simulator!.fault({ drop_connections: true });
    const down = await until(
      async () => {
        const r = await ready();
        return r.status === 503 ? r : undefined;
      },
      10_000,
      'readiness to fail',
    );
    expect(down.body.failing, JSON.stringify(down.body)).to.deep.equal(['broker']);
    expect(down.body.checks.broker.detail).to.match(/not (connected|yet synchronised)/);
    expect((await call(base, 'GET', '/healthz', undefined, null)).status).to.equal(200); // liveness unaffected
    await until(async () => (await ready()).status === 200, 40_000, 'broker to reconnect');
  });

  it('when the database is wrong or not migrated, then database fails with the reason', async () => {
    const wrong = getPrisma('postgresql://postgres@127.0.0.1:5432/all_use_no_such_db_ops');
    const r1 = await readiness({ temporal: sys.client, prisma: wrong, broker: sys.broker });
    expect(r1.failing).to.include('database');
    expect(r1.kill_switch).to.deep.equal({ unknown: 'database unreachable' });
    const unmigrated = getPrisma('postgresql://postgres@127.0.0.1:5432/postgres');
    const r2 = await readiness({ temporal: sys.client, prisma: unmigrated, broker: sys.broker });
    expect(r2.failing, JSON.stringify(r2)).to.deep.equal(['database']);
    // through HTTP as well: an app on the wrong database answers 503
    const app = createApp({ temporal: sys.client, prisma: wrong, taskQueue: sys.config.temporalTaskQueue, logger: createLogger('test', 'error'), broker: sys.broker, operatorToken: OPERATOR_TOKEN });
    const server = await startServer(app, 0);
    try {
      const r = await call(server.url, 'GET', '/readyz');
      expect(r.status).to.equal(503);
      expect(r.body.failing).to.include('database');
    } finally {
      await server.close();
      await disconnectPrisma(wrong);
      await disconnectPrisma(unmigrated);
    }
  });

  it('when Temporal cannot be reached, then temporal and the schedule check fail within the timeout', async () => {
    // No gRPC retry interceptor: a retry timer left pending would fire on the closed channel
    // after this test and fail the next one with "Channel has been shut down".
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, interceptors: [] });
    const dead = new Client({ connection, namespace: sys.config.temporalNamespace });
    const t0 = Date.now();
    const r = await readiness({ temporal: dead, prisma: sys.prisma, broker: sys.broker, timeoutMs: 1500 });
    expect(Date.now() - t0).to.be.lessThan(6000);
    expect(r.failing).to.include.members(['temporal', 'weekly_schedule']);
    expect(r.failing).to.not.include('database');
    await connection.close().catch(() => undefined);
  });

  it('when the weekly-cycle schedule is deleted, then 503 names it until it is created again', async () => {
    await sys.client.schedule.getHandle(WEEKLY_CYCLE_SCHEDULE_ID).delete();
    try {
      const r = await ready();
      expect(r.status).to.equal(503);
      expect(r.body.failing).to.deep.equal(['weekly_schedule']);
      expect(r.body.checks.weekly_schedule.detail).to.contain(WEEKLY_CYCLE_SCHEDULE_ID);
    } finally {
      await ensureSchedules({ client: sys.client, taskQueue: sys.config.temporalTaskQueue, logger: createLogger('test', 'error') });
    }
    const back = await ready();
    expect(back.status, JSON.stringify(back.body)).to.equal(200);
  });
});
