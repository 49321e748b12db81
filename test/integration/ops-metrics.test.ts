/**
 * /metrics after real traffic: HTTP by route and status with latency, instructions by source,
 * scheme and final status, risk rejections by reason, broker state and order latencies,
 * account gauges and week types from the database, workflow failures by type; plus the
 * worker's Temporal SDK exporter and the dev server's own metrics endpoint.
 */
import { expect } from 'chai';
import type { RunningServer } from '../../src/api/app';
import type { System } from '../../src/system';
import { api, getSystem, until } from './_system';
import { call, instruction, operatorApi, TRADING, uniq } from './ops-helpers';

const value = (text: string, re: RegExp): number => {
  const m = text.split('\n').find((l) => re.test(l));
  return m ? Number(m.split(' ').pop()) : NaN;
};

describe('ops: metrics after a real instruction', function () {
  this.timeout(120_000);
  let sys: System;
  let app: RunningServer;
  const fam = `OPSM_${process.pid}`;
  let text = '';

  before(async () => {
    sys = await getSystem();
    // Database-backed gauges: a family with one account, a short put, a week type and a level.
    await sys.prisma.accountFamily.create({ data: { id: fam, name: 'metrics family', accounts: { create: [{ id: `${fam}:GEN`, kind: 'GEN', baseCents: 4_000_000n, cashCents: 3_000_000n }] } } });
    await sys.prisma.position.create({
      data: { id: `${fam}-p1`, ownerKind: 'ACCOUNT', ownerId: `${fam}:GEN`, symbol: 'NVDA', secType: 'OPT', expiry: '20301220', strike: 100, right: 'P', quantity: -1, avgPrice: 2.5 },
    });
    await sys.prisma.weekTypeRecord.create({ data: { accountId: `${fam}:GEN`, symbol: 'NVDA', week: '2026-W47', type: 'P-EW' } });
    // An instruction that never got past PENDING_SUBMIT for 11 minutes: a stuck workflow.
    const old = new Date(Date.now() - 11 * 60_000);
    await sys.prisma.instruction.create({
      data: {
        id: `au_stuck_${fam}`,
        clientName: 'local',
        clientOrderId: `stuck_${fam}`,
        starlabStrategyId: 'S',
        schemeType: 'DIS',
        source: 'STARLAB',
        symbol: 'AAPL',
        tradeAction: 'BUY_STOCK',
        quantity: 1,
        orderType: 'MARKET',
        timeInForce: 'DAY',
        requestHash: 'h',
        workflowId: 'w',
        status: 'PENDING_SUBMIT',
        createdAt: old,
      },
    });
    await sys.prisma.auditLog.create({ data: { actor: 'protocol', action: 'PROTOCOL_LEVEL', target: `${fam}:GEN`, outcome: 'OK', detail: { symbol: 'NVDA', level: 2 } } });

    const filled = await api(sys, 'POST', `${TRADING}/submit_trade_instruction`, instruction(uniq('m-fill')));
    const refused = await api(sys, 'POST', `${TRADING}/submit_trade_instruction`, instruction(uniq('m-rej'), { symbol: 'ZZZZ' }));
    for (const r of [filled, refused]) expect(r.status, JSON.stringify(r.body)).to.equal(201);
    await until(async () => (await sys.prisma.instruction.findUnique({ where: { id: refused.body.all_use_order_id as string } }))?.status === 'REJECTED', 30_000, 'rejection');
    await until(async () => (await sys.prisma.instruction.findUnique({ where: { id: filled.body.all_use_order_id as string } }))?.status === 'FILLED', 30_000, 'fill');
    // A workflow that fails: a report for a date that does not exist (non-retryable).
    const h = await sys.client.workflow.start('dailyReport', { taskQueue: sys.config.temporalTaskQueue, workflowId: uniq('bad-report'), args: [{ date: '2026-02-30x' }] });
    await h.result().catch(() => undefined);
    app = await operatorApi(sys); // a fresh app: its first scrape refreshes the database gauges
    await until(
      async () => {
        text = (await call(app.url, 'GET', '/metrics')).text;
        return /^alluse_workflow_failures_total\{workflow_type="dailyReport"\} [1-9]/m.test(text) && /^alluse_order_fill_latency_seconds_count [1-9]/m.test(text);
      },
      20_000,
      'metrics to show the failure and the fill',
    );
  });
  after(async () => {
    await app?.close();
    // Leave no family behind: the weekly-cycle tests run every family in the database.
    await sys.prisma.position.deleteMany({ where: { ownerId: `${fam}:GEN` } });
    await sys.prisma.weekTypeRecord.deleteMany({ where: { accountId: `${fam}:GEN` } });
    await sys.prisma.account.deleteMany({ where: { familyId: fam } });
    await sys.prisma.accountFamily.deleteMany({ where: { id: fam } });
    await sys.prisma.instruction.deleteMany({ where: { id: `au_stuck_${fam}` } });
  });

  it('when requests were served, then HTTP counts and latency histograms are labelled by route pattern and status', () => {
    expect(value(text, /^http_requests_total\{route="\/api\/v1\/starlab_interface\/trading\/submit_trade_instruction",method="POST",status="201"\}/)).to.be.at.least(2);
    expect(text).to.match(/^http_request_duration_seconds_bucket\{le="0.5",route="\/api\/v1\/starlab_interface\/trading\/submit_trade_instruction",method="POST"\} \d+/m);
    expect(text, 'raw ids never become labels').to.not.match(/route="[^"]*au_[0-9a-f]{8}/);
  });

  it('when an instruction filled and one was refused, then instructions and risk rejections are counted', () => {
    expect(value(text, /^alluse_instructions_total\{source="starlab",scheme="WIS",status="filled"\}/)).to.be.at.least(1);
    expect(value(text, /^alluse_instructions_total\{source="starlab",scheme="WIS",status="rejected"\}/)).to.be.at.least(1);
    expect(text).to.match(/^alluse_risk_rejections_total\{reason="[A-Z_]+"\} [1-9]/m);
  });

  it('when the broker placed an order, then connection, pacing and place→ack / place→fill latencies are exported', () => {
    expect(value(text, /^alluse_broker_connected /)).to.equal(1);
    expect(value(text, /^alluse_broker_pacing_limit /)).to.equal(45);
    expect(value(text, /^alluse_broker_messages_per_second /)).to.be.at.least(0);
    expect(value(text, /^alluse_broker_pacing_backlog_seconds /)).to.be.within(0, 10);
    expect(text).to.match(/^alluse_broker_reconnects_total \d+/m);
    expect(value(text, /^alluse_order_ack_latency_seconds_count /)).to.be.at.least(1);
    expect(value(text, /^alluse_order_fill_latency_seconds_count /)).to.be.at.least(1);
  });

  it('when accounts exist in the database, then equity (at the broker mark), cash, buffer, floor, protocol level and week types are exported', async () => {
    const acc = `account="${fam}:GEN"`;
    // The short put is valued at the broker's mid (src/marks.ts), not at its 2.50 cost.
    const q = await sys.broker.marketData!.optionQuote('NVDA', '20301220', 100, 'P');
    const mark = Math.round(((q.bid + q.ask) / 2) * 10_000) / 10_000;
    const equity = 30_000 - mark * 100;
    expect(value(text, new RegExp(`^alluse_account_cash_dollars\\{${acc}\\}`))).to.equal(30_000);
    expect(value(text, new RegExp(`^alluse_account_equity_dollars\\{${acc}\\}`))).to.be.closeTo(equity, 0.01); // 30,000 − 1 × mark × 100
    expect(value(text, new RegExp(`^alluse_account_buffer_dollars\\{${acc}\\}`))).to.equal(20_000); // 30,000 − 100 × 100 secured
    expect(value(text, new RegExp(`^alluse_account_buffer_floor_dollars\\{${acc}\\}`))).to.be.closeTo(equity * 0.05, 0.01); // 5 % of equity
    expect(value(text, new RegExp(`^alluse_account_protocol_level\\{${acc},symbol="NVDA"\\}`))).to.equal(2);
    expect(value(text, /^alluse_week_types_total\{week="2026-W47",type="P-EW"\}/)).to.be.at.least(1);
    expect(value(text, /^alluse_trading_halted /)).to.equal(0);
  });

  it('when an instruction has been PENDING_SUBMIT for over ten minutes, then it counts as a stuck workflow', () => {
    expect(value(text, /^alluse_workflows_stuck\{workflow_type="tradeInstruction"\}/)).to.be.at.least(1);
  });

  it('when a workflow failed, then it is counted by workflow type', () => {
    expect(value(text, /^alluse_workflow_failures_total\{workflow_type="dailyReport"\}/)).to.be.at.least(1);
  });

  it('when the worker and the dev server run, then their own Prometheus endpoints answer', async () => {
    expect(sys.workerMetricsUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const worker = await (await fetch(sys.workerMetricsUrl!)).text();
    expect(worker).to.match(/^temporal_\w+/m);
    expect(sys.temporalMetricsUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const server = await (await fetch(sys.temporalMetricsUrl!)).text();
    expect(server.length).to.be.greaterThan(100);
  });
});
