/**
 * A PostgreSQL connection lost while a client of the pool is checked out (a server restart in the
 * middle of the risk batch or an outcome's transaction) fails that work and nothing else: pg emits
 * 'error' on such a client, and without a listener of ours the process ended (the chaos suite's
 * PostgreSQL fault on the cluster took both workers down, 2026-12-06).
 */
import { expect } from 'chai';
import { hotQuery, withPoolClient } from '../../src/db/client';
import type { System } from '../../src/system';
import { getSystem } from './_system';

describe('database: a connection lost under a checked-out client', function () {
  this.timeout(120_000);
  let sys: System;
  before(async () => {
    sys = await getSystem();
  });

  it('when the server ends the connection between two statements, then that work fails, the process lives on and the pool still answers', async () => {
    const failure = await withPoolClient(sys.prisma, async (c) => {
      const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await hotQuery(sys.prisma, 'SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      // The loss reaches the client while none of its queries runs.
      await new Promise((r) => setTimeout(r, 300));
      return c.query('SELECT 1');
    }).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(failure, 'the work on the lost connection').to.be.instanceOf(Error);
    expect(await hotQuery(sys.prisma, 'SELECT 1 AS one', [])).to.deep.equal([{ one: 1 }]);
    // The next checkout gets a live connection, not the broken one.
    expect(await withPoolClient(sys.prisma, async (c) => (await c.query('SELECT 2 AS two')).rows)).to.deep.equal([{ two: 2 }]);
  });
});
