/**
 * The Protocol Engine's contracts: workflow ids and their inverses, client_order_ids, and the
 * weekly Schedule's spec (holiday Fridays skipped, the week's last trading day added).
 */
import { expect } from 'chai';
import { WEEKLY_CYCLE_SCHEDULE_ID, weeklyCycleScheduleSpec } from '../../src/schedules';
import { parsePositionMonitorWorkflowId, positionMonitorWorkflowId } from '../../src/contracts/workflows/positionMonitor';
import { attemptClientOrderId, baseClientOrderId } from '../../src/contracts/workflows/placement';
import { parseTripleForkWorkflowId, tripleForkWorkflowId } from '../../src/contracts/workflows/tripleForkRebalance';
import { parseProtocolClientOrderId, parseWeeklyCycleWorkflowId, protocolClientOrderId, weeklyCycleWorkflowId } from '../../src/contracts/workflows/weeklyCycle';
import { weeklyRunWorkflowId } from '../../src/contracts/workflows/weeklyCycleRun';

describe('protocol ids', () => {
  const cases: [string, string][] = [
    ['ACME', '2025-W19'],
    ['ACME/2025-W07', '2025-W19'],
    ['a-b_c', '2026-W01'],
  ];
  for (const [family, week] of cases) {
    it(`when family ${family} and week ${week} are encoded, then each id decodes to them`, () => {
      expect(parseWeeklyCycleWorkflowId(weeklyCycleWorkflowId(family, week))).to.deep.equal({ familyId: family, week });
      expect(parseTripleForkWorkflowId(tripleForkWorkflowId(family, week))).to.deep.equal({ familyId: family, week });
      expect(parsePositionMonitorWorkflowId(positionMonitorWorkflowId(family))).to.deep.equal({ familyId: family });
    });
  }

  it('when an order id is built, then it reads <family>:<account>:<week>:<symbol>:<n> within the client_order_id charset', () => {
    const id = protocolClientOrderId('ACME/2025-W07', 'GEN', '2025-W19', 'TSLA', 1);
    expect(id).to.equal('ACME.2025-W07:GEN:2025-W19:TSLA:1');
    expect(id).to.match(/^[A-Za-z0-9_.:-]{1,100}$/);
    expect(parseProtocolClientOrderId(`${id}.r2`)).to.deep.equal({ family: 'ACME.2025-W07', kind: 'GEN', week: '2025-W19', symbol: 'TSLA', n: '1' });
    expect(parseProtocolClientOrderId(attemptClientOrderId(id, 1, 2))).to.deep.equal({ family: 'ACME.2025-W07', kind: 'GEN', week: '2025-W19', symbol: 'TSLA', n: '1' });
    expect([attemptClientOrderId(id, 0), attemptClientOrderId(id, 2), attemptClientOrderId(id, 0, 1)]).to.deep.equal([id, `${id}.r2`, `${id}.d1`]);
    expect(baseClientOrderId(attemptClientOrderId(id, 2, 1))).to.equal(id);
    expect(parseProtocolClientOrderId('not-ours')).to.equal(null);
    expect(weeklyRunWorkflowId('2025-01-03', '2025-02-28')).to.equal('weekly-run:2025-01-03:2025-02-28');
    expect(weeklyRunWorkflowId('2025-01-03', '2025-01-03', ['B', 'A'])).to.equal('weekly-run:2025-01-03:2025-01-03:A+B');
  });
});

describe('weekly cycle schedule spec', () => {
  it('when a year has Good Friday, then that Friday is skipped and its Thursday runs instead, at 16:30 New York', () => {
    const spec = weeklyCycleScheduleSpec(2025, 1);
    expect(WEEKLY_CYCLE_SCHEDULE_ID).to.equal('all-use-weekly-cycle');
    expect(spec.timezone).to.equal('America/New_York');
    expect(spec.calendars?.[0]).to.include({ dayOfWeek: 'FRIDAY', hour: 16, minute: 30 });
    expect(spec.skip).to.deep.include({ year: 2025, month: 'APRIL', dayOfMonth: 18, hour: 16, minute: 30 });
    expect(spec.calendars).to.deep.include({ year: 2025, month: 'APRIL', dayOfMonth: 17, hour: 16, minute: 30, comment: 'holiday 2025-04-18: week closes 2025-04-17' });
    // 2025's Friday closures: Good Friday (Apr 18) and Independence Day (Jul 4, the week closes Thu Jul 3).
    expect(spec.skip?.map((c) => `${c.month as string} ${c.dayOfMonth as number}`)).to.deep.equal(['APRIL 18', 'JULY 4']);
    expect(spec.calendars?.slice(1).map((c) => c.dayOfMonth)).to.deep.equal([17, 3]);
  });
});
