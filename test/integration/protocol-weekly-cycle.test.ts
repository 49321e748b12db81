/**
 * The Protocol Engine end to end on real parts: a family opened through the operator API,
 * three simulated weeks on the simulator's manual clock (weekly cycle → rebalance child →
 * entry-day orders through tradeInstruction → expiry and assignment at the simulator), the
 * position monitor at level 3, and a second run of a week that changes nothing.
 * RECORD_HISTORIES=<dir> also saves the replay fixtures (scripts/record-histories.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { cycleProgressQuery, weeklyCycleWorkflowId, type WeeklyCycleResult } from '../../src/contracts/workflows/weeklyCycle';
import { weeklyCycleRun } from '../../workflows/weeklyCycleRun';
import { checkNowSignal, monitorStateQuery, positionMonitorWorkflowId, stopMonitorSignal } from '../../src/contracts/workflows/positionMonitor';
import { tripleForkWorkflowId } from '../../src/contracts/workflows/tripleForkRebalance';
import { instructionWorkflowId } from '../../src/contracts/workflows/tradeInstruction';
import { marketSession, weekOf } from '../../src/domain/calendar';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import { historyToObject } from '../replay/historyFile';
import { until } from './_system';
import { operatorApi, startProtocolHarness, type ProtocolHarness } from './_protocolSystem';

const ny = (day: string, hm: string) => DateTime.fromISO(`${day}T${hm}`, { zone: 'America/New_York' }).toJSDate();
const FAMILY = `PT${process.pid}`;
const REPRICE_MS = 1500;
/**
 * Every date of the test derives from one anchor, a Monday the simulator's manual clock starts
 * on; the worker's activities run on that clock (the harness injects it), so the test passes
 * whatever today's date is. PROTOCOL_TEST_ANCHOR moves it (e.g. 2025-03-03, 2030-03-04) to
 * prove it; the days up to its fourth Monday must be free of exchange holidays.
 */
const ANCHOR = DateTime.fromISO(process.env.PROTOCOL_TEST_ANCHOR ?? '2027-03-01', { zone: 'America/New_York' });
const day = (offset: number): string => ANCHOR.plus({ days: offset }).toISODate()!;
// The three Fridays the weeks close on, and the Monday / Thursday after each.
const [W1, W2, W3] = [day(4), day(11), day(18)];
const [MON2, THU2, MON3, THU3, MON4] = [day(7), day(10), day(14), day(17), day(21)];
const [K1, K2, K3] = [W1, W2, W3].map(weekOf);

describe('protocol engine: weekly cycles on the simulator (manual clock)', function () {
  this.timeout(300_000);
  let h: ProtocolHarness;
  const results: Record<string, WeeklyCycleResult[]> = {};

  before(async () => {
    if (ANCHOR.weekday !== 1) throw new Error(`PROTOCOL_TEST_ANCHOR must be a Monday: ${ANCHOR.toISODate()}`);
    const holiday = Array.from({ length: 22 }, (_, i) => day(i)).find((d) => DateTime.fromISO(d).weekday <= 5 && !marketSession(d, DEFAULT_PROTOCOL.market));
    if (holiday) throw new Error(`PROTOCOL_TEST_ANCHOR ${ANCHOR.toISODate()}: ${holiday} is an exchange holiday; choose another Monday`);
    h = await startProtocolHarness({ startTime: ny(day(0), '10:00').toISOString(), clientId: 31 });
  });
  after(async () => h?.stop());

  const progress = (week: string, family = FAMILY) =>
    h.sys.client.workflow
      .getHandle(weeklyCycleWorkflowId(family, week))
      .query(cycleProgressQuery)
      .catch(() => ({ step: 'not started' }));
  const waitStep = (week: string, step: string) => until(async () => (await progress(week)).step === step, 60_000, `cycle ${week} at ${step}`);

  /** Runs the week closing on `close`, walking the simulator through next week's entry days. */
  async function runWeek(close: string, week: string, entryDays: string[]): Promise<WeeklyCycleResult[]> {
    const handle = await h.sys.client.workflow.start(weeklyCycleRun, {
      workflowId: `test-run-${FAMILY}-${close}`,
      taskQueue: h.taskQueue,
      args: [{ from: close, to: close, familyIds: [FAMILY], repriceAfterMs: REPRICE_MS, marketClock: 'broker' }],
    });
    for (const day of entryDays) {
      await waitStep(week, `entry ${day}`);
      h.sim.clock({ advance_to: ny(day, '10:00') });
    }
    return (results[close] = await handle.result());
  }
  const ledger = async (family = FAMILY) =>
    (await operatorApi(h, 'GET', `/api/v1/operator/accounts/${encodeURIComponent(family)}/ledger`)).body.entries as { key: string; reason: string; amount: string; to: string }[];
  const weekTypes = async () => (await operatorApi(h, 'GET', `/api/v1/operator/accounts/${FAMILY}/week_types`)).body.week_types as { account_id: string; symbol: string; week: string; type: string }[];

  it('when an operator deposits $1,000,000, then Gen/Rev/Com hold 40/30/30 % as DEPOSIT entries', async () => {
    const r = await operatorApi(h, 'POST', '/api/v1/operator/accounts', { name: FAMILY, lump_sum: 1_000_000 });
    expect(r.status).to.equal(201);
    expect(r.body.accounts.map((a: { kind: string; cash: string }) => [a.kind, a.cash])).to.deep.equal([
      ['GEN', '400000.00'],
      ['REV', '300000.00'],
      ['COM', '300000.00'],
    ]);
    expect((await operatorApi(h, 'POST', '/api/v1/operator/accounts', { name: FAMILY, lump_sum: 1_000_000 })).status).to.equal(200);
    expect((await operatorApi(h, 'POST', '/api/v1/operator/accounts', { name: FAMILY, lump_sum: 5 })).status).to.equal(409);
    expect((await ledger()).map((e) => e.reason)).to.deep.equal(['DEPOSIT', 'DEPOSIT', 'DEPOSIT']);
    const bad = await operatorApi(h, 'POST', '/api/v1/operator/accounts', { name: '1x', lump_sum: -5, extra: true });
    expect([bad.status, bad.body.status]).to.deep.equal([400, 'VALIDATION_FAILED']);
    expect((await fetch(`${h.api.url}/api/v1/operator/accounts`)).status).to.equal(401); // operator token required
    expect((await operatorApi(h, 'GET', '/api/v1/operator/accounts/NOPE/ledger')).status).to.equal(404);
  });

  it('when week 1 closes, then the idle week is typed and Monday/Thursday orders fill through tradeInstruction', async () => {
    h.sim.clock({ to_expiry: true }); // Friday W1 16:00
    const [r] = (await runWeek(W1, K1!, [MON2, THU2])).filter((x) => x.familyId === FAMILY);
    expect(r!.weekTypes.map((w) => w.type)).to.deep.equal(['W-IDL', 'W-IDL', 'W-IDL']);
    expect(r!.planned.map((o) => [o.accountId.split(':')[1], o.symbol, o.action, o.entryDay])).to.have.deep.members([
      ['GEN', 'TSLA', 'SELL_TO_OPEN_PUT', THU2],
      ['REV', 'AAPL', 'SELL_TO_OPEN_PUT', MON2],
      ['COM', 'MSFT', 'BUY_STOCK', MON2],
    ]);
    expect(
      r!.placed.every((p) => p.status === 'FILLED' && p.filledQuantity > 0),
      JSON.stringify(r!.placed),
    ).to.equal(true);
    const coid = r!.planned.find((o) => o.symbol === 'AAPL')!.clientOrderId;
    expect(coid).to.equal(`${FAMILY}:REV:${K2}:AAPL:1`);
    const row = await h.prisma.instruction.findFirst({ where: { clientName: 'ALL-USE', clientOrderId: { startsWith: coid }, status: 'FILLED' } });
    expect(row).to.include({ source: 'INTERNAL', accountId: `${FAMILY}:REV` });
    expect(h.sim.orders().filter((o) => o.orderRef === row!.id)).to.have.length(1);
  });

  it('when week 2 expires worthless, then premiums and commissions are booked, the weeks typed P-EW and Gen forks', async () => {
    h.sim.clock({ to_expiry: true }); // Friday W2: puts expire out of the money (static prices)
    const [r] = (await runWeek(W2, K2!, [MON3, THU3])).filter((x) => x.familyId === FAMILY);
    const types = Object.fromEntries(r!.weekTypes.map((w) => [`${w.accountId.split(':')[1]}:${w.symbol}`, w.type]));
    expect(types).to.deep.equal({ 'GEN:TSLA': 'P-EW', 'REV:AAPL': 'P-EW', 'COM:*': 'W-IDL' });
    const reasons = (await ledger()).map((e) => e.reason);
    for (const want of ['PREMIUM', 'COMMISSION', 'TRADE', 'FORK']) expect(reasons).to.include(want);
    expect(r!.rebalance.fork?.childFamilyId).to.equal(`${FAMILY}/${K2}`);
    const fam = (await operatorApi(h, 'GET', `/api/v1/operator/accounts/${FAMILY}`)).body;
    expect(fam.forks).to.deep.equal([`${FAMILY}/${K2}`]);
    expect(fam.positions.find((p: { symbol: string }) => p.symbol === 'MSFT')).to.include({ sec_type: 'STK', quantity: 700 });
    const child = await ledger(`${FAMILY}/${K2}`);
    expect(
      child
        .filter((e) => e.reason === 'FORK')
        .map((e) => e.to)
        .sort(),
    ).to.deep.equal([`${FAMILY}/${K2}:COM`, `${FAMILY}/${K2}:GEN`]);
    expect(r!.planned.map((o) => o.action).sort()).to.deep.equal(['SELL_TO_OPEN_CALL', 'SELL_TO_OPEN_PUT', 'SELL_TO_OPEN_PUT']);
    if (process.env.RECORD_HISTORIES) await record(h, r!);
  });

  it('when TSLA falls 3 ATR after the Thursday entry, then the monitor enters recovery and the put is assigned at expiry', async () => {
    h.sim.setPrice('TSLA', 220);
    // The family's monitor (started by the first cycle) runs on; ask it to look now instead of in an hour.
    const mon = h.sys.client.workflow.getHandle(positionMonitorWorkflowId(FAMILY));
    const before = (await mon.query(monitorStateQuery)).checks;
    await mon.signal(checkNowSignal);
    const st = await until(
      async () => {
        const s = await mon.query(monitorStateQuery);
        return s.checks > before ? s : undefined;
      },
      30_000,
      'a monitor check',
    );
    expect(st.levels.map((l) => [l.symbol, l.level])).to.deep.include(['TSLA', 3]);
    expect(st.recovery).to.have.length(1);
    expect(st.rolled).to.deep.equal([]);
    await mon.signal(stopMonitorSignal);
    await mon.result();

    h.sim.clock({ to_expiry: true }); // Friday W3
    expect(h.sim.positions().find((p) => p.symbol === 'TSLA' && p.secType === 'STK')?.quantity).to.equal(100);
    const runs = await runWeek(W3, K3!, [MON4]); // no Thursday: Gen may not enter TSLA after P-AOL
    const mine = runs.find((x) => x.familyId === FAMILY)!;
    const types = Object.fromEntries(mine.weekTypes.map((w) => [`${w.accountId.split(':')[1]}:${w.symbol}`, w.type]));
    expect(types['GEN:TSLA']).to.equal('P-AOL');
    expect(types['REV:AAPL']).to.equal('P-EW');
    expect(types['COM:MSFT']).to.match(/^C-/);
    expect(mine.settled.assigned).to.have.length(1);
    expect(runs.find((x) => x.familyId === `${FAMILY}/${K2}`)?.weekTypes.map((w) => w.type)).to.deep.equal(['W-IDL', 'W-IDL']);
    expect(
      mine.planned.some((o) => o.symbol === 'TSLA'),
      'no new TSLA entry after P-AOL',
    ).to.equal(false);
    const fam = (await operatorApi(h, 'GET', `/api/v1/operator/accounts/${FAMILY}`)).body;
    expect(fam.positions.find((p: { symbol: string; sec_type: string }) => p.symbol === 'TSLA' && p.sec_type === 'STK')).to.include({ quantity: 100 });
    const assignment = (await ledger()).find((e) => e.reason === 'ASSIGNMENT')!;
    const shares = fam.positions.find((p: { symbol: string; sec_type: string }) => p.symbol === 'TSLA' && p.sec_type === 'STK');
    expect(Number(assignment.amount)).to.equal(Number(shares.avg_price) * 100); // 100 shares at the strike
    expect((await weekTypes()).length).to.equal(9);
  });

  it('when a week is run again (API backfill), then nothing changes: ledger, week types, orders, families', async () => {
    const counts = async () => ({
      ledger: await h.prisma.ledgerEntry.count({ where: { familyId: { startsWith: FAMILY } } }),
      weekTypes: (await weekTypes()).length,
      instructions: await h.prisma.instruction.count({ where: { clientOrderId: { startsWith: FAMILY } } }),
      simOrders: h.sim.orders().length,
      families: await h.prisma.accountFamily.count({ where: { id: { startsWith: FAMILY } } }),
      cash: (await h.prisma.account.findMany({ where: { familyId: FAMILY }, orderBy: { id: 'asc' } })).map((a) => a.cashCents.toString()),
    });
    const before = await counts();
    const r = await operatorApi(h, 'POST', '/api/v1/operator/cycle/run', { from: W2, to: W2, family_ids: [FAMILY], reprice_after_ms: REPRICE_MS, market_clock: 'broker' });
    expect(r.status).to.equal(202);
    await h.sys.client.workflow.getHandle(r.body.workflow_id).result();
    expect(await counts()).to.deep.equal(before);
  });
});

/** Replay fixtures: a completed weeklyCycle, its tripleForkRebalance child and one tradeInstruction. */
async function record(h: ProtocolHarness, r: WeeklyCycleResult): Promise<void> {
  const { sys, prisma } = h;
  const dir = path.resolve(process.env.RECORD_HISTORIES!);
  fs.mkdirSync(dir, { recursive: true });
  const filled = r.placed.find((p) => p.status === 'FILLED' && p.allUseOrderId);
  const ids: Record<string, string> = {
    weeklyCycle: weeklyCycleWorkflowId(r.familyId, r.week),
    tripleForkRebalance: tripleForkWorkflowId(r.familyId, r.week),
  };
  const prev = await prisma.instruction.findFirst({ where: { clientName: 'ALL-USE', clientOrderId: { startsWith: `${r.familyId}:REV:${K2}` }, status: 'FILLED' } });
  ids.tradeInstruction = instructionWorkflowId(filled?.allUseOrderId ?? prev!.id);
  for (const [name, workflowId] of Object.entries(ids)) {
    const history = await sys.client.workflow.getHandle(workflowId).fetchHistory();
    fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ workflowId, history: historyToObject(history) }, null, 1));
  }
}
