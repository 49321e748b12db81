/**
 * The daily report values open positions at market marks (the simulator's quotes through the
 * broker's market-data port) and shows unrealised P&L; a position the broker cannot quote is
 * valued by the model and flagged.
 */
import { expect } from 'chai';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { valueCents } from '../../src/reports/compute';
import { findReport } from '../../src/reports/load';
import { nyToday, periodOf } from '../../src/reports/period';
import { createLogger } from '../../src/logger';
import type { System } from '../../src/system';
import { getSystem } from './_system';

describe('reports: unrealised P&L from market marks', function () {
  this.timeout(120_000);
  let sys: System;
  const fam = `RMRK_${process.pid}`;
  const account = `${fam}:COM`;

  before(async () => {
    sys = await getSystem();
    sys.simulator!.setPrice('AAPL', 200);
    await sys.prisma.accountFamily.create({ data: { id: fam, name: 'marks family', accounts: { create: [{ id: account, kind: 'COM', baseCents: 3_000_000n, cashCents: 1_000_000n }] } } });
    await sys.prisma.position.createMany({
      data: [
        // 100 AAPL bought at $190: the simulator quotes 199.99 / 200.01.
        { id: `${fam}-stk`, ownerKind: 'ACCOUNT', ownerId: account, symbol: 'AAPL', secType: 'STK', quantity: 100, avgPrice: 190 },
        // A call past its expiry (still on the books): the simulator has no quote for it, the model values it.
        { id: `${fam}-opt`, ownerKind: 'ACCOUNT', ownerId: account, symbol: 'AAPL', secType: 'OPT', expiry: '20200117', strike: 150, right: 'C', quantity: -1, avgPrice: 3 },
      ],
    });
  });

  it("when the daily report is generated, then positions carry the broker's marks (model only where there is no quote, flagged) and unrealised P&L is their sum", async () => {
    const acts = createActivities({ prisma: sys.prisma, broker: sys.broker, logger: createLogger('test', 'error') });
    const date = nyToday();
    await new MockActivityEnvironment().run(acts.generateReport.bind(acts), { kind: 'daily' as const, date });
    const { from, to } = periodOf('daily', date);
    const report = (await findReport(sys.prisma, 'daily', from, to))!;
    const mine = report.positions.filter((p) => p.ownerId === account);
    const stk = mine.find((p) => p.secType === 'STK')!;
    const call = mine.find((p) => p.secType === 'OPT')!;
    expect(stk).to.include({ mark: '200', markSource: 'BROKER', unrealisedPnlCents: 100_000 });
    expect(call.markSource).to.equal('MODEL');
    expect(call.mark).to.equal('50'); // intrinsic: 200 − 150
    const callPnl = valueCents(call.mark, -1, 100) - valueCents('3', -1, 100);
    expect(call.unrealisedPnlCents).to.equal(callPnl);
    const acct = report.accounts.find((a) => a.accountId === account)!;
    expect(acct.unrealisedPnlCents).to.equal(100_000 + callPnl);
    expect(acct.unrealisedPnlCents).to.not.equal(0);
  });
});
