/**
 * Contract tests: every STAR-LAB endpoint with the seed's examples and every enum value,
 * responses checked against the same zod schemas the OpenAPI document is generated from.
 */
import { expect } from 'chai';
import { createApp, startServer } from '../../src/api/app';
import { openApiDocument } from '../../src/api/openapi';
import { cancelResultSchema, dataResponseSchema, instructionAckSchema, orderStatusSchema, performanceSchema, positionsSchema, SEED } from '../../src/contracts/api';
import { POSITION_TYPES, TRADE_ACTIONS } from '../../src/contracts/instruction';
import { listAudit } from '../../src/db/audit';
import { listNotifications } from '../../src/db/notifications';
import { instructionWorkflowId } from '../../src/contracts/workflows/tradeInstruction';
import { appDeps, BASE, call, instruction, limitNear, newClient, securedApi, submit, trade, uniq, waitStatus, type Secured, type TestClient } from './api-kit';

describe('STAR-LAB API: contract', function () {
  this.timeout(120_000);
  let s: Secured;
  let c: TestClient;
  before(async () => {
    s = await securedApi();
    c = await newClient(s.sys);
  });

  it('when the OpenAPI document and docs page are fetched, then they are the generated ones', async () => {
    const doc = await call(s.api, 'GET', '/api/v1/openapi.json');
    expect(doc.status).to.equal(200);
    expect(doc.body).to.deep.equal(JSON.parse(JSON.stringify(openApiDocument())));
    const html = await call(s.api, 'GET', '/api/v1/docs');
    expect(html.headers.get('content-type')).to.match(/^text\/html/);
    expect(html.body).to.contain('/api/v1/starlab_interface/trading/submit_trade_instruction');
  });

  it("when the seed's example is submitted (LIMIT), then the ack has the seed's shape and order_status the seed's fields", async () => {
    // The seed's LIMIT example, priced to fill: 10 % over the current mid, inside the risk band.
    const body = await limitNear(s, { ...SEED.instruction, starlab_strategy_id: uniq('DIS_AAPL'), client_order_id: uniq('seed') }, 1.1);
    const ack = await submit(s, c, body);
    expect(ack.status).to.equal(201);
    instructionAckSchema.parse(ack.body);
    expect(ack.body).to.include({ client_order_id: body.client_order_id, status: 'RECEIVED', message: SEED.ack.message });
    const st = await waitStatus(s, c, ack.body.all_use_order_id, ['FILLED']);
    orderStatusSchema.parse(st);
    expect(Object.keys(st)).to.include.members(Object.keys(SEED.orderStatus));
  });

  it('when an instruction is submitted, then its workflow records, risk-checks, places and records the fill in one regular activity, with no marker or search-attribute upsert in its history', async () => {
    const ack = await submit(s, c, instruction(uniq('DIS_HIST'), { trade_action: 'BUY_STOCK', expiration_date: undefined, strike_price: undefined, quantity: 1 }));
    expect(ack.status).to.equal(201);
    await waitStatus(s, c, ack.body.all_use_order_id, ['FILLED']);
    const events = (await s.sys.client.workflow.getHandle(instructionWorkflowId(ack.body.all_use_order_id)).fetchHistory()).events ?? [];
    // Local activities are markers ('core_local_activity'); a patch call would add a 'core_patch'
    // marker and an upsert of TemporalChangeVersion. An order filled at once needs neither.
    expect(
      events.flatMap((e) => (e.markerRecordedEventAttributes ? [e.markerRecordedEventAttributes.markerName] : [])),
      'markers',
    ).to.deep.equal([]);
    expect(events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes)).to.have.length(0);
    // submitOrder is the one step: the instruction's row, its risk check, the order and its fill.
    expect(events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : []))).to.deep.equal(['submitOrder']);
    const row = await s.sys.prisma.order.findUniqueOrThrow({ where: { instructionId: ack.body.all_use_order_id } });
    expect([row.status, row.filledQuantity]).to.deep.equal(['FILLED', 1]);
  });

  it('when every trade_action, scheme_type, order_type and time_in_force is used, then every position_type is reported and performance adds up', async () => {
    const strategy = uniq('MIS_ALL');
    const opt = (trade_action: string, strike: number, over: Record<string, unknown> = {}) => instruction(strategy, { trade_action, strike_price: strike, ...over });
    const stock = (trade_action: string, over: Record<string, unknown> = {}) => instruction(strategy, { trade_action, quantity: 100, expiration_date: undefined, strike_price: undefined, ...over });
    await trade(s, c, opt('BUY_TO_OPEN_CALL', 150, { scheme_type: 'DIS' }));
    await trade(s, c, await limitNear(s, opt('BUY_TO_OPEN_PUT', 140, { scheme_type: 'WIS', time_in_force: 'GTC' }), 1.1));
    await trade(s, c, stock('BUY_STOCK', { scheme_type: 'MIS', time_in_force: 'GTC' }));
    await trade(s, c, opt('SELL_TO_OPEN_CALL', 160));
    await trade(s, c, opt('SELL_TO_OPEN_PUT', 130));
    const open = await call(s.api, 'GET', `${BASE}/trading/positions/${strategy}`, undefined, c.auth);
    expect(open.status).to.equal(200);
    positionsSchema.parse(open.body);
    const types = open.body.map((p: { position_type: string }) => p.position_type);
    expect(types).to.have.members(['LONG_CALL', 'LONG_PUT', 'LONG_STOCK', 'SHORT_CALL', 'SHORT_PUT']);
    expect(POSITION_TYPES.filter((t) => !types.includes(t))).to.deep.equal(['SHORT_STOCK']); // no STAR-LAB action opens a short stock position
    for (const p of open.body) expect(p.all_use_order_id_open).to.match(/^au_/);

    await trade(s, c, opt('SELL_TO_CLOSE_CALL', 150));
    await trade(s, c, opt('SELL_TO_CLOSE_PUT', 140));
    await trade(s, c, opt('BUY_TO_CLOSE_CALL', 160));
    await trade(s, c, opt('BUY_TO_CLOSE_PUT', 130));
    await trade(s, c, stock('SELL_STOCK'));
    const closed = await call(s.api, 'GET', `${BASE}/trading/positions/${strategy}`, undefined, c.auth);
    expect(closed.body).to.deep.equal([]);
    const perf = await call(s.api, 'GET', `${BASE}/trading/performance/${strategy}`, undefined, c.auth);
    performanceSchema.parse(perf.body);
    expect(perf.body).to.include({ starlab_strategy_id: strategy, total_trades: 5, unrealized_pnl: 0 });
    expect(perf.body.winning_trades + perf.body.losing_trades).to.be.at.most(5);
    expect(perf.body.commissions_paid).to.be.greaterThan(0);
    const used = await s.sys.prisma.instruction.findMany({ where: { starlabStrategyId: strategy }, select: { tradeAction: true } });
    expect(new Set(used.map((u) => u.tradeAction))).to.deep.equal(new Set(TRADE_ACTIONS));
  });

  it('when the same instruction is replayed, then 200 with the same ack and nothing started; another body is 409', async () => {
    const body = instruction(uniq('DIS_REPLAY'));
    const first = await submit(s, c, body);
    const again = await submit(s, c, body);
    expect([first.status, again.status]).to.deep.equal([201, 200]);
    expect(again.body.all_use_order_id).to.equal(first.body.all_use_order_id);
    const conflict = await submit(s, c, { ...body, quantity: 2 });
    expect([conflict.status, conflict.body.error.code, conflict.body.error.details.all_use_order_id]).to.deep.equal([409, 'DUPLICATE_CLIENT_ORDER_ID', first.body.all_use_order_id]);
    await waitStatus(s, c, first.body.all_use_order_id, ['FILLED']);
    const late = await submit(s, c, body);
    expect([late.status, late.body.all_use_order_id]).to.deep.equal([200, first.body.all_use_order_id]);
    expect(s.sys.simulator!.orders().filter((o) => o.orderRef === first.body.all_use_order_id)).to.have.length(1);
    const audit = await listAudit(s.sys.prisma, { target: first.body.all_use_order_id });
    expect(audit.map((a) => a.action).sort()).to.deep.equal(['INSTRUCTION_CONFLICT', 'INSTRUCTION_REPLAYED', 'INSTRUCTION_REPLAYED', 'INSTRUCTION_SUBMITTED']);
  });

  it('when cancel is asked in every state, then working → 200, filled/cancelled/rejected → 409 FAILED, unknown → 404', async () => {
    const strategy = uniq('DIS_CANCEL');
    const resting = await submit(s, c, await limitNear(s, instruction(strategy, { time_in_force: 'GTC' }), 0.85));
    const id = resting.body.all_use_order_id as string;
    await waitStatus(s, c, id, ['SUBMITTED']);
    const first = await call(s.api, 'POST', `${BASE}/trading/cancel_order/${id}`, undefined, c.auth);
    expect([first.status, first.body.status]).to.deep.equal([200, 'CANCEL_REQUESTED']);
    cancelResultSchema.parse(first.body);
    await waitStatus(s, c, id, ['CANCELLED']);
    const filled = await trade(s, c, instruction(strategy));
    const rejected = await trade(s, c, instruction(strategy, { symbol: 'ZZZZ' }), ['REJECTED']);
    expect(rejected.reject_reason).to.match(/^SYMBOL_NOT_ALLOWED: /);
    for (const done of [id, filled.all_use_order_id, rejected.all_use_order_id]) {
      const r = await call(s.api, 'POST', `${BASE}/trading/cancel_order/${done}`, undefined, c.auth);
      expect([r.status, r.body.status], done).to.deep.equal([409, 'FAILED']);
    }
    for (const unknown of ['au_00000000-0000-0000-0000-000000000000', 'not-an-id']) {
      const r = await call(s.api, 'POST', `${BASE}/trading/cancel_order/${unknown}`, undefined, c.auth);
      expect([r.status, r.body.error.code]).to.deep.equal([404, 'NOT_FOUND']);
    }
    const audit = await listAudit(s.sys.prisma, { target: id });
    expect(audit.map((a) => a.action)).to.include.members(['CANCEL_REQUESTED', 'CANCEL_FAILED']);
  });

  it('when request_data asks for each data_type, then positions and week types come from the database and market data from the broker', async () => {
    const strategy = uniq('DIS_DATA');
    await trade(s, c, instruction(strategy));
    const ask = (body: unknown, who = c) => call(s.api, 'POST', `${BASE}/data_notifications/request_data`, body, who.auth);
    const positions = await ask({ data_type: 'POSITIONS', starlab_strategy_id: strategy });
    expect(positions.status).to.equal(200);
    dataResponseSchema.parse(positions.body);
    expect(positions.body.data).to.have.length(1);
    const weeks = await ask({ data_type: 'WEEK_TYPE_HISTORY', symbol: 'AAPL', from_week: '2025-W01' });
    expect([weeks.status, Array.isArray(weeks.body.data)]).to.deep.equal([200, true]);
    const quote = await ask({ data_type: 'QUOTE', symbol: 'AAPL' });
    expect(quote.status, JSON.stringify(quote.body)).to.equal(200);
    expect(quote.body.data.ask).to.be.greaterThan(0);
    const chain = await ask({ data_type: 'OPTION_CHAIN', symbol: 'AAPL' });
    expect(chain.status, JSON.stringify(chain.body)).to.equal(200);
    expect(chain.body.data.expirations.length).to.be.greaterThan(0);
    const bars = await ask({ data_type: 'DAILY_BARS', symbol: 'AAPL', start_date: '2026-01-01', end_date: '2026-12-31' });
    expect([200, 503]).to.include(bars.status);
    // Without the broker's market-data path, the market data types are 503 BROKER_UNAVAILABLE.
    const bare = await startServer(createApp(appDeps(s.sys, { marketData: undefined })), 0);
    try {
      for (const body of [
        { data_type: 'QUOTE', symbol: 'AAPL' },
        { data_type: 'OPTION_CHAIN', symbol: 'AAPL' },
        { data_type: 'DAILY_BARS', symbol: 'AAPL', start_date: '2026-01-01', end_date: '2026-01-31' },
      ]) {
        const r = await call(bare, 'POST', `${BASE}/data_notifications/request_data`, body, c.auth);
        expect([r.status, r.body.error.code]).to.deep.equal([503, 'BROKER_UNAVAILABLE']);
      }
    } finally {
      await bare.close();
    }
    const bad = await ask({ data_type: 'NEWS' });
    expect([bad.status, bad.body.status]).to.deep.equal([400, 'VALIDATION_FAILED']);
  });

  it('when a validated strategy is notified, then it is stored for operators and nothing trades', async () => {
    const before = await s.sys.prisma.instruction.count();
    const strategy = uniq('WIS_MSFT');
    const body = { starlab_strategy_id: strategy, scheme_type: 'WIS', title: 'MSFT weekly puts', symbols: ['MSFT'], metrics: { sharpe: 1.4 }, parameters: { delta: 0.3 } };
    const r = await call(s.api, 'POST', `${BASE}/data_notifications/notify_validated_strategy`, body, c.auth);
    expect([r.status, r.body.status]).to.deep.equal([201, 'RECEIVED']);
    const listed = await listNotifications(s.sys.prisma, { clientName: c.name });
    expect(listed.find((n) => n.id === r.body.notification_id)?.body).to.deep.equal(body);
    expect(await s.sys.prisma.instruction.count()).to.equal(before);
    const bad = await call(s.api, 'POST', `${BASE}/data_notifications/notify_validated_strategy`, { ...body, symbols: [], extra: 1 }, c.auth);
    expect(bad.body.validation_errors.map((e: { field: string }) => e.field)).to.have.members(['symbols', 'extra']);
  });
});
