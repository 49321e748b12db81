/**
 * A/B arms that trade, on the real system (Temporal, PostgreSQL, the simulator on a manual
 * clock): an operator creates an experiment with one shadow family per arm, arm B's variant a
 * lower Gen-Acc delta band; two weekly cycles later each arm has traded with its own
 * configuration version (different strikes, each order naming its version), each arm's weeks
 * are recorded, the comparison says "insufficient sample", and the real books' report does not
 * show the shadow families.
 */
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { cycleProgressQuery, weeklyCycleWorkflowId } from '../../src/contracts/workflows/weeklyCycle';
import { weeklyCycleRun } from '../../workflows/weeklyCycleRun';
import { weekOf } from '../../src/domain/calendar';
import { plansOf } from '../../src/db/protocolOrders';
import { loadReportInput } from '../../src/db/reports';
import { createExperiment, ExperimentError } from '../../src/feedback/experiments';
import { until } from './_system';
import { operatorApi, startProtocolHarness, type ProtocolHarness } from './_protocolSystem';

const ny = (day: string, hm: string) => DateTime.fromISO(`${day}T${hm}`, { zone: 'America/New_York' }).toJSDate();
const ANCHOR = DateTime.fromISO('2027-03-01', { zone: 'America/New_York' }); // a Monday, no holidays in the next three weeks
const day = (offset: number): string => ANCHOR.plus({ days: offset }).toISODate()!;
const [W1, W2] = [day(4), day(11)];
const [MON2, THU2, MON3, THU3] = [day(7), day(10), day(14), day(17)];
const [K1, K2] = [W1, W2].map(weekOf) as [string, string];
const EXP = `ab${process.pid}`;
const FAM = { A: `SHADOW-${EXP}-A1`, B: `SHADOW-${EXP}-B1` };

describe('feedback: A/B arms trade on the simulator (shadow families, manual clock)', function () {
  this.timeout(900_000);
  let h: ProtocolHarness;
  let versions: Record<'A' | 'B', number>;

  before(async () => {
    h = await startProtocolHarness({ startTime: ny(day(0), '10:00').toISOString(), clientId: 47 });
  });
  after(async () => h?.stop());

  const step = (family: string, week: string) =>
    h.sys.client.workflow
      .getHandle(weeklyCycleWorkflowId(family, week))
      .query(cycleProgressQuery)
      .then((p) => p.step)
      .catch(() => 'not started');
  async function runWeek(close: string, week: string, entryDays: string[]) {
    const handle = await h.sys.client.workflow.start(weeklyCycleRun, {
      workflowId: `test-ab-${EXP}-${close}`,
      taskQueue: h.taskQueue,
      args: [{ from: close, to: close, familyIds: [FAM.A, FAM.B], repriceAfterMs: 1500, marketClock: 'broker' }],
    });
    for (const d of entryDays) {
      for (const f of [FAM.A, FAM.B]) {
        let seen = 'not asked';
        // Generous: a cycle's collect, settle, rebalance and plan steps are slow on a loaded CI machine.
        await until(async () => (seen = await step(f, week)) === `entry ${d}`, 180_000, `${f} ${week} at entry ${d}`).catch((err: Error) => {
          throw new Error(`${err.message} (its step: ${seen})`);
        });
      }
      h.sim.clock({ advance_to: ny(d, '10:00') });
    }
    return handle.result();
  }

  it('refuses shadow families when the broker is not the simulator, and a variant that does not validate', async () => {
    const body = { id: `${EXP}x`, variant: { accounts: { GEN: { deltaMin: 0.2, deltaMax: 0.3 } } }, shadow: { per_arm: 1, lump_sum: 1_000_000 }, reason: 'test' };
    const live = await createExperiment(h.prisma, body, 'test', { brokerIsSimulator: false }).catch((e: unknown) => e);
    expect(live).to.be.instanceOf(ExperimentError).and.to.include({ code: 'SHADOW_NEEDS_SIMULATOR' });
    const bad = await operatorApi(h, 'POST', '/api/v1/operator/experiments', { ...body, variant: { accounts: { GEN: { deltaMin: 0.6, deltaMax: 0.3 } } } });
    expect([bad.status, bad.body.error?.code]).to.deep.equal([422, 'INVALID_CONFIG']);
    expect(await h.prisma.accountFamily.count({ where: { id: { startsWith: `SHADOW-${EXP}x` } } })).to.equal(0); // nothing written
  });

  it('when an operator creates the experiment, then each shadow family has its own configuration version (audited)', async () => {
    const r = await operatorApi(h, 'POST', '/api/v1/operator/experiments', {
      id: EXP,
      variant: { accounts: { GEN: { deltaMin: 0.2, deltaMax: 0.3 } } },
      shadow: { per_arm: 1, lump_sum: 1_000_000 },
      min_sample: 30,
      reason: 'does a lower Gen-Acc delta earn more per unit of capital?',
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    expect(r.body.arms.map((a: { arm: string; familyId: string; shadow: boolean }) => [a.arm, a.familyId, a.shadow])).to.deep.equal([
      ['A', FAM.A, true],
      ['B', FAM.B, true],
    ]);
    versions = { A: r.body.arms[0].configVersion, B: r.body.arms[1].configVersion };
    expect(versions.A).to.not.equal(versions.B);
    expect(await h.prisma.accountFamily.count({ where: { id: { in: [FAM.A, FAM.B] }, shadow: true } })).to.equal(2);
    expect(await h.prisma.auditLog.count({ where: { action: 'EXPERIMENT_CREATED', target: `experiment:${EXP}` } })).to.equal(1);
  });

  it('when two weeks run, then each arm trades with its configuration and every decision names its version', async () => {
    h.sim.clock({ to_expiry: true }); // Friday W1 16:00
    await runWeek(W1, K1, [MON2, THU2]);
    const gen = async (f: string) => (await plansOf(h.prisma, { familyId: f })).filter((o) => o.symbol === 'TSLA' && o.purpose === 'OPEN');
    const [a, b] = [await gen(FAM.A), await gen(FAM.B)];
    expect(a.length).to.be.greaterThan(0);
    expect(b.length).to.be.greaterThan(0);
    for (const f of [FAM.A, FAM.B]) {
      const plans = await plansOf(h.prisma, { familyId: f });
      expect(plans.map((o) => o.detail?.configVersion)).to.deep.equal(plans.map(() => (f === FAM.A ? versions.A : versions.B)));
    }
    // The variant's lower |delta| band puts the Gen-Acc put further out of the money.
    expect(b[0]!.strikeCents!).to.be.lessThan(a[0]!.strikeCents!);
    const filled = await h.prisma.instruction.findMany({ where: { accountId: { in: [`${FAM.A}:GEN`, `${FAM.B}:GEN`] }, status: 'FILLED' } });
    expect(filled.map((i) => i.accountId).sort()).to.deep.equal([`${FAM.A}:GEN`, `${FAM.B}:GEN`]);

    h.sim.clock({ to_expiry: true }); // Friday W2: the puts expire, premiums are booked
    await runWeek(W2, K2, [MON3, THU3]);
  });

  it('then each arm has its weeks recorded and the comparison says insufficient sample', async () => {
    const r = await operatorApi(h, 'GET', `/api/v1/operator/experiments/${EXP}`);
    expect(r.status).to.equal(200);
    const rows = r.body.outcomes as { familyId: string; arm: string; week: string; configVersion: number; premiumCents: number; returnOnCapital: number }[];
    expect(rows.map((o) => [o.arm, o.familyId, o.week, o.configVersion])).to.deep.equal([
      ['A', FAM.A, K1, versions.A],
      ['A', FAM.A, K2, versions.A],
      ['B', FAM.B, K1, versions.B],
      ['B', FAM.B, K2, versions.B],
    ]);
    for (const arm of ['A', 'B']) {
      const k2 = rows.find((o) => o.arm === arm && o.week === K2)!;
      expect(k2.premiumCents).to.be.greaterThan(0);
      expect(k2.returnOnCapital).to.be.greaterThan(0);
    }
    expect(r.body.verdict).to.equal('INSUFFICIENT_SAMPLE');
    expect(r.body.message).to.match(/^insufficient sample/);
    expect(r.body.experiment.status).to.equal('RUNNING');
    expect(r.body.recommendation_id).to.equal(null);
  });

  it('the real books leave the shadow families out; stop closes them', async () => {
    const report = await loadReportInput(h.prisma, 'weekly', MON2, day(13));
    expect(report.families.map((f) => f.id)).to.not.include.members([FAM.A]);
    expect(report.ledger.filter((e) => e.familyId.startsWith(`SHADOW-${EXP}`))).to.deep.equal([]);
    const stop = await operatorApi(h, 'POST', `/api/v1/operator/experiments/${EXP}/stop`, { reason: 'test over' });
    expect(stop.status).to.equal(200);
    expect(stop.body.closed.sort()).to.deep.equal([FAM.A, FAM.B]);
    expect((await operatorApi(h, 'POST', `/api/v1/operator/experiments/${EXP}/stop`, { reason: 'again' })).status).to.equal(409);
  });
});
