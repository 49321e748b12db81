/**
 * True books over several simulated weeks on the real simulator (manual clock): each position's
 * life from fill to expiry booked from what the broker reports, by the reconciliation workflow.
 * After each step the books equal the broker: positions, cash and realised P&L, to the cent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { strategyPerformance, strategyPositions } from '../../src/api/portfolio';
import type { MarkProvider } from '../../src/api/marks';
import { heldCents } from '../../src/db/reservations';
import { latestRun } from '../../src/db/books';
import { createWebhookEndpoint } from '../../src/db/webhooks';
import { openFamily } from '../../src/db/accounts';
import { DEFAULT_PROTOCOL } from '../../src/domain';
import { registry, reconciliationUnexplained } from '../../src/metrics';
import { instructionWorkflowId } from '../../src/contracts/workflows/tradeInstruction';
import { until } from './_system';
import { runCli } from './_cli';
import { reconcileOnConnect } from '../../src/reconcileTrigger';
import { reconciliationWorkflowId } from '../../src/contracts/workflows/reconciliation';
import { createLogger } from '../../src/logger';
import { expectBooksEqualBroker, instruct, reconcileNow, startBooksHarness, type BooksHarness } from './_booksSystem';

const ny = (day: string, hm: string) => DateTime.fromISO(`${day}T${hm}`, { zone: 'America/New_York' }).toJSDate().toISOString();
const noMarks: MarkProvider = { mark: async () => null };
const cents = (dollars: number) => Math.round(dollars * 100);
// Future dates: the risk check treats expiries before today's real date as unlisted.
const MON1 = '2027-04-05';

describe('books: position lifecycle reconciled with the broker (simulator, manual clock, several weeks)', function () {
  this.timeout(300_000);
  let h: BooksHarness;
  const held = () => h.prisma.$transaction((tx) => heldCents(tx, 'BOOKS', 100));
  const kinds = async () => ((await latestRun(h.prisma))?.body as { differences_detail: Array<{ kind: string }> }).differences_detail.map((d) => d.kind);

  before(async () => {
    h = await startBooksHarness({ startTime: ny(MON1, '10:00'), clientId: 41 });
    const first = await reconcileNow(h);
    expect(first).to.include({ differences: 0, unexplained: 0 });
    await expectBooksEqualBroker(h);
  });
  after(async () => {
    reconciliationUnexplained.set(0);
    await h?.stop();
  });

  it('a short put that expires worthless: gone from positions, one winning trade, realised = premium − commission, capital released', async () => {
    // STAR-LAB hears the expiry on the opening instruction's webhook stream (issue 18).
    const got: Array<{ type: string; all_use_order_id: string; lifecycle?: string }> = [];
    const rx = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as (typeof got)[number]);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((ok) => rx.listen(0, '127.0.0.1', ok));
    await createWebhookEndpoint(h.prisma, { clientName: 'lab', url: `http://127.0.0.1:${(rx.address() as AddressInfo).port}/hook`, createdBy: 'test' });
    const { id, state } = await instruct(h, { starlab_strategy_id: 'S_EXP', trade_action: 'SELL_TO_OPEN_PUT', symbol: 'AAPL', strike_price: 180, expiration_date: '2027-04-09' });
    expect(state!.status).to.equal('FILLED');
    expect(await held()).to.equal(180 * 100 * 100);
    h.sim.clock({ to_expiry: true });
    const r = await reconcileNow(h);
    expect(r).to.include({ differences: 1, explained: 1, unexplained: 0 });
    expect(await kinds()).to.deep.equal(['EXPIRED_WORTHLESS']);
    expect(await strategyPositions(h.prisma, noMarks, 'lab', 'S_EXP')).to.deep.equal([]);
    const perf = await strategyPerformance(h.prisma, noMarks, 'lab', 'S_EXP');
    expect(perf).to.include({ total_trades: 1, winning_trades: 1, losing_trades: 0 });
    expect(cents(perf.realized_pnl)).to.equal(cents(state!.averageFillPrice! * 100) - cents(state!.commission));
    expect(await held()).to.equal(0);
    await expectBooksEqualBroker(h);
    const expired = await until(async () => got.find((g) => g.all_use_order_id === id && g.type === 'POSITION_EXPIRED'), 30_000, 'the POSITION_EXPIRED webhook');
    expect(expired.lifecycle).to.equal('EXPIRED_WORTHLESS');
    expect(
      got
        .filter((g) => g.all_use_order_id === id)
        .map((g) => g.type)
        .at(-1),
    ).to.equal('POSITION_EXPIRED');
    await new Promise<void>((ok) => (rx.closeAllConnections(), rx.close(() => ok())));
    // Idempotent: a second run finds nothing more to book.
    expect(await reconcileNow(h)).to.include({ differences: 0 });
  });

  it('a short put that is assigned: 100 shares under the strategy at basis = strike', async () => {
    h.sim.clock({ advance_to: ny('2027-04-12', '10:00') });
    const { state } = await instruct(h, { starlab_strategy_id: 'S_ASG', trade_action: 'SELL_TO_OPEN_PUT', symbol: 'AAPL', strike_price: 210, expiration_date: '2027-04-16' });
    expect(state!.status).to.equal('FILLED');
    h.sim.clock({ to_expiry: true });
    expect(await reconcileNow(h)).to.include({ explained: 1, unexplained: 0 });
    expect(await kinds()).to.deep.equal(['ASSIGNED']);
    const pos = await strategyPositions(h.prisma, noMarks, 'lab', 'S_ASG');
    expect(pos.map((p) => [p.symbol, p.position_type, p.quantity, p.average_entry_price])).to.deep.equal([['AAPL', 'LONG_STOCK', 100, 210]]);
    expect(pos[0]!.all_use_order_id_open).to.be.a('string');
    // The stock the strategy now holds is its segment's capital: 100 × 210.
    expect(await held()).to.equal(210 * 100 * 100);
    const perf = await strategyPerformance(h.prisma, noMarks, 'lab', 'S_ASG');
    expect(perf.total_trades).to.equal(1);
    await expectBooksEqualBroker(h);
  });

  it('a covered call that is called away: the shares leave at the strike, cash comes in', async () => {
    h.sim.clock({ advance_to: ny('2027-04-19', '10:00') });
    const { state } = await instruct(h, { starlab_strategy_id: 'S_ASG', trade_action: 'SELL_TO_OPEN_CALL', symbol: 'AAPL', strike_price: 190, expiration_date: '2027-04-23' });
    expect(state!.status, state!.rejectReason ?? '').to.equal('FILLED');
    const cash = h.sim.cash();
    h.sim.clock({ to_expiry: true });
    expect(h.sim.cash()).to.be.closeTo(cash + 19_000, 1e-6);
    expect(await reconcileNow(h)).to.include({ explained: 1, unexplained: 0 });
    expect(await kinds()).to.deep.equal(['ASSIGNED']);
    expect(await strategyPositions(h.prisma, noMarks, 'lab', 'S_ASG')).to.deep.equal([]);
    expect(await held()).to.equal(0);
    await expectBooksEqualBroker(h);
  });

  it('early assignment mid-week, first partial (1 of 2), then the rest', async () => {
    h.sim.clock({ advance_to: ny('2027-04-26', '10:00') });
    const { state } = await instruct(h, { starlab_strategy_id: 'S_EARLY', trade_action: 'SELL_TO_OPEN_PUT', symbol: 'AAPL', strike_price: 210, expiration_date: '2027-04-30', quantity: 2 });
    expect(state!.status).to.equal('FILLED');
    h.sim.clock({ advance_to: ny('2027-04-27', '11:00') });
    h.sim.assign({ symbol: 'AAPL', expiry: '20270430', strike: 210, right: 'P', quantity: 1 });
    expect(await reconcileNow(h)).to.include({ explained: 1, unexplained: 0 });
    expect(await kinds()).to.deep.equal(['PARTIAL_ASSIGNED']);
    let pos = await strategyPositions(h.prisma, noMarks, 'lab', 'S_EARLY');
    expect(pos.map((p) => [p.position_type, p.quantity])).to.have.deep.members([
      ['LONG_STOCK', 100],
      ['SHORT_PUT', 1],
    ]);
    await expectBooksEqualBroker(h);
    h.sim.clock({ advance_to: ny('2027-04-28', '11:00') });
    h.sim.assign({ symbol: 'AAPL', expiry: '20270430', strike: 210, right: 'P', quantity: 1 });
    expect(await reconcileNow(h)).to.include({ explained: 1, unexplained: 0 });
    expect(await kinds()).to.deep.equal(['EARLY_ASSIGNED']);
    pos = await strategyPositions(h.prisma, noMarks, 'lab', 'S_EARLY');
    expect(pos.map((p) => [p.position_type, p.quantity, p.average_entry_price])).to.deep.equal([['LONG_STOCK', 200, 210]]);
    await expectBooksEqualBroker(h);
  });

  it('a fill the worker missed while disconnected is booked by reconciliation under its instruction', async () => {
    h.sim.clock({ advance_to: ny('2027-05-03', '10:00') });
    h.sim.fault({ delay_fills_ms: 1500 });
    const before = h.sim.executions().length;
    const { id } = await instruct(h, { starlab_strategy_id: 'S_MISS', trade_action: 'SELL_TO_OPEN_PUT', symbol: 'AAPL', strike_price: 180, expiration_date: '2027-05-07' }, false);
    await until(async () => h.sim.orders().some((o) => o.orderRef === id), 20_000, 'order at the simulator');
    // The books lose the order (its workflow is gone) and the connection drops while it fills.
    await h.sys.client.workflow.getHandle(instructionWorkflowId(id)).terminate('test: the books miss this fill');
    h.sim.fault({ drop_connections: true });
    await until(async () => h.sim.executions().length > before, 20_000, 'the fill at the simulator');
    h.sim.fault({ delay_fills_ms: 0 });
    expect(await h.prisma.execution.count({ where: { instructionId: id } })).to.equal(0);
    await until(async () => h.broker.isSynced(), 20_000, 'broker reconnected');
    expect(await reconcileNow(h)).to.include({ explained: 1, unexplained: 0 });
    expect(await kinds()).to.deep.equal(['MISSED_FILL']);
    expect(await h.prisma.execution.count({ where: { instructionId: id } })).to.equal(1);
    const pos = await strategyPositions(h.prisma, noMarks, 'lab', 'S_MISS');
    expect(pos.map((p) => [p.position_type, p.quantity, p.all_use_order_id_open])).to.deep.equal([['SHORT_PUT', 1, id]]);
    await expectBooksEqualBroker(h);
  });

  it('the simulator stopped and started again (not fresh): the account is back and the books still agree', async () => {
    const positions = h.sim.positions();
    const cash = h.sim.cash();
    // The worker's trigger: a run at start-up and one after each reconnect, by deterministic id.
    const bootId = `books-${process.pid}-${Date.now()}`;
    const sessions: number[] = [];
    const offSessions = h.broker.onReconnect((n) => sessions.push(n));
    const stop = reconcileOnConnect({ client: h.sys.client, broker: h.broker, taskQueue: h.taskQueue, logger: createLogger('books-test', 'error'), bootId });
    try {
      const startup = await h.sys.client.workflow
        .getHandle(reconciliationWorkflowId.startup(bootId))
        .result()
        .catch(async () => {
          await until(async () => h.sys.client.workflow.getHandle(reconciliationWorkflowId.startup(bootId)).describe(), 20_000, 'start-up run');
          return h.sys.client.workflow.getHandle(reconciliationWorkflowId.startup(bootId)).result();
        });
      expect(startup).to.include({ trigger: 'startup', differences: 0 });
      await h.sim.restart();
      expect(h.sim.positions()).to.deep.equal(positions);
      expect(h.sim.cash()).to.equal(cash);
      await until(async () => sessions.length > 0, 20_000, 'broker reconnected');
      const after = h.sys.client.workflow.getHandle(reconciliationWorkflowId.reconnect(bootId, sessions[0]!));
      await until(async () => after.describe(), 20_000, 'reconnect run started');
      expect(await after.result()).to.include({ trigger: 'reconnect', differences: 0, unexplained: 0 });
    } finally {
      stop();
      offSessions();
    }
    await expectBooksEqualBroker(h);
  });

  it("an ALL-USE account's short put assigned: booked from the broker, with the account's ASSIGNMENT ledger entry", async () => {
    await openFamily(h.prisma, { id: 'FB', name: 'books', lumpSumCents: 1_000_000_00, protocol: DEFAULT_PROTOCOL });
    // The week passes: S_MISS's put (180, AAPL at 200) expires worthless at Friday's close.
    h.sim.clock({ advance_to: ny('2027-05-10', '10:00') });
    expect(await reconcileNow(h)).to.include({ explained: 1, unexplained: 0 });
    expect(await kinds()).to.deep.equal(['EXPIRED_WORTHLESS']);
    // Rev-Acc trades AAPL (PROTOCOL §1; the risk check holds an account to its own underlyings and caps).
    const cashBefore = Number((await h.prisma.account.findUniqueOrThrow({ where: { id: 'FB:REV' } })).cashCents);
    const { state } = await instruct(
      h,
      { starlab_strategy_id: 'ALLUSE_FB', trade_action: 'SELL_TO_OPEN_PUT', symbol: 'AAPL', strike_price: 210, expiration_date: '2027-05-14', account_tag: undefined },
      true,
      { source: 'INTERNAL', clientName: 'ALL-USE', accountId: 'FB:REV' },
    );
    expect(state!.status, state!.rejectReason ?? '').to.equal('FILLED');
    h.sim.clock({ to_expiry: true });
    expect(await reconcileNow(h)).to.include({ explained: 1, unexplained: 0 });
    expect(await kinds()).to.deep.equal(['ASSIGNED']);
    const pos = await h.prisma.position.findMany({ where: { ownerKind: 'ACCOUNT', ownerId: 'FB:REV', NOT: { quantity: 0 } } });
    expect(pos.map((p) => [p.symbol, p.secType, p.quantity, p.avgPrice.toString()])).to.deep.equal([['AAPL', 'STK', 100, '210']]);
    const entry = await h.prisma.ledgerEntry.findUniqueOrThrow({ where: { key: 'ASSIGNMENT:FB:REV:AAPL:20270514:P21000' } });
    expect([entry.fromAccountId, entry.toAccountId, Number(entry.amountCents), entry.familyId]).to.deep.equal(['FB:REV', 'MARKET', 21_000_00, 'FB']);
    expect(Number((await h.prisma.account.findUniqueOrThrow({ where: { id: 'FB:REV' } })).cashCents)).to.equal(cashBefore - 21_000_00);
    await expectBooksEqualBroker(h);
  });

  it('a position added at the broker by hand: alert, reduce-only, listed in the report; `ops reconcile --json` prints the summary last', async () => {
    const res = await fetch(`http://127.0.0.1:${h.sim.adminPort}/positions`, { method: 'POST', body: JSON.stringify({ symbol: 'MSFT', secType: 'STK', quantity: 50, avgCost: 400 }) });
    expect(res.status).to.equal(200);
    const out = await runOps(['reconcile', '--json'], {
      DATABASE_URL: h.dbUrl,
      TEMPORAL_ADDRESS: h.sys.temporalAddress,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      TEMPORAL_NAMESPACE: h.sys.config.temporalNamespace,
      LOG_LEVEL: 'error',
    });
    const last = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(last).to.deep.equal({ differences: 1, explained: 0, unexplained: 1, reduce_only: ['global'], deferred: 0, in_flight: 0 });
    // Reduce-only is on (only this harness's database), the alert gauge is up.
    const row = await h.prisma.controlState.findUnique({ where: { scope: 'global' } });
    expect(row).to.include({ reduceOnly: true, updatedBy: 'reconciliation' });
    expect(row!.reason).to.match(/MSFT: the broker holds 50, the books 0/);
    expect(await registry.getSingleMetricAsString('alluse_reconciliation_unexplained_differences')).to.match(/alluse_reconciliation_unexplained_differences 1$/m);
    // The report lists it with both sides' figures (JSON and HTML), behind the operator token.
    const auth = { authorization: `Bearer ${h.operatorToken}` };
    const latest = (await (await fetch(`${h.api.url}/api/v1/operator/reconciliation/latest`, { headers: auth })).json()) as { report: { differences_detail: Array<Record<string, unknown>> } };
    expect(latest.report.differences_detail.map((d) => [d.kind, d.explained, d.broker, (d.books as { quantity: number }).quantity])).to.deep.equal([
      ['UNEXPLAINED_POSITION', false, { quantity: 50, avgCost: 400 }, 0],
    ]);
    const html = await (await fetch(`${h.api.url}/api/v1/operator/reconciliation/latest?format=html`, { headers: auth })).text();
    expect(html).to.include('UNEXPLAINED').and.include('MSFT');
    expect((await fetch(`${h.api.url}/api/v1/operator/reconciliation/latest`)).status).to.equal(401);
    // A new opening order is now refused; nothing in the books was overwritten.
    const { state } = await instruct(h, { starlab_strategy_id: 'S_LATE', trade_action: 'SELL_TO_OPEN_PUT', symbol: 'AAPL', strike_price: 180, expiration_date: '2027-05-07' });
    expect(state!.status).to.equal('REJECTED');
    expect(state!.rejectReason).to.match(/REDUCE_ONLY/);
    expect(await h.prisma.position.count({ where: { symbol: 'MSFT' } })).to.equal(0);
  });
});

async function runOps(args: string[], env: Record<string, string>): Promise<string> {
  const main = path.resolve(__dirname, '../../src/cli/ops.ts');
  const r = await runCli(process.execPath, ['--require', 'tsx/cjs', main, ...args], { cwd: process.cwd(), env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`ops ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}
