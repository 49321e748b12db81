/**
 * A quarter-end reinvestment buys LEAPS (PROTOCOL §1): the REINVEST entry funds the account's
 * LEAPS sleeve, a real account of the family; the sleeve's purchase (long calls 12–24 months
 * out, 0.70–0.80 delta) is planned as a protocol order and placed as its own tradeInstruction
 * on the simulator; the fill settles into the sleeve's ledger and its value is part of the
 * family's equity.
 */
import { expect } from 'chai';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { postLedger } from '../../src/db/ledger';
import { cycleDates } from '../../src/domain/protocol-cycle';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import { createLogger } from '../../src/logger';
import { computeReport } from '../../src/reports/compute';
import { loadReportInput } from '../../src/reports/load';
import { marketMarker } from '../../src/marks';
import { TRADE_INSTRUCTION_WORKFLOW, instructionWorkflowId, type InstructionState } from '../../src/contracts/workflows/tradeInstruction';
import type { AttemptPlan } from '../../src/contracts/workflows/placement';
import type { System } from '../../src/system';
import { getSystem } from './_system';

describe('quarterly reinvestment buys LEAPS for the sleeve', function () {
  this.timeout(180_000);
  let sys: System;
  const fam = `LEAP_${process.pid}`;
  const rev = `${fam}:REV`;
  const sleeve = `${rev}:LEAPS`;
  const asOf = '2026-12-31'; // the quarter's last weekly close (Friday 1 January 2027 is a holiday)
  const run = <A extends unknown[], R>(fn: (...a: A) => Promise<R>, ...args: A): Promise<R> => new MockActivityEnvironment().run<A, R, (...a: A) => Promise<R>>(fn, ...args);

  before(async () => {
    sys = await getSystem();
    await sys.prisma.accountFamily.create({ data: { id: fam, name: 'leaps family', accounts: { create: [{ id: rev, kind: 'REV', baseCents: 3_000_000_000n, cashCents: 0n }] } } });
    // $40,000 of premium this quarter: 25 % = $10,000 goes to LEAPS.
    await postLedger(sys.prisma, fam, [{ from: 'EXTERNAL', to: rev, amountCents: 3_000_000_000, reason: 'DEPOSIT', key: `DEPOSIT:${rev}:t` }], '2026-W40');
    await postLedger(sys.prisma, fam, [{ from: 'MARKET', to: rev, amountCents: 4_000_000, reason: 'PREMIUM', key: `PREMIUM:${rev}:t` }], '2026-W50');
  });

  it('when the quarter ends, then the sleeve is funded, buys deep calls through a tradeInstruction, books them in its own ledger and counts in the family equity', async () => {
    const acts = createActivities({ prisma: sys.prisma, broker: sys.broker, logger: createLogger('test', 'error'), protocol: DEFAULT_PROTOCOL });
    const { week } = cycleDates(asOf);
    const plan = await run(acts.planRebalance.bind(acts), { familyId: fam, week, asOf });
    expect(plan.reinvest.map((e) => [e.to, e.amountCents])).to.deep.equal([[sleeve, 1_000_000]]);
    await run(acts.applyLedger.bind(acts), { familyId: fam, week, entries: plan.reinvest });
    const acct = await sys.prisma.account.findUniqueOrThrow({ where: { id: sleeve } });
    expect([acct.familyId, acct.kind, acct.cashCents]).to.deep.equal([fam, 'LEAPS', 1_000_000n]);

    const planned = await run(acts.planLeaps.bind(acts), { familyId: fam, asOf });
    expect(planned).to.have.length(1);
    expect(await run(acts.planLeaps.bind(acts), { familyId: fam, asOf })).to.deep.equal(planned); // the week's plan is kept
    const row = await sys.prisma.protocolOrder.findUniqueOrThrow({ where: { clientOrderId: planned[0]!.clientOrderId } });
    expect([row.accountId, row.purpose, row.tradeAction]).to.deep.equal([sleeve, 'LEAPS', 'BUY_TO_OPEN_CALL']);
    const expiry = row.expiry!;
    expect(expiry >= '2027-12-31' && expiry <= '2028-12-31', expiry).to.equal(true); // 12–24 months after the quarter's close
    const q = await sys.broker.marketData!.optionQuote(row.symbol, expiry.replaceAll('-', ''), Number(row.strikeCents) / 100, 'C');
    expect(q.delta!).to.be.within(0.7, 0.8);
    expect(row.quantity * q.ask * 100).to.be.at.most(10_000);

    // Placed the way the weekly cycle places it: one tradeInstruction per attempt (at the ask here).
    const attempt: AttemptPlan = await run(acts.prepareAttempt.bind(acts), { clientOrderId: row.clientOrderId, attempt: DEFAULT_PROTOCOL.signals.maxReprices });
    expect(attempt.kind).to.equal('PLACE');
    if (attempt.kind !== 'PLACE') return;
    const h = await sys.client.workflow.start(TRADE_INSTRUCTION_WORKFLOW, {
      taskQueue: sys.config.temporalTaskQueue,
      workflowId: instructionWorkflowId(attempt.input.allUseOrderId),
      args: [attempt.input],
    });
    const final = (await h.result()) as InstructionState;
    expect(final.status, JSON.stringify(final)).to.equal('FILLED');

    const held = await sys.prisma.position.findFirstOrThrow({ where: { ownerKind: 'ACCOUNT', ownerId: sleeve, secType: 'OPT' } });
    expect([held.symbol, held.right, held.quantity]).to.deep.equal([row.symbol, 'C', row.quantity]);
    await run(acts.settleWeek.bind(acts), { familyId: fam, week: row.week, close: asOf, market: { week: row.week, asOf, symbols: {}, invalid: [] } });
    const paid = Math.round(Number(final.averageFillPrice) * 100 * 100) * row.quantity;
    const after = await sys.prisma.account.findUniqueOrThrow({ where: { id: sleeve } });
    expect(Number(after.cashCents)).to.equal(1_000_000 - paid - Math.round(final.commission * 100));

    const today = new Date().toISOString().slice(0, 10);
    const report = computeReport(await loadReportInput(sys.prisma, 'daily', today, today, new Date(), marketMarker(sys.broker.marketData!)));
    const family = report.families.find((f) => f.familyId === fam)!;
    const sleeveReport = report.accounts.find((a) => a.accountId === sleeve)!;
    const revReport = report.accounts.find((a) => a.accountId === rev)!;
    expect(sleeveReport.equityCents).to.be.greaterThan(Number(after.cashCents)); // the calls at their mark
    expect(family.equityCents).to.equal(revReport.equityCents + sleeveReport.equityCents);
  });
});
