/**
 * The weekly-cycle Schedule on the real Temporal server: created by the system on start,
 * updated (not duplicated) by a second ensureSchedules, visible with its holiday-aware spec.
 */
import { expect } from 'chai';
import { createLogger } from '../../src/logger';
import { ensureSchedules, WEEKLY_CYCLE_SCHEDULE_ID } from '../../src/schedules';
import { RECONCILIATION_SCHEDULE_ID } from '../../src/contracts/workflows/reconciliation';
import { getSystem } from './_system';

describe('protocol engine: the weekly cycle schedule', function () {
  this.timeout(60_000);

  it('when the system has started, then the schedule exists and a second ensure updates it in place', async () => {
    const sys = await getSystem();
    await ensureSchedules({ client: sys.client, taskQueue: sys.config.temporalTaskQueue, logger: createLogger('test', 'error') });
    const d = await sys.client.schedule.getHandle(WEEKLY_CYCLE_SCHEDULE_ID).describe();
    expect(d.action).to.include({ type: 'startWorkflow', workflowType: 'weeklyCycleRun' });
    expect(d.spec.timezone).to.equal('America/New_York');
    // The server returns ranges: FRIDAY → [{ start: 'FRIDAY', end: 'FRIDAY', step: 1 }].
    expect(d.spec.calendars?.[0]).to.deep.include({ dayOfWeek: [{ start: 'FRIDAY', end: 'FRIDAY', step: 1 }], hour: [{ start: 16, end: 16, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }] });
    expect(d.spec.skip?.length).to.be.greaterThan(0); // holiday Fridays of the coming years
    expect(d.policies.overlap).to.equal('SKIP');
    const ids: string[] = [];
    for await (const s of sys.client.schedule.list()) ids.push(s.scheduleId);
    expect(ids.filter((id) => id === WEEKLY_CYCLE_SCHEDULE_ID)).to.have.length(1);
    // Books vs broker, daily after the close (docs/RECONCILIATION.md).
    const rec = await sys.client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID).describe();
    expect(rec.action).to.include({ type: 'startWorkflow', workflowType: 'reconciliation' });
    expect(rec.spec.timezone).to.equal('America/New_York');
    expect(rec.spec.calendars?.[0]).to.deep.include({ hour: [{ start: 16, end: 16, step: 1 }], minute: [{ start: 20, end: 20, step: 1 }] });
    expect(ids.filter((id) => id === RECONCILIATION_SCHEDULE_ID)).to.have.length(1);
  });
});
