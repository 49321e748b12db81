/**
 * The protocol configuration as data (issue 13): an operator narrows Gen-Acc's delta band through
 * the operator API; the next weekly cycle plans further out-of-the-money strikes and names the new
 * version in its decisions; the CLI shows the change in `config history` and `config diff`; a
 * change that does not validate lists every problem and writes nothing.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { cycleProgressQuery, weeklyCycleWorkflowId, type WeeklyCycleResult } from '../../src/contracts/workflows/weeklyCycle';
import { positionMonitorWorkflowId } from '../../src/contracts/workflows/positionMonitor';
import { WEEKLY_CYCLE_RUN_WORKFLOW, type WeeklyCycleRunWorkflow } from '../../src/contracts/workflows/weeklyCycleRun';
import { weekOf } from '../../src/domain/calendar';
import { testDatabaseUrl, until } from './_system';
import { operatorApi, startProtocolHarness, type ProtocolHarness } from './_protocolSystem';

const run = promisify(execFile);
const OPS = path.resolve(__dirname, '../../src/cli/ops.ts');
const ny = (day: string, hm: string) => DateTime.fromISO(`${day}T${hm}`, { zone: 'America/New_York' }).toJSDate();
// A past week is fine: planning reads only the simulator's market on its manual clock.
const W1 = '2025-03-07';
const K1 = weekOf(W1);

describe('protocol configuration as data: ops config and the next weekly cycle', function () {
  this.timeout(240_000);
  let h: ProtocolHarness;
  let env: NodeJS.ProcessEnv;
  const ops = (...args: string[]) => run(process.execPath, ['--import', 'tsx', OPS, ...args], { env });

  before(async () => {
    h = await startProtocolHarness({ startTime: ny('2025-03-03', '10:00').toISOString(), clientId: 41 });
    env = { ...process.env, DATABASE_URL: testDatabaseUrl('protocol41'), LOG_LEVEL: 'error' }; // the harness's database
    h.sim.clock({ to_expiry: true }); // Friday W1 16:00: the week closes
  });
  after(async () => h?.stop());

  /** Plans the week after W1 for one new family, up to its first entry day, and returns its Gen-Acc plan rows. */
  async function planFor(family: string) {
    expect((await operatorApi(h, 'POST', '/api/v1/operator/accounts', { name: family, lump_sum: 1_000_000 })).status).to.equal(201);
    const handle = await h.sys.client.workflow.start<WeeklyCycleRunWorkflow>(WEEKLY_CYCLE_RUN_WORKFLOW, {
      workflowId: `cfg-run-${family}`,
      taskQueue: h.taskQueue,
      args: [{ from: W1, to: W1, familyIds: [family], marketClock: 'broker' }],
    });
    const cycle = h.sys.client.workflow.getHandle<() => Promise<WeeklyCycleResult>>(weeklyCycleWorkflowId(family, K1));
    await until(async () => (await cycle.query(cycleProgressQuery).catch(() => ({ step: '' }))).step.startsWith('entry'), 90_000, `${family} planned`);
    await handle.terminate('test: planning is all this test needs');
    await cycle.terminate('test: planning is all this test needs').catch(() => undefined);
    await h.sys.client.workflow
      .getHandle(positionMonitorWorkflowId(family))
      .terminate('test')
      .catch(() => undefined);
    const rows = await h.prisma.protocolOrder.findMany({ where: { familyId: family, accountId: `${family}:GEN`, symbol: 'TSLA' } });
    expect(rows, `${family} plans a Gen-Acc TSLA put`).to.have.length.greaterThan(0);
    return rows.map((r) => ({ strike: Number(r.strikeCents), delta: (r.detail as { targetDelta: number }).targetDelta, version: (r.detail as { configVersion?: number }).configVersion }));
  }

  it('when the Gen-Acc delta band is narrowed by an operator, then the next cycle plans lower put strikes and names the new version', async () => {
    const before = await planFor(`CA${process.pid}`);
    expect(
      before.every((r) => r.version === 0 && r.delta >= 0.4 && r.delta <= 0.5),
      JSON.stringify(before),
    ).to.equal(true);

    const set = await fetch(`${h.api.url}/api/v1/operator/config`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.operatorToken}`, 'content-type': 'application/json', 'x-operator': 'alice' },
      body: JSON.stringify({ reason: 'lower-risk puts', set: { 'accounts.GEN.deltaMin': 0.2, 'accounts.GEN.deltaMax': 0.25 } }),
    });
    expect(set.status).to.equal(201);
    const { version, changes } = (await set.json()) as { version: number; changes: { path: string }[] };
    expect(changes.map((c) => c.path)).to.deep.equal(['accounts.GEN.deltaMax', 'accounts.GEN.deltaMin']);

    const after = await planFor(`CB${process.pid}`);
    expect(
      after.every((r) => r.version === version && r.delta >= 0.2 && r.delta <= 0.25),
      JSON.stringify(after),
    ).to.equal(true);
    expect(Math.max(...after.map((r) => r.strike))).to.be.lessThan(Math.min(...before.map((r) => r.strike)));

    const history = JSON.parse((await ops('config', 'history', '--json')).stdout) as { versions: { version: number; actor: string; reason: string }[] };
    expect(history.versions[0]).to.include({ version, actor: 'operator:alice', reason: 'lower-risk puts' });
    const diff = JSON.parse((await ops('config', 'diff', '--json')).stdout) as { to: number; changes: { path: string; from: unknown; to: unknown }[] };
    expect(diff.to).to.equal(version);
    expect(diff.changes).to.deep.include({ path: 'accounts.GEN.deltaMin', from: 0.4, to: 0.2 });
    const audit = await h.prisma.auditLog.findFirst({ where: { action: 'PROTOCOL_CONFIG_SET' }, orderBy: { id: 'desc' } });
    expect(audit).to.include({ actor: 'operator:alice', target: 'global', outcome: 'OK' });
  });

  it('when a change does not validate, then the CLI lists every problem and no version is written', async () => {
    const count = await h.prisma.protocolConfigVersion.count();
    const err = await ops('config', 'set', 'accounts.GEN.deltaMin=2', 'accounts.REV.share=0.9', '--reason', 'typo', '--by', 'bob').then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).to.equal(1);
    expect(err?.stderr).to.match(/accounts\.GEN\.deltaMin/);
    expect(err?.stderr).to.match(/shares must add up to 1/);
    expect(await h.prisma.protocolConfigVersion.count()).to.equal(count);
    const shown = JSON.parse((await ops('config', 'show', '--json')).stdout) as { version: number; config: { accounts: { GEN: { deltaMin: number } } } };
    expect(shown.config.accounts.GEN.deltaMin).to.equal(0.2);
  });
});
