/**
 * Protocol deviation 7 on the real system: the family's position monitor (started by the weekly
 * cycle) checks during market hours by the simulator's manual clock, retries a roll whose close
 * was rejected at its next hourly check, and goes on watching the rolled position in the next
 * week although no cycle of that week has run.
 * The roll level is configured low (0.2 ATR) so a small move triggers it while the next expiry
 * still pays a net credit; the levels' own thresholds have unit tests.
 */
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { cycleProgressQuery, weeklyCycleWorkflowId } from '../../src/contracts/workflows/weeklyCycle';
import { weeklyCycleRun } from '../../workflows/weeklyCycleRun';
import { checkNowSignal, monitorStateQuery, positionMonitorWorkflowId, stopMonitorSignal, type MonitorState } from '../../src/contracts/workflows/positionMonitor';
import { marketSession, weekOf } from '../../src/domain/calendar';
import { DEFAULT_PROTOCOL, withOverrides } from '../../src/domain/config';
import { sessionAt } from '../../src/domain/monitorRules';
import { until } from './_system';
import { operatorApi, startProtocolHarness, TEST_PROTOCOL, type ProtocolHarness } from './_protocolSystem';

const ny = (day: string, hm: string) => DateTime.fromISO(`${day}T${hm}`, { zone: 'America/New_York' }).toJSDate();
const FAMILY = `PM${process.pid}`;
const ANCHOR = DateTime.fromISO(process.env.PROTOCOL_TEST_ANCHOR ?? '2027-03-01', { zone: 'America/New_York' });
const day = (offset: number): string => ANCHOR.plus({ days: offset }).toISODate()!;
const [W1, MON2, THU2, W2, MON3, W3] = [day(4), day(7), day(10), day(11), day(14), day(18)];

describe('protocol engine: the position monitor on the simulator (manual clock)', function () {
  this.timeout(300_000);
  let h: ProtocolHarness;
  const mon = () => h.sys.client.workflow.getHandle(positionMonitorWorkflowId(FAMILY));
  const state = () => mon().query(monitorStateQuery);
  const waitState = (what: string, ok: (s: MonitorState) => boolean) =>
    until(
      async () => {
        const s = await state().catch(() => undefined);
        return s && ok(s) ? s : undefined;
      },
      60_000,
      what,
    );

  before(async () => {
    const holiday = Array.from({ length: 22 }, (_, i) => day(i)).find((d) => DateTime.fromISO(d).weekday <= 5 && !marketSession(d, DEFAULT_PROTOCOL.market));
    if (ANCHOR.weekday !== 1 || holiday) throw new Error(`PROTOCOL_TEST_ANCHOR ${ANCHOR.toISODate()} must be a Monday with no holiday in the next three weeks`);
    const protocol = withOverrides(TEST_PROTOCOL, { levels: { watchAtr: 0.1, rollAtr: 0.2, recoveryAtr: 50 } });
    h = await startProtocolHarness({ startTime: ny(day(0), '10:00').toISOString(), clientId: 33, protocol });
  });
  after(async () => h?.stop());

  it('when a week-2 put reaches level 2 and its roll is rejected, then the hourly check retries it and the monitor watches the rolled put in week 3', async () => {
    expect((await operatorApi(h, 'POST', '/api/v1/operator/accounts', { name: FAMILY, lump_sum: 1_000_000 })).status).to.equal(201);
    h.sim.clock({ to_expiry: true }); // Friday W1 16:00: the cycle runs after the close
    const run = await h.sys.client.workflow.start(weeklyCycleRun, {
      workflowId: `test-monitor-run-${FAMILY}`,
      taskQueue: h.taskQueue,
      args: [{ from: W1, to: W1, familyIds: [FAMILY], repriceAfterMs: 1500, marketClock: 'broker' }],
    });
    const cycle = h.sys.client.workflow.getHandle(weeklyCycleWorkflowId(FAMILY, weekOf(W1)));
    for (const d of [MON2, THU2]) {
      await until(async () => (await cycle.query(cycleProgressQuery).catch(() => ({ step: '' }))).step === `entry ${d}`, 60_000, `cycle at entry ${d}`);
      h.sim.clock({ advance_to: ny(d, '10:00') });
    }
    const [r] = await run.result();
    expect(r!.placed.find((p) => p.clientOrderId.includes(':GEN:'))?.status).to.equal('FILLED');

    // The cycle started the family's monitor on Friday after the close: it did not look then.
    await mon().signal(checkNowSignal);
    const seen = await waitState('a check that sees the Thursday put', (s) => s.levels.some((l) => l.symbol === 'TSLA'));
    const put = seen.levels.find((l) => l.symbol === 'TSLA')!;
    expect([put.right, put.expiry, put.level]).to.deep.equal(['P', W2, 0]);
    expect(sessionAt(seen.lastCheckAt!, DEFAULT_PROTOCOL.market), 'checked in market hours').to.not.equal(null);

    // Half an ATR down is level 2 here; the broker rejects the roll's first order (its close).
    h.sim.setPrice('TSLA', 250 - put.atrCents / 200);
    h.sim.fault({ reject_next: { code: 201, text: 'test: roll close rejected', symbol: 'TSLA' } });
    await mon().signal(checkNowSignal);
    const failed = await waitState('the rejected roll', (s) => s.pending.some((p) => p.key === put.key));
    expect(failed.rolled).to.deep.equal([]);
    expect(failed.pending.find((p) => p.key === put.key)).to.include({ attempts: 1 });
    // Level 2 is watched hourly: the next check is an hour after this one, by the broker's clock.
    expect(Date.parse(failed.nextCheckAt!) - Date.parse(failed.lastCheckAt!)).to.equal(60 * 60_000);

    h.sim.clock({ advance_to: failed.nextCheckAt! });
    const rolled = await waitState('the retried roll', (s) => s.rolled.includes(put.key));
    expect(rolled.pending).to.deep.equal([]);
    const newPut = h.sim.positions().find((p) => p.symbol === 'TSLA' && p.secType === 'OPT' && p.quantity < 0);
    expect(newPut, JSON.stringify(h.sim.positions())).to.not.equal(undefined);

    // Week 3: no cycle has run since week 1, yet the monitor looks at the put rolled in week 2.
    const checks = rolled.checks;
    h.sim.clock({ advance_to: ny(MON3, '10:00') });
    const week3 = await waitState('a week-3 check', (s) => s.checks > checks && Date.parse(s.lastCheckAt!) >= ny(MON3, '09:30').getTime());
    expect(week3.levels.map((l) => [l.symbol, l.expiry])).to.deep.include(['TSLA', W3]);
    expect(sessionAt(week3.nextCheckAt!, DEFAULT_PROTOCOL.market), 'the next check is in market hours').to.not.equal(null);
    await mon().signal(stopMonitorSignal);
    await mon().result();
  });
});
