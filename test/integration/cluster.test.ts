/**
 * The production topology (scripts/cluster.ts): Temporal Server on PostgreSQL, two workers and
 * two APIs as separate processes on one task queue, the simulator as its own process.
 * Instructions sent to both APIs are run by both workers, and a worker killed with SIGKILL
 * mid-flight loses nothing: every instruction ends FILLED with exactly one broker order.
 * Runs when ALLUSE_CLUSTER_TEST=1 and the Temporal Server binary has been built (`npm run
 * cluster` builds it; see docs/OPERATIONS-CLUSTER.md); skipped otherwise. Not yet stable enough
 * for every `npm test` on a loaded two-core machine (it passed, and also once hung waiting for
 * results): each wait is bounded so a failure reports instead of hanging.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { dropDatabase } from '../../src/db/migrate';
import { serverBinary } from '../../temporal/cluster';
import { freePort } from '../../temporal/devServer';
import { instructionWorkflowId } from '../../src/contracts/workflows/tradeInstruction';
import { startCluster, type Cluster } from '../../scripts/cluster';
import { testDatabaseUrl, until } from './_system';

describe('cluster: Temporal Server on PostgreSQL, two workers, two APIs', function () {
  this.timeout(600_000);
  let cluster: Cluster | undefined;
  let dir: string;
  let client: Client | undefined;
  const db = testDatabaseUrl('cluster');
  const tdb = `temporal_test_${process.pid}`;
  let n = 0;

  before(async function () {
    if (process.env.ALLUSE_CLUSTER_TEST !== '1' || !fs.existsSync(serverBinary())) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alluse-cluster-'));
    await dropDatabase(db).catch(() => undefined);
    cluster = await startCluster({
      databaseUrl: db,
      dataDir: dir,
      temporalPort: await freePort(),
      apiPorts: [await freePort(), await freePort()],
      ibPort: await freePort(),
      ibAdminPort: await freePort(),
      taskQueue: `cluster-test-${process.pid}`,
      temporalDb: tdb,
      log: () => undefined,
    });
    client = new Client({ connection: await Connection.connect({ address: cluster.temporal.address }), namespace: 'default' });
  });
  after(async () => {
    await client?.connection.close();
    await cluster?.stop();
    for (const d of [db, testDatabaseUrl('x').replace(/all_use_test_\d+_x$/, tdb), testDatabaseUrl('x').replace(/all_use_test_\d+_x$/, `${tdb}_visibility`)])
      await dropDatabase(d).catch(() => undefined);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const submit = async (k: number) => {
    const c = cluster!;
    const body = {
      starlab_strategy_id: `CLU_${k % 5}`,
      scheme_type: 'DIS',
      symbol: 'AAPL',
      trade_action: 'BUY_STOCK',
      quantity: 1,
      order_type: 'MARKET',
      time_in_force: 'DAY',
      client_order_id: `clu_${n++}_${randomUUID()}`,
      account_tag: 'CLUSTER',
    };
    const r = await fetch(`${c.apiUrls[k % 2]}/api/v1/starlab_interface/trading/submit_trade_instruction`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${c.apiKey}` },
      body: JSON.stringify(body),
    });
    const ack = (await r.json()) as { all_use_order_id: string };
    expect(r.status, `${JSON.stringify(ack)}\n${r.status === 201 ? '' : c.apis[k % 2]!.out.slice(-1500)}`).to.equal(201);
    return ack.all_use_order_id;
  };
  const filled = (ids: string[]) =>
    Promise.all(
      ids.map(async (id) => {
        let t: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`instruction ${id} not finished within 120 s`)), 120_000)));
        try {
          return (await Promise.race([client!.workflow.getHandle(instructionWorkflowId(id)).result(), timeout])) as { status: string; rejectReason: string | null };
        } finally {
          clearTimeout(t);
        }
      }),
    );
  const brokerOrders = async () => (await (await fetch(`${cluster!.simAdminUrl}/orders`)).json()) as { orderRef: string; status: string }[];

  it('when instructions come in through both APIs, then both workers run them and every one fills once', async () => {
    const ids = await Promise.all(Array.from({ length: 16 }, (_, k) => submit(k)));
    const first = await filled(ids);
    expect(
      first.map((s) => s.status),
      JSON.stringify(first.map((s) => s.rejectReason)),
    ).to.deep.equal(ids.map(() => 'FILLED'));
    // Which worker ran each instruction's broker call: the identity (pid@host) on ActivityTaskStarted.
    const identities = new Set<string>();
    for (const id of ids) {
      const h = await client!.workflow.getHandle(instructionWorkflowId(id)).fetchHistory();
      for (const e of h.events ?? []) {
        if (e.activityTaskStartedEventAttributes?.identity) identities.add(e.activityTaskStartedEventAttributes.identity);
        if (e.workflowTaskStartedEventAttributes?.identity) identities.add(e.workflowTaskStartedEventAttributes.identity);
      }
    }
    const pids = cluster!.workers.map((w) => `${w.child.pid}@`);
    for (const p of pids)
      expect(
        [...identities].some((i) => i.startsWith(p)),
        `worker ${p} ran none of ${[...identities].join(', ')}`,
      ).to.equal(true);
    const orders = await brokerOrders();
    for (const id of ids)
      expect(
        orders.filter((o) => o.orderRef === id),
        id,
      ).to.have.length(1);
  });

  it('when a worker is killed with SIGKILL mid-flight, then nothing is lost or placed twice', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, (_, k) => submit(k)));
    cluster!.workers[0]!.kill9();
    const states = await filled(ids);
    expect(states.map((s) => s.status)).to.deep.equal(ids.map(() => 'FILLED'));
    const orders = await brokerOrders();
    for (const id of ids)
      expect(
        orders.filter((o) => o.orderRef === id),
        id,
      ).to.have.length(1);
    await until(async () => !cluster!.workers[0]!.alive, 5_000, 'the killed worker to be gone');
  });
});
