/**
 * The kill switch and reduce-only mode on the real system: operator API auth, halt → new
 * instructions REJECTED (KILL_SWITCH), a running instruction stopped right before placing,
 * open orders cancelled on request, resume, the state surviving an API + worker restart
 * (set through the ops CLI), and reduce-only letting only closing trades through.
 */
import { expect } from 'chai';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { createApp, startServer, type RunningServer } from '../../src/api/app';
import { allUseOrderId } from '../../src/contracts/ids';
import { createLogger } from '../../src/logger';
import type { System } from '../../src/system';
import { instructionWorkflowId, KILL_SWITCH_FAILURE, type TradeInstructionInput } from '../../src/contracts/workflows/tradeInstruction';
import { tradeInstruction } from '../../workflows/tradeInstruction';
import { api, getSystem, until } from './_system';
import { runCli } from './_cli';
import { apiInput, call, instruction, operatorApi, OPERATOR_TOKEN, TRADING, uniq } from './ops-helpers';
import { MockActivityEnvironment } from '@temporalio/testing';
import { toBrokerOrder } from '../../src/domain/instrument';
import type { PlacedUpdate, SubmittedUpdate } from '../../activities';

const ROOT = path.resolve(__dirname, '..', '..');

async function ops(sys: System, ...args: string[]) {
  const r = await runCli(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['src/cli/ops.ts', '--json', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: sys.config.databaseUrl, TEMPORAL_ADDRESS: sys.temporalAddress, TEMPORAL_TASK_QUEUE: sys.config.temporalTaskQueue, LOG_LEVEL: 'error' },
  });
  if (r.status !== 0) throw new Error(`ops ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The message a promise fails with; a promise that succeeds fails the test. */
const failure = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => expect.fail('expected the command to fail'),
    (e: Error) => e.message,
  );

describe('ops: kill switch and reduce-only', function () {
  this.timeout(180_000);
  let sys: System;
  let op: RunningServer;

  const submit = async (body: Record<string, unknown>) => {
    const r = await api(sys, 'POST', `${TRADING}/submit_trade_instruction`, body);
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    return r.body.all_use_order_id as string;
  };
  const final = (id: string, want = ['FILLED', 'CANCELLED', 'REJECTED']) =>
    until(
      async () => {
        const row = await sys.prisma.instruction.findUnique({ where: { id } });
        return row && want.includes(row.status) ? row : undefined;
      },
      40_000,
      `instruction ${id} to be ${want.join('|')}`,
    );

  before(async () => {
    sys = await getSystem();
    op = await operatorApi(sys);
  });
  after(async () => {
    await call(op.url, 'POST', '/api/v1/operator/resume', {});
    await call(op.url, 'POST', '/api/v1/operator/reduce-only', { enabled: false });
    await op.close();
  });

  it('when the token is unset, missing or wrong, then the operator API refuses; the right one is accepted', async () => {
    const noToken = await startServer(createApp({ temporal: sys.client, prisma: sys.prisma, taskQueue: sys.config.temporalTaskQueue, logger: createLogger('test', 'error'), operatorToken: '' }), 0);
    try {
      const off = await call(noToken.url, 'GET', '/api/v1/operator/status', undefined, OPERATOR_TOKEN);
      expect([off.status, off.body.error.code]).to.deep.equal([503, 'OPERATOR_AUTH_NOT_CONFIGURED']);
    } finally {
      await noToken.close();
    }
    expect((await call(op.url, 'GET', '/api/v1/operator/status', undefined, null)).status).to.equal(401);
    const wrong = await call(op.url, 'GET', '/api/v1/operator/status', undefined, `${OPERATOR_TOKEN}x`);
    expect([wrong.status, wrong.body.error.code, wrong.headers.get('www-authenticate')]).to.deep.equal([401, 'OPERATOR_UNAUTHORIZED', 'Bearer realm="operator"']);
    const ok = await call(op.url, 'GET', '/api/v1/operator/status');
    expect(ok.status).to.equal(200);
    expect(ok.body.global).to.include({ scope: 'global', halted: false });
  });

  it('when halted, then new instructions are refused at once (503 TRADING_HALTED), readyz and metrics show it; resume lets them fill', async () => {
    const h = await call(op.url, 'POST', '/api/v1/operator/halt', { reason: 'ops test halt' });
    expect(h.status).to.equal(200);
    expect(h.body.control).to.include({ halted: true, reason: 'ops test halt', updatedBy: 'operator:api' });
    const refused = await api(sys, 'POST', `${TRADING}/submit_trade_instruction`, instruction(uniq('halted')));
    expect([refused.status, refused.body.error?.code]).to.deep.equal([503, 'TRADING_HALTED']);
    const ready = await call(sys.api!.url, 'GET', '/readyz');
    expect(ready.body.kill_switch).to.include({ halted: true, reason: 'ops test halt' });
    const metrics = await call(sys.api!.url, 'GET', '/metrics');
    expect(metrics.text).to.match(/^alluse_trading_halted 1$/m);
    const audit = await sys.prisma.auditLog.findFirst({ where: { action: 'TRADING_HALTED' }, orderBy: { id: 'desc' } });
    expect(audit?.actor).to.equal('operator:api');

    await call(op.url, 'POST', '/api/v1/operator/resume', { reason: 'done' });
    expect((await final(await submit(instruction(uniq('resumed'))))).status).to.equal('FILLED');
  });

  it('when the halt comes after the risk check passed, then placeOrder declines and the workflow ends REJECTED without a broker order', async () => {
    const coid = uniq('late');
    const id = allUseOrderId('local', coid);
    // A reservation is what a passed risk check leaves behind: the retried check trusts it.
    await sys.prisma.capitalReservation.create({ data: { instructionId: id, segment: 'starlab:STARLAB_OPS', amountCents: 0n } });
    await call(op.url, 'POST', '/api/v1/operator/halt', { reason: 'late halt' });
    try {
      // The API refuses new instructions while halted (503 TRADING_HALTED): this one was already
      // in flight, so it is started the way the API starts it, past the door.
      const inFlight = apiInput(coid);
      await sys.client.workflow.start(tradeInstruction, {
        workflowId: instructionWorkflowId(id),
        taskQueue: sys.config.temporalTaskQueue,
        args: [inFlight],
        memo: { requestHash: inFlight.requestHash, clientName: 'local' },
      });
      const row = await final(id);
      expect([row.status, row.rejectReason]).to.deep.equal(['REJECTED', 'KILL_SWITCH: scope=global, reason=late halt']);
      expect(sys.simulator!.orders().filter((o) => o.orderRef === id)).to.have.length(0);
      // and the activity itself: a non-retryable failure of the type the workflow maps
      const acts = createActivities({ prisma: sys.prisma, broker: sys.broker, logger: createLogger('test', 'error') });
      const input: TradeInstructionInput = {
        allUseOrderId: `au_direct_${coid}`,
        clientName: 'local',
        source: 'STARLAB',
        requestHash: 'h',
        instruction: instruction(coid) as never,
        receivedAt: new Date().toISOString(),
      };
      const err = await new MockActivityEnvironment()
        .run((i: TradeInstructionInput) => acts.placeOrder(i), input)
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).to.be.instanceOf(ApplicationFailure);
      expect([(err as ApplicationFailure).type, (err as ApplicationFailure).nonRetryable]).to.deep.equal([KILL_SWITCH_FAILURE, true]);
      // A retry whose first attempt already reached the broker follows that order, halt or not:
      // declining it would orphan a live order.
      // Its own client_order_id: the row is unique per client and client_order_id.
      const sent = { ...input, allUseOrderId: `au_sent_${coid}`, instruction: { ...input.instruction, client_order_id: `${coid}_sent` } };
      await acts.recordInstruction(sent);
      const atBroker = await sys.broker.placeOrder(toBrokerOrder(sent.allUseOrderId, sent.instruction));
      const retried: PlacedUpdate = await new MockActivityEnvironment({ attempt: 2 }).run((i: TradeInstructionInput) => acts.placeOrder(i), sent);
      expect(retried.order.brokerOrderId).to.equal(atBroker.brokerOrderId);
      expect(sys.simulator!.orders().filter((o) => o.orderRef === sent.allUseOrderId)).to.have.length(1);
      // The step records what it found, as it records what it sends.
      expect(retried.recorded).to.equal(true);
      const booked = await sys.prisma.order.findUniqueOrThrow({ where: { instructionId: sent.allUseOrderId } });
      expect([booked.brokerOrderId, booked.status]).to.deep.equal([atBroker.brokerOrderId, retried.order.status]);
    } finally {
      await call(op.url, 'POST', '/api/v1/operator/resume', {});
    }
  });

  it('when halted, then submitOrder sends nothing for a new instruction, and a retried attempt follows the order its first attempt sent', async () => {
    const acts = createActivities({ prisma: sys.prisma, broker: sys.broker, logger: createLogger('test', 'error') });
    const submitted = (input: TradeInstructionInput, attempt = 1): Promise<SubmittedUpdate> => new MockActivityEnvironment({ attempt }).run((i: TradeInstructionInput) => acts.submitOrder(i), input);
    await call(op.url, 'POST', '/api/v1/operator/halt', { reason: 'submit halt' });
    try {
      // A first attempt: the risk check inside the step sees the halt, and the order never goes out.
      const fresh = apiInput(uniq('sub_new'));
      const answer = await submitted(fresh);
      expect(answer)
        .to.have.property('rejected')
        .that.matches(/^KILL_SWITCH/);
      expect(sys.simulator!.orders().filter((o) => o.orderRef === fresh.allUseOrderId)).to.have.length(0);
      expect(await sys.prisma.capitalReservation.count({ where: { instructionId: fresh.allUseOrderId } })).to.equal(0);
      // A retry whose first attempt recorded the instruction and reached the broker: it follows that
      // order, halt or not (declining it would orphan a live order), and records it.
      const sent = apiInput(uniq('sub_sent'));
      await acts.recordInstruction(sent);
      const atBroker = await sys.broker.placeOrder(toBrokerOrder(sent.allUseOrderId, sent.instruction));
      const retried = await submitted(sent, 2);
      if ('rejected' in retried) throw new Error(`retry rejected: ${retried.rejected}`);
      expect([retried.order.brokerOrderId, retried.recorded]).to.deep.equal([atBroker.brokerOrderId, true]);
      expect(sys.simulator!.orders().filter((o) => o.orderRef === sent.allUseOrderId)).to.have.length(1);
      const booked = await sys.prisma.order.findUniqueOrThrow({ where: { instructionId: sent.allUseOrderId } });
      expect([booked.brokerOrderId, booked.status]).to.deep.equal([atBroker.brokerOrderId, retried.order.status]);
    } finally {
      await call(op.url, 'POST', '/api/v1/operator/resume', {});
    }
  });

  it('when halted with cancel_open, then resting orders are cancelled through their workflows', async () => {
    // A buy 15 % under the mid: inside the risk band, and it rests.
    sys.simulator!.setPrice('META', 100);
    const id = await submit(
      instruction(uniq('resting'), {
        trade_action: 'BUY_STOCK',
        symbol: 'META',
        quantity: 1,
        expiration_date: undefined,
        strike_price: undefined,
        order_type: 'LIMIT',
        limit_price: 85,
        time_in_force: 'GTC',
      }),
    );
    await final(id, ['SUBMITTED']);
    // visibility lists the running workflow shortly after it started
    await until(
      async () => {
        for await (const w of sys.client.workflow.list({ query: `WorkflowId='instruction-${id}' AND ExecutionStatus='Running'` })) return w;
        return undefined;
      },
      10_000,
      'visibility',
    );
    const h = await call(op.url, 'POST', '/api/v1/operator/halt', { reason: 'flatten', cancel_open: true });
    expect(h.status).to.equal(200);
    expect(h.body.cancelled.find((c: { workflowId: string }) => c.workflowId === `instruction-${id}`)).to.include({ status: 'CANCEL_REQUESTED' });
    expect((await final(id)).status).to.equal('CANCELLED');
    await call(op.url, 'POST', '/api/v1/operator/resume', {});
  });

  it('when halted from the CLI and the API and worker restart, then the halt persists until resumed', async () => {
    const out = await ops(sys, 'halt', '--reason', 'maintenance');
    expect(out.control).to.include({ halted: true, reason: 'maintenance' });
    expect(out.control.updatedBy).to.match(/^cli:/);
    await sys.stopWorker();
    await sys.api!.close();
    sys.api = await startServer(
      createApp({ temporal: sys.client, prisma: sys.prisma, taskQueue: sys.config.temporalTaskQueue, logger: createLogger('test', 'error'), broker: sys.broker, operatorToken: OPERATOR_TOKEN }),
      0,
    );
    await sys.startWorker();
    const ready = await call(sys.api.url, 'GET', '/readyz');
    expect(ready.body.kill_switch).to.include({ halted: true, reason: 'maintenance' });
    const refused = await api(sys, 'POST', `${TRADING}/submit_trade_instruction`, instruction(uniq('after-restart')));
    expect([refused.status, refused.body.error?.code]).to.deep.equal([503, 'TRADING_HALTED']);
    expect((await ops(sys, 'status')).global).to.include({ halted: true });
    expect((await ops(sys, 'resume')).control).to.include({ halted: false });
  });

  it('when reduce-only is on, then opening orders are rejected and a closing order fills', async () => {
    const strategy = uniq('RO');
    expect((await final(await submit(instruction(uniq('open'), { starlab_strategy_id: strategy })))).status).to.equal('FILLED');
    const on = await call(op.url, 'POST', '/api/v1/operator/reduce-only', { enabled: true, reason: 'de-risk' });
    expect(on.body.control).to.include({ reduceOnly: true, halted: false });
    const opening = await final(await submit(instruction(uniq('open2'), { starlab_strategy_id: strategy })));
    expect([opening.status, opening.rejectReason]).to.satisfy(([s, r]: [string, string]) => s === 'REJECTED' && r.startsWith('REDUCE_ONLY'));
    const closing = await final(await submit(instruction(uniq('close'), { starlab_strategy_id: strategy, trade_action: 'SELL_TO_CLOSE_CALL' })));
    expect(closing.status, closing.rejectReason ?? '').to.equal('FILLED');
    expect((await call(sys.api!.url, 'GET', '/metrics')).text).to.match(/^alluse_reduce_only 1$/m);
    await call(op.url, 'POST', '/api/v1/operator/reduce-only', { enabled: false });
  });

  it('when an operator sets a segment limit from the CLI, then the risk check uses it, list shows what is used, and bad input changes nothing', async () => {
    const seg = uniq('SEG_CLI');
    expect(await ops(sys, 'segments', 'set', seg, '--capital', '1000', '--max-open-orders', '3')).to.deep.equal({ segment: seg, capital_limit_cents: 100_000, max_open_orders_per_strategy: 3 });
    sys.simulator!.setPrice('AMZN', 100);
    const body = (quantity: number) => instruction(uniq('seg'), { trade_action: 'BUY_STOCK', symbol: 'AMZN', quantity, expiration_date: undefined, strike_price: undefined, account_tag: seg });
    expect((await final(await submit(body(5)), ['FILLED'])).status).to.equal('FILLED'); // ~$500 held
    const over = await final(await submit(body(6)), ['REJECTED', 'FILLED']); // ~$600 > ~$500 left
    expect(over.rejectReason ?? '').to.match(/^SEGMENT_CAPITAL_EXCEEDED: /);
    const row = (await ops(sys, 'segments', 'list')).segments.find((r: { segment: string }) => r.segment === seg);
    expect(row).to.deep.include({ capitalLimitCents: 100_000, maxOpenOrdersPerStrategy: 3, workingCents: 0 });
    expect(row.heldCents).to.be.within(50_000, 50_100);
    expect(await failure(ops(sys, 'segments', 'set', seg, '--capital', '12.345'))).to.match(/--capital: dollars with at most 2 decimals/);
    expect(await failure(ops(sys, 'segments', 'set', 'account:x', '--capital', '5'))).to.match(/not a STAR-LAB segment/);
    const after = await sys.prisma.segmentLimit.findUnique({ where: { segment: seg } });
    expect(Number(after?.capitalLimitCents)).to.equal(100_000);
    const audit = await sys.prisma.auditLog.findMany({ where: { action: 'SEGMENT_LIMIT_SET', target: seg } });
    expect(audit.map((a) => a.actor)).to.deep.equal([`cli:${os.userInfo().username}`]);
  });
});
