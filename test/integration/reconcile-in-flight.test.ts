/**
 * Reconciliation while a fill is in flight, on the real simulator: the broker already has the
 * execution, the instruction's workflow records it later. That is never a reason for reduce-only
 * (it is reported `in_flight`); a position nobody ordered still is.
 */
import { expect } from 'chai';
import type pg from 'pg';
import { DateTime } from 'luxon';
import type { InstructionState } from '../../src/contracts/workflows/tradeInstruction';
import { poolOf } from '../../src/db/client';
import { instructionWorkflowId } from '../../src/contracts/workflows/tradeInstruction';
import { latestRun } from '../../src/db/books';
import { reconciliationUnexplained } from '../../src/metrics';
import { until } from './_system';
import { expectBooksEqualBroker, instruct, reconcileNow, startBooksHarness, type BooksHarness } from './_booksSystem';

const ny = (day: string, hm: string) => DateTime.fromISO(`${day}T${hm}`, { zone: 'America/New_York' }).toJSDate().toISOString();

describe('reconciliation with a fill in flight (simulator)', function () {
  this.timeout(300_000);
  let h: BooksHarness;
  // While held, the step that records the broker's answer waits on the executions table (locked, as
  // a busy database would hold it): the broker has the fill, the books do not.
  let held: pg.PoolClient | null = null;
  const hold = async () => {
    held = await poolOf(h.prisma)!.connect();
    await held.query('BEGIN');
    await held.query('LOCK TABLE executions IN EXCLUSIVE MODE'); // reads go on; writes wait
  };
  const release = async () => {
    const c = held;
    held = null;
    if (!c) return;
    await c.query('ROLLBACK').catch(() => undefined);
    c.release();
  };
  const recordingWaits = async () =>
    Number((await h.prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'executions'::regclass`))[0]!.n) > 0;

  before(async () => {
    h = await startBooksHarness({ startTime: ny('2027-06-07', '10:00'), clientId: 43 });
    expect(await reconcileNow(h)).to.include({ differences: 0, unexplained: 0 });
  });
  after(async () => {
    await release();
    reconciliationUnexplained.set(0);
    await h?.stop();
  });

  it('a fill at the broker whose recording is delayed: in_flight, nothing booked, no reduce-only; once recorded the books equal the broker', async () => {
    await hold();
    const { id } = await instruct(h, { starlab_strategy_id: 'S_FLY', trade_action: 'SELL_TO_OPEN_PUT', symbol: 'AAPL', strike_price: 180, expiration_date: '2027-06-11' }, false);
    await until(async () => h.sim.executions().some((e) => e.orderRef === id), 30_000, 'the fill at the simulator');
    await until(recordingWaits, 30_000, 'the workflow trying to record the fill');
    expect(await h.prisma.execution.count({ where: { instructionId: id } })).to.equal(0);

    const r = await reconcileNow(h);
    expect(r).to.include({ unexplained: 0, deferred: 0, in_flight: 1 });
    expect(r.reduce_only).to.deep.equal([]);
    const run = (await latestRun(h.prisma))!.body as { differences_detail: Array<{ kind: string; timing?: string; bookings: unknown[] }> };
    expect(run.differences_detail.map((d) => [d.kind, d.timing, d.bookings.length])).to.deep.equal([['IN_FLIGHT', 'in_flight', 0]]);
    expect(await h.prisma.controlState.count({ where: { reduceOnly: true } })).to.equal(0);
    // Reconciliation booked nothing for it: the workflow records it.
    expect(await h.prisma.bookEntry.count({ where: { kind: 'FILL' } })).to.equal(0);

    await release();
    const state = (await h.sys.client.workflow.getHandle(instructionWorkflowId(id)).result()) as InstructionState;
    expect(state.status).to.equal('FILLED');
    const e = await h.prisma.execution.findFirstOrThrow({ where: { instructionId: id } });
    // Stored as an instant (ISO UTC), comparable with the broker's clock.
    expect(e.executedAt).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    expect(await reconcileNow(h)).to.include({ differences: 0, unexplained: 0, in_flight: 0 });
    await expectBooksEqualBroker(h);
  });

  it('a position nobody ordered (simulator admin call): unexplained after the rechecks, reduce-only on global', async () => {
    const res = await fetch(`http://127.0.0.1:${h.sim.adminPort}/positions`, { method: 'POST', body: JSON.stringify({ symbol: 'MSFT', secType: 'STK', quantity: 10, avgCost: 400 }) });
    expect(res.status).to.equal(200);
    const r = await reconcileNow(h);
    expect(r).to.include({ differences: 1, unexplained: 1, deferred: 0, in_flight: 0 });
    expect(r.reduce_only).to.deep.equal(['global']);
    expect(await h.prisma.controlState.findUnique({ where: { scope: 'global' } })).to.include({ reduceOnly: true, updatedBy: 'reconciliation' });
  });
});
