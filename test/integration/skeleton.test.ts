/**
 * The walking skeleton, end to end on real parts: HTTP → Temporal workflow → @stoqey/ib
 * over TCP → simulator fill → PostgreSQL → order_status FILLED.
 */
import { expect } from 'chai';
import { createApp, startServer } from '../../src/api/app';
import { createLogger } from '../../src/logger';
import type { System } from '../../src/system';
import { instructionWorkflowId } from '../../src/contracts/workflows/tradeInstruction';
import { api, getSystem, until } from './_system';
import { seedInstruction } from '../fixtures/instructions';

const BASE = '/api/v1/starlab_interface/trading';
let n = 0;
const uniq = (p: string) => `${p}_${process.pid}_${Date.now()}_${n++}`;

/** The seed's example instruction, as a MARKET order. */
const seedMarket = (coid: string, strategy = 'DIS_AAPL_20250507_001') => seedInstruction({ client_order_id: coid, starlab_strategy_id: strategy });

async function waitStatus(sys: System, id: string, want: string[]) {
  return until(
    async () => {
      const r = await api(sys, 'GET', `${BASE}/order_status/${id}`);
      return want.includes(r.body.status) ? r.body : undefined;
    },
    30_000,
    `order ${id} to be ${want.join('|')}`,
  );
}

describe('walking skeleton: one instruction from HTTP to a filled order', function () {
  this.timeout(120_000);
  let sys: System;
  before(async () => {
    sys = await getSystem();
  });

  it('when the seed example is submitted as MARKET, then it is RECEIVED and soon FILLED with price and commission', async () => {
    const coid = uniq('seed');
    const strategy = uniq('DIS_AAPL');
    const ack = await api(sys, 'POST', `${BASE}/submit_trade_instruction`, seedMarket(coid, strategy));
    expect(ack.status).to.equal(201);
    expect(ack.body).to.include({ client_order_id: coid, status: 'RECEIVED' });
    expect(ack.body.all_use_order_id).to.match(/^au_[0-9a-f-]{36}$/);
    expect(ack.body.validation_errors).to.deep.equal([]);

    const st = await waitStatus(sys, ack.body.all_use_order_id, ['FILLED']);
    expect(st).to.include({ all_use_order_id: ack.body.all_use_order_id, client_order_id: coid, starlab_strategy_id: strategy, filled_quantity: 1 });
    expect(st.average_fill_price).to.be.a('number').greaterThan(0);
    expect(st.commission).to.equal(1); // IB option schedule: $0.65/contract, $1.00 minimum per order
    expect(st.broker_order_id).to.be.a('string');
    expect(st.timestamp).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    // PostgreSQL holds the order, its execution and the position.
    // (the query answers as soon as the workflow knows; the database write follows it)
    const row = await until(
      async () => {
        const r = await sys.prisma.instruction.findUnique({ where: { id: ack.body.all_use_order_id }, include: { order: true, executions: true } });
        return r?.status === 'FILLED' ? r : undefined;
      },
      10_000,
      'the database to record FILLED',
    );
    expect(row?.executions).to.have.length(1);
    const pos = await sys.prisma.position.findFirst({ where: { ownerId: `local:${strategy}` } });
    expect(pos?.quantity).to.equal(1);

    // Temporal shows it completed, filterable by the registered search attribute.
    const wid = instructionWorkflowId(ack.body.all_use_order_id);
    await until(
      async () => {
        for await (const w of sys.client.workflow.list({ query: `StarlabStrategyId='${strategy}'` })) if (w.workflowId === wid && w.status.name === 'COMPLETED') return true;
        return false;
      },
      20_000,
      'visibility to list the completed workflow',
    );
    expect(sys.simulator!.orders().filter((o) => o.orderRef === ack.body.all_use_order_id)).to.have.length(1);
  });

  it('when the same client_order_id is submitted concurrently, then one workflow and one broker order exist', async () => {
    const coid = uniq('dup');
    const body = seedMarket(coid);
    const answers = await Promise.all(Array.from({ length: 6 }, () => api(sys, 'POST', `${BASE}/submit_trade_instruction`, body)));
    const ids = new Set(answers.map((a) => a.body.all_use_order_id));
    expect(ids.size).to.equal(1);
    expect(answers.map((a) => a.status).filter((s) => s === 201)).to.have.length(1);
    expect(answers.every((a) => a.status === 201 || a.status === 200)).to.equal(true);
    const [id] = [...ids] as string[];
    await waitStatus(sys, id!, ['FILLED']);
    const again = await api(sys, 'POST', `${BASE}/submit_trade_instruction`, body);
    expect([again.status, again.body.all_use_order_id, again.body.status]).to.deep.equal([200, id, 'RECEIVED']);
    expect(sys.simulator!.orders().filter((o) => o.orderRef === id)).to.have.length(1);
  });

  it('when a used client_order_id comes with a different body, then 409 DUPLICATE_CLIENT_ORDER_ID', async () => {
    const coid = uniq('conf');
    const first = await api(sys, 'POST', `${BASE}/submit_trade_instruction`, seedMarket(coid));
    expect(first.status).to.equal(201);
    const second = await api(sys, 'POST', `${BASE}/submit_trade_instruction`, { ...seedMarket(coid), quantity: 2 });
    expect(second.status).to.equal(409);
    expect(second.body.error.code).to.equal('DUPLICATE_CLIENT_ORDER_ID');
  });

  it('when the body is malformed, then 400 VALIDATION_FAILED lists every field error and nothing starts', async () => {
    const coid = uniq('bad');
    const bad = { ...seedMarket(coid), scheme_type: 'XIS', quantity: -1, order_type: 'LIMIT', strike_price: 'x', extra: 1 };
    const r = await api(sys, 'POST', `${BASE}/submit_trade_instruction`, bad);
    expect(r.status).to.equal(400);
    expect(r.body.status).to.equal('VALIDATION_FAILED');
    const fields = r.body.validation_errors.map((e: { field: string }) => e.field);
    expect(fields).to.include.members(['scheme_type', 'quantity', 'strike_price', 'limit_price', 'extra']);
    expect(await sys.prisma.instruction.count({ where: { clientOrderId: coid } })).to.equal(0);
    let started = 0;
    for await (const _ of sys.client.workflow.list({ query: `ClientOrderId='${coid}'` })) started++;
    expect(started).to.equal(0);
    expect((await api(sys, 'POST', `${BASE}/submit_trade_instruction`, '{not json')).status).to.equal(400);
  });

  it('when a resting LIMIT order is cancelled, then it ends CANCELLED and a second cancel is refused', async () => {
    const coid = uniq('lmt');
    // 15 % under the mid (inside the risk band, resting), with 4 decimals on purpose: prices are
    // not always whole cents (risk must round, not fail)
    sys.simulator!.setPrice('GOOGL', 100);
    const body = {
      ...seedMarket(coid),
      trade_action: 'BUY_STOCK',
      symbol: 'GOOGL',
      expiration_date: undefined,
      strike_price: undefined,
      order_type: 'LIMIT',
      limit_price: 85.0005,
      time_in_force: 'GTC',
    };
    const ack = await api(sys, 'POST', `${BASE}/submit_trade_instruction`, body);
    expect(ack.status).to.equal(201);
    const id = ack.body.all_use_order_id as string;
    await waitStatus(sys, id, ['SUBMITTED']);
    const c = await api(sys, 'POST', `${BASE}/cancel_order/${id}`);
    expect([c.status, c.body.status]).to.deep.equal([200, 'CANCEL_REQUESTED']);
    await waitStatus(sys, id, ['CANCELLED']);
    const again = await api(sys, 'POST', `${BASE}/cancel_order/${id}`);
    expect([again.status, again.body.status]).to.deep.equal([409, 'FAILED']);
    expect((await api(sys, 'POST', `${BASE}/cancel_order/au_00000000-0000-0000-0000-000000000000`)).status).to.equal(404);
  });

  it('when the worker and the API restart, then order_status still answers', async () => {
    const coid = uniq('restart');
    const ack = await api(sys, 'POST', `${BASE}/submit_trade_instruction`, seedMarket(coid));
    const id = ack.body.all_use_order_id as string;
    await waitStatus(sys, id, ['FILLED']);
    await sys.stopWorker();
    await sys.api!.close();
    const app = createApp({ temporal: sys.client, prisma: sys.prisma, taskQueue: sys.config.temporalTaskQueue, logger: createLogger('test', 'error'), operatorToken: sys.operatorToken });
    sys.api = await startServer(app, 0);
    await sys.startWorker();
    const st = await api(sys, 'GET', `${BASE}/order_status/${id}`);
    expect([st.status, st.body.status, st.body.filled_quantity]).to.deep.equal([200, 'FILLED', 1]);
  });
});
