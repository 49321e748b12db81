/**
 * Webhooks to STAR-LAB, end to end: instructions run on the real system (Temporal, simulator,
 * PostgreSQL) while a loopback receiver checks every delivery's signature, the order per
 * instruction and duplicates by event id.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { RunningServer } from '../../src/api/app';
import { WorkflowNotFoundError } from '@temporalio/client';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, webhookDeliveryWorkflowId } from '../../src/contracts/webhooks';
import type { System } from '../../src/system';
import { verifyWebhook } from '../../src/webhooks/verify';
import { enqueueStatusEvent, stalePendingTargets, statusEventOf } from '../../src/db/webhooks';
import { WEBHOOK_SWEEP_SCHEDULE_ID } from '../../src/webhooks/schedule';
import { instructionWorkflowId } from '../../src/contracts/workflows/tradeInstruction';
import { api, getSystem, until, type Json } from './_system';
import { call, operatorApi, uniq } from './ops-helpers';

const BASE = '/api/v1/starlab_interface';

interface Received {
  eventId: string;
  raw: string;
  body: Json;
  signature: string;
  answered: number;
  at: number;
  finishedAt?: number;
}

/** A loopback webhook receiver; `answer(n)` decides the status of the n-th request (0-based), `delayMs` how long it takes. */
async function receiver(opts: { answer?: (n: number) => number; delayMs?: number } = {}) {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const status = opts.answer ? opts.answer(got.length) : 200;
      const r: Received = {
        eventId: String(req.headers[EVENT_ID_HEADER.toLowerCase()] ?? ''),
        raw,
        body: JSON.parse(raw),
        signature: String(req.headers[SIGNATURE_HEADER.toLowerCase()] ?? ''),
        answered: status,
        at: Date.now(),
      };
      got.push(r);
      setTimeout(() => {
        r.finishedAt = Date.now();
        res.writeHead(status).end();
      }, opts.delayMs ?? 0);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    got,
    /** Deliveries the receiver accepted (2xx), for one instruction. */
    accepted: (id: string) => got.filter((g) => g.body.all_use_order_id === id && g.answered < 300 && g.finishedAt !== undefined),
    close: () => new Promise<void>((ok) => (server.closeAllConnections(), server.close(() => ok()))),
  };
}

async function register(sys: System, url: string): Promise<{ id: string; secret: string }> {
  const r = await api(sys, 'POST', `${BASE}/webhooks`, { url });
  expect(r.status, JSON.stringify(r.body)).to.equal(201);
  expect(r.body.secret).to.match(/^whsec_/);
  return r.body;
}

const stock = (symbol: string, over: Record<string, unknown> = {}) => ({
  starlab_strategy_id: uniq('WH'),
  scheme_type: 'DIS',
  symbol,
  trade_action: 'BUY_STOCK',
  quantity: 10,
  order_type: 'MARKET',
  time_in_force: 'DAY',
  client_order_id: uniq('wh'),
  ...over,
});

async function submit(sys: System, body: unknown): Promise<string> {
  const r = await api(sys, 'POST', `${BASE}/trading/submit_trade_instruction`, body);
  expect(r.status, JSON.stringify(r.body)).to.equal(201);
  return r.body.all_use_order_id as string;
}

async function waitStatus(sys: System, id: string, want: string) {
  return until(
    async () => {
      const r = await api(sys, 'GET', `${BASE}/trading/order_status/${id}`);
      return r.body.status === want ? r.body : undefined;
    },
    30_000,
    `${id} to be ${want}`,
  );
}

/** Every accepted delivery verifies, sequences run 1..n without gaps, no event is accepted twice; returns the types in order. */
function checkStream(got: Received[], secret: string): string[] {
  const seen = new Set<string>();
  for (const g of got) {
    expect(verifyWebhook(secret, g.raw, g.signature), `signature of ${g.eventId}`).to.deep.include({ ok: true });
    expect(g.eventId).to.equal(g.body.event_id);
    expect(seen.has(g.eventId), `event ${g.eventId} accepted twice`).to.equal(false);
    seen.add(g.eventId);
  }
  expect(got.map((g) => g.body.sequence)).to.deep.equal(got.map((_, i) => i + 1));
  return got.map((g) => g.body.type);
}

describe('webhooks: status pushed to STAR-LAB', function () {
  this.timeout(180_000);
  let sys: System;
  let ops: RunningServer;
  const saved = { ...process.env };
  before(async () => {
    // Quick retries for the test: 5 attempts, 200 ms doubling up to 2 s.
    Object.assign(process.env, { WEBHOOK_MAX_ATTEMPTS: '5', WEBHOOK_RETRY_INITIAL_MS: '200', WEBHOOK_RETRY_MAX_MS: '2000', WEBHOOK_TIMEOUT_MS: '8000' });
    sys = await getSystem();
    ops = await operatorApi(sys);
  });
  after(async () => {
    for (const k of ['WEBHOOK_MAX_ATTEMPTS', 'WEBHOOK_RETRY_INITIAL_MS', 'WEBHOOK_RETRY_MAX_MS', 'WEBHOOK_TIMEOUT_MS']) if (saved[k] === undefined) delete process.env[k];
    await ops?.close();
  });

  let rx: Awaited<ReturnType<typeof receiver>> | undefined;
  let endpoint: { id: string; secret: string } | undefined;
  afterEach(async () => {
    if (endpoint) await api(sys, 'DELETE', `${BASE}/webhooks/${endpoint.id}`);
    await rx?.close();
    rx = undefined;
    endpoint = undefined;
  });

  it('when endpoints are registered, then only https or loopback http is accepted, the list hides secrets, and removal is audited', async () => {
    for (const url of ['http://example.com/hook', 'ftp://127.0.0.1/x', 'not a url', 'https://user:pw@example.com/']) {
      const r = await api(sys, 'POST', `${BASE}/webhooks`, { url });
      expect([url, r.status]).to.deep.equal([url, 400]);
    }
    const a = await register(sys, 'https://starlab.example/hooks/all-use');
    const b = await register(sys, 'http://[::1]:9/hook');
    const list = await api(sys, 'GET', `${BASE}/webhooks`);
    expect(list.body.endpoints.map((e: Json) => e.id)).to.include.members([a.id, b.id]);
    expect(JSON.stringify(list.body)).not.to.contain('whsec_');
    expect((await api(sys, 'DELETE', `${BASE}/webhooks/${a.id}`)).status).to.equal(204);
    expect((await api(sys, 'DELETE', `${BASE}/webhooks/${b.id}`)).status).to.equal(204);
    expect((await api(sys, 'DELETE', `${BASE}/webhooks/${b.id}`)).status).to.equal(404);
    const audit = await sys.prisma.auditLog.findMany({ where: { target: { in: [a.id, b.id] } } });
    expect(audit.map((x) => x.action).sort()).to.deep.equal(['WEBHOOK_REGISTERED', 'WEBHOOK_REGISTERED', 'WEBHOOK_REMOVED', 'WEBHOOK_REMOVED']);
  });

  it('when an instruction fills, one partly fills then is cancelled, and one is rejected, then every status change arrives signed and in order', async () => {
    rx = await receiver();
    endpoint = await register(sys, rx.url);
    const sim = sys.simulator!;

    sim.setPrice('GOOGL', 100);
    const filled = await submit(sys, stock('GOOGL'));
    await waitStatus(sys, filled, 'FILLED');

    sim.setPrice('GOOGL', 110);
    sim.fault({ partial_fill_next: { fraction: 0.4 } });
    const partial = await submit(sys, stock('GOOGL', { order_type: 'LIMIT', limit_price: 120, time_in_force: 'GTC' }));
    await waitStatus(sys, partial, 'PARTIALLY_FILLED');
    expect((await api(sys, 'POST', `${BASE}/trading/cancel_order/${partial}`)).status).to.equal(200);
    await waitStatus(sys, partial, 'CANCELLED');

    sim.fault({ reject_next: { code: 201, text: 'Order rejected - reason: margin' } });
    const rejected = await submit(sys, stock('GOOGL'));
    const rej = await waitStatus(sys, rejected, 'REJECTED');

    const want: Record<string, string> = { [filled]: 'FILLED', [partial]: 'CANCELLED', [rejected]: 'REJECTED' };
    for (const id of Object.keys(want)) await until(async () => rx!.accepted(id).some((g) => g.body.type === want[id]), 30_000, `${want[id]} delivered for ${id}`);

    const f = checkStream(rx.accepted(filled), endpoint.secret);
    expect(f[0]).to.equal('RECEIVED');
    expect(f.at(-1)).to.equal('FILLED');
    expect(f.filter((t) => !['RECEIVED', 'SUBMITTED', 'FILLED'].includes(t))).to.deep.equal([]);
    const last = rx.accepted(filled).at(-1)!.body;
    expect(last).to.include({ all_use_order_id: filled, status: 'FILLED', filled_quantity: 10 });
    expect(last.client_order_id).to.be.a('string');
    expect(last.starlab_strategy_id).to.match(/^WH_/);

    const p = checkStream(rx.accepted(partial), endpoint.secret);
    expect(p[0]).to.equal('RECEIVED');
    expect(p).to.include('PARTIALLY_FILLED');
    expect(p.at(-1)).to.equal('CANCELLED');
    expect(p.indexOf('PARTIALLY_FILLED')).to.be.lessThan(p.indexOf('CANCELLED'));
    expect(rx.accepted(partial).at(-1)!.body).to.include({ status: 'CANCELLED', filled_quantity: 4 });

    const r = checkStream(rx.accepted(rejected), endpoint.secret);
    expect([r[0], r.at(-1)]).to.deep.equal(['RECEIVED', 'REJECTED']);
    expect(rx.accepted(rejected).at(-1)!.body.reject_reason).to.equal(rej.reject_reason).and.to.be.a('string');

    // A signature made with another secret, or over a changed body, or too old, is detected.
    const g = rx.accepted(filled)[0]!;
    expect(verifyWebhook('whsec_wrong', g.raw, g.signature)).to.deep.equal({ ok: false, reason: 'BAD_SIGNATURE' });
    expect(verifyWebhook(endpoint.secret, g.raw.replace('"RECEIVED"', '"FILLED"'), g.signature)).to.deep.equal({ ok: false, reason: 'BAD_SIGNATURE' });
    expect(verifyWebhook(endpoint.secret, g.raw, g.signature, g.at + 10 * 60_000)).to.deep.equal({ ok: false, reason: 'TIMESTAMP_OUT_OF_WINDOW' });

    // Recorded once per change: the outbox holds exactly what was delivered.
    const events = await sys.prisma.webhookEvent.findMany({ where: { instructionId: filled }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => e.type)).to.deep.equal(f);
  });

  it('when the receiver is down for a while, then it gets every event once it is back, each accepted once', async () => {
    rx = await receiver({ answer: (n) => (n < 4 ? 503 : 200) });
    endpoint = await register(sys, rx.url);
    sys.simulator!.setPrice('GOOGL', 100);
    const id = await submit(sys, stock('GOOGL'));
    await waitStatus(sys, id, 'FILLED');
    await until(async () => rx!.accepted(id).some((g) => g.body.type === 'FILLED'), 60_000, 'FILLED delivered after the outage');
    const types = checkStream(rx.accepted(id), endpoint.secret);
    expect([types[0], types.at(-1)]).to.deep.equal(['RECEIVED', 'FILLED']);
    expect(rx.got.filter((g) => g.answered === 503)).to.have.length(4);
    // The refused attempts were retries of the first event (in order: nothing overtook it).
    expect(new Set(rx.got.slice(0, 5).map((g) => g.body.sequence))).to.deep.equal(new Set([1]));
    // The receiver answers before the delivery activity records DELIVERED: wait for the record.
    const rows = await until(
      async () => {
        const rs = await sys.prisma.webhookDelivery.findMany({ where: { instructionId: id, endpointId: endpoint!.id }, orderBy: { seq: 'asc' } });
        return rs.length > 0 && rs.every((r) => r.status === 'DELIVERED') ? rs : undefined;
      },
      30_000,
      'every delivery recorded DELIVERED',
    );
    expect(rows[0]!.attempts).to.equal(5);
  });

  it('when the receiver never answers 2xx, then each delivery is dead-lettered after the attempt limit, in order, and operators see it', async () => {
    const behaviour = { answer: (_n: number) => 500 };
    rx = await receiver(behaviour);
    endpoint = await register(sys, rx.url);
    sys.simulator!.setPrice('GOOGL', 100);
    const id = await submit(sys, stock('GOOGL'));
    await waitStatus(sys, id, 'FILLED');
    const dead = await until(
      async () => {
        const r = await call(ops.url, 'GET', '/api/v1/operator/webhooks/deliveries?dead=true&instruction=' + id);
        const items = r.body.items as Json[];
        return items.length > 0 && items.some((i) => i.type === 'FILLED') ? items : undefined;
      },
      60_000,
      'dead letters',
    );
    expect(dead.every((d) => d.status === 'DEAD' && d.attempts === 5 && d.last_error === 'HTTP 500')).to.equal(true);
    const bySeq = [...rx.got.filter((g) => g.body.all_use_order_id === id)].map((g) => g.body.sequence);
    expect(bySeq).to.deep.equal([...bySeq].sort((a, b) => a - b)); // never an earlier event after a later one
    expect(bySeq.length).to.equal(dead.length * 5);

    // Fixed receiver: an operator sends the first dead letter again; it arrives once, DELIVERED.
    behaviour.answer = () => 200;
    const first = dead.find((d) => d.sequence === 1);
    const again = await call(ops.url, 'POST', `/api/v1/operator/webhooks/deliveries/${first.id}/redeliver`);
    expect([again.status, again.body.status]).to.deep.equal([200, 'PENDING']);
    await until(async () => rx!.accepted(id).length === 1, 30_000, 'the redelivered event');
    expect(rx.accepted(id)[0]!.body.sequence).to.equal(1);
    // Marked DELIVERED after the receiver's 200 reaches the activity: a moment after the receiver saw it.
    await until(async () => (await sys.prisma.webhookDelivery.findUnique({ where: { id: first.id } }))?.status === 'DELIVERED', 10_000, 'the redelivered row DELIVERED');
    expect((await call(ops.url, 'POST', `/api/v1/operator/webhooks/deliveries/${first.id}/redeliver`)).status).to.equal(409);
    expect(await sys.prisma.auditLog.count({ where: { action: 'WEBHOOK_REDELIVERED', target: first.id } })).to.equal(1);
  });

  it('when the same status change is recorded twice (a retried record step), then one event exists and the same deliveries are named', async () => {
    rx = await receiver();
    endpoint = await register(sys, rx.url);
    sys.simulator!.setPrice('GOOGL', 100);
    const id = await submit(sys, stock('GOOGL'));
    await waitStatus(sys, id, 'FILLED');
    await until(async () => rx!.accepted(id).some((g) => g.body.type === 'FILLED'), 30_000, 'FILLED delivered');
    const state = { status: 'FILLED', filledQuantity: 10, averageFillPrice: 100.01, commission: 1, brokerOrderId: '1', rejectReason: null };
    const before = await sys.prisma.webhookEvent.count({ where: { instructionId: id } });
    const again = await sys.prisma.$transaction((tx) => statusEventOf(tx, id, state));
    expect(again).to.deep.equal({ instructionId: id, endpointIds: [endpoint.id] });
    expect(await sys.prisma.webhookEvent.count({ where: { instructionId: id } })).to.equal(before);
    expect(await sys.prisma.webhookDelivery.count({ where: { instructionId: id, endpointId: endpoint.id, status: { not: 'DELIVERED' } } })).to.equal(0);
  });

  it('when the receiver takes 5 s per request, then the instruction still fills at once', async () => {
    rx = await receiver({ delayMs: 5_000 });
    endpoint = await register(sys, rx.url);
    sys.simulator!.setPrice('GOOGL', 100);
    const t0 = Date.now();
    const id = await submit(sys, stock('GOOGL'));
    await waitStatus(sys, id, 'FILLED');
    const took = Date.now() - t0;
    // The deliveries go one after another at 5 s each: when the order was FILLED at most the
    // first had been answered.
    expect(rx.got.filter((g) => g.body.all_use_order_id === id && g.finishedAt !== undefined).length).to.be.at.most(1);
    expect(took).to.be.lessThan(10_000);
    await until(async () => rx!.accepted(id).some((g) => g.body.type === 'FILLED'), 60_000, 'FILLED delivered to the slow receiver');
    checkStream(rx.accepted(id), endpoint.secret);
  });

  it('when an event was recorded but its dispatch failed, then the sweeper delivers it once it is overdue, once, and leaves fresh or backing-off deliveries alone', async () => {
    // The scheduled sweeper runs once a minute on its own: paused here (and any run of it in
    // flight waited out), or it may wake the delivery between the test's steps and the test's
    // own sweep finds nothing (seen in CI: woken 0).
    const schedule = sys.client.schedule.getHandle(WEBHOOK_SWEEP_SCHEDULE_ID);
    expect((await schedule.describe()).action).to.include({ workflowType: 'webhookSweep' });
    await schedule.pause('webhooks test: the test runs the sweeper itself');
    try {
      await until(async () => (await schedule.describe()).info.runningActions.length === 0, 30_000, 'no scheduled sweep in flight');
      await sweepOnce();
    } finally {
      await schedule.unpause('webhooks test done');
    }
  });

  /** The sweeper's steps on one overdue delivery (the schedule paused by the caller). */
  async function sweepOnce(): Promise<void> {
    rx = await receiver();
    const registered = (endpoint = await register(sys, rx.url));
    sys.simulator!.setPrice('GOOGL', 100);
    const id = await submit(sys, stock('GOOGL'));
    await waitStatus(sys, id, 'FILLED');
    await until(async () => rx!.accepted(id).some((g) => g.body.type === 'FILLED'), 30_000, 'FILLED delivered');
    // The instruction's workflow ended: no later record step of it (a commission report after the
    // fill) wakes the instruction's delivery and drains the event below before the sweeper can
    // (seen in CI: woken 0 with the schedule paused).
    await sys.client.workflow.getHandle(instructionWorkflowId(id)).result();
    // Nor its delivery workflow: after sending FILLED it waits IDLE_MS for a wake, and a wake still on
    // its way (a dispatch of the instruction's last steps) would make it drain the event below before
    // the sweeper can (seen in CI again: woken 0). Ended here, as if its run had idled out: the
    // sweeper is then the only one that can start the next run.
    await sys.client.workflow
      .getHandle(webhookDeliveryWorkflowId(registered.id, id))
      .terminate('webhooks test: the sweeper must be the one to wake this delivery')
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      });
    // A booking whose dispatch after the commit failed: the event is in the outbox, nobody was woken.
    const lost = await enqueueStatusEvent(sys.prisma, { instructionId: id, type: 'POSITION_EXPIRED', dedupeKey: `${id}:sweep-test`, data: { symbol: 'GOOGL' } });
    expect(lost).to.deep.equal({ instructionId: id, endpointIds: [registered.id] });
    const pair = (ts: { instructionId: string; endpointIds: string[] }[]) => ts.some((t) => t.instructionId === id && t.endpointIds.includes(registered.id));
    const overdue = async () => stalePendingTargets(sys.prisma, 60_000, 10_000);
    // Fresh: not the sweeper's business yet.
    expect(pair(await overdue())).to.equal(false);
    // Waiting out a backoff (next attempt in the future): not overdue either, however old.
    await sys.prisma
      .$executeRaw`UPDATE webhook_deliveries SET created_at = created_at - interval '10 minutes', next_attempt_at = (now() AT TIME ZONE 'UTC') + interval '1 minute' WHERE instruction_id = ${id} AND status = 'PENDING'`;
    expect(pair(await overdue())).to.equal(false);
    // Never tried and two minutes old: overdue.
    await sys.prisma.$executeRaw`UPDATE webhook_deliveries SET next_attempt_at = NULL WHERE instruction_id = ${id} AND status = 'PENDING'`;
    expect(pair(await overdue())).to.equal(true);

    // The scheduled sweeper (every WEBHOOK_SWEEP_INTERVAL_MS) runs this workflow; run it now.
    const sweep = () => sys.client.workflow.execute('webhookSweep', { taskQueue: sys.config.temporalTaskQueue, workflowId: uniq('sweep'), args: [] }) as Promise<{ woken: number }>;
    expect((await sweep()).woken).to.be.at.least(1);
    await until(async () => rx!.accepted(id).some((g) => g.body.type === 'POSITION_EXPIRED'), 30_000, 'the swept event delivered');
    await until(async () => (await sys.prisma.webhookDelivery.count({ where: { instructionId: id, status: 'PENDING' } })) === 0, 10_000, 'nothing pending');
    // Idempotent: a second sweep finds nothing of this instruction and sends nothing again.
    expect(pair(await overdue())).to.equal(false);
    await sweep();
    expect(rx.accepted(id).filter((g) => g.body.type === 'POSITION_EXPIRED')).to.have.length(1);
    expect(checkStream(rx.accepted(id), registered.secret).slice(-2)).to.deep.equal(['FILLED', 'POSITION_EXPIRED']);
  }
});
