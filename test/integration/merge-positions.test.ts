/**
 * Merge of a forked family (PROTOCOL §1) with positions: it waits while the family holds an
 * open option; then cash moves by ledger entries and shares move to the parent's Com-Acc at
 * their cost basis, and the closed accounts hold nothing. Activities against PostgreSQL and the
 * simulator's quotes (values).
 */
import { expect } from 'chai';
import { createActivities } from '../../activities';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import { createLogger } from '../../src/logger';
import type { System } from '../../src/system';
import { getSystem } from './_system';

describe('merge moves positions with their cost basis', function () {
  this.timeout(120_000);
  let sys: System;
  const parent = `MRGP_${process.pid}`;
  const child = `${parent}/2026-W40`;

  before(async () => {
    sys = await getSystem();
    sys.simulator!.setPrice('AAPL', 200);
    await sys.prisma.accountFamily.create({ data: { id: parent, name: 'parent', accounts: { create: [{ id: `${parent}:COM`, kind: 'COM', baseCents: 0n, cashCents: 1_000_000n }] } } });
    await sys.prisma.accountFamily.create({
      data: {
        id: child,
        name: 'fork',
        parentFamilyId: parent,
        accounts: {
          create: [
            { id: `${child}:GEN`, kind: 'GEN', baseCents: 0n, cashCents: 10_000_000n },
            { id: `${child}:COM`, kind: 'COM', baseCents: 0n, cashCents: 40_000_000n },
          ],
        },
      },
    });
    await sys.prisma.position.createMany({
      data: [
        { id: `${parent}-aapl`, ownerKind: 'ACCOUNT', ownerId: `${parent}:COM`, symbol: 'AAPL', secType: 'STK', quantity: 50, avgPrice: 180 },
        { id: `${child}-aapl`, ownerKind: 'ACCOUNT', ownerId: `${child}:COM`, symbol: 'AAPL', secType: 'STK', quantity: 100, avgPrice: 190 },
        { id: `${child}-put`, ownerKind: 'ACCOUNT', ownerId: `${child}:GEN`, symbol: 'AAPL', secType: 'OPT', expiry: '20301220', strike: 150, right: 'P', quantity: -1, avgPrice: 1.5 },
      ],
    });
  });

  const acts = () => createActivities({ prisma: sys.prisma, broker: sys.broker, logger: createLogger('test', 'error'), protocol: DEFAULT_PROTOCOL });
  const step = { familyId: child, week: '2026-W47', asOf: '2026-11-20' };

  it('when the forked family is over the threshold but holds an open option, then the merge waits', async () => {
    const plan = await acts().planRebalance(step);
    expect(plan.merge).to.equal(null);
  });

  it('when the option is gone, then cash and shares (at cost) move to the parent Com-Acc and the closed accounts hold nothing', async () => {
    await sys.prisma.position.update({ where: { id: `${child}-put` }, data: { quantity: 0 } }); // expired worthless
    const a = acts();
    const plan = await a.planRebalance(step);
    expect(plan.merge?.parent).to.equal(parent);
    const r = await a.applyMerge({ familyId: child, week: step.week, merge: plan.merge! });
    expect(r.applied).to.have.length(2);
    await a.applyMerge({ familyId: child, week: step.week, merge: plan.merge! }); // a retried activity changes nothing

    const into = await sys.prisma.position.findFirstOrThrow({ where: { ownerKind: 'ACCOUNT', ownerId: `${parent}:COM`, symbol: 'AAPL', secType: 'STK' } });
    expect(into.quantity).to.equal(150);
    expect(into.avgPrice.toString()).to.equal('186.6667'); // (50 × 180 + 100 × 190) / 150
    const parentCom = await sys.prisma.account.findUniqueOrThrow({ where: { id: `${parent}:COM` } });
    expect(parentCom.cashCents).to.equal(51_000_000n);

    const closed = await sys.prisma.account.findMany({ where: { familyId: child } });
    expect(closed.map((x) => [x.status, x.cashCents])).to.deep.equal([
      ['CLOSED', 0n],
      ['CLOSED', 0n],
    ]);
    expect(await sys.prisma.position.count({ where: { ownerId: { in: closed.map((x) => x.id) }, NOT: { quantity: 0 } } })).to.equal(0);
    expect((await sys.prisma.accountFamily.findUniqueOrThrow({ where: { id: child } })).status).to.equal('MERGED');
  });
});
