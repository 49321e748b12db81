/**
 * placeOrder records the broker's answer in the same step (activities/index.ts): a write that fails
 * for a moment (PostgreSQL restarting) is retried inside the step, so the attempt neither fails nor
 * searches the broker again, and the order is sent once.
 */
import { expect } from 'chai';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type PlacedUpdate } from '../../activities';
import type { TradeInstructionInput } from '../../src/contracts/workflows/tradeInstruction';
import { createLogger } from '../../src/logger';
import type { System } from '../../src/system';
import { getSystem } from './_system';
import { apiInput, uniq } from './ops-helpers';

describe('placeOrder records what the broker answered', function () {
  this.timeout(120_000);
  let sys: System;
  before(async () => {
    sys = await getSystem();
  });

  it('when the outcome cannot be written for a moment, then the step retries the write and answers recorded, with one broker order', async () => {
    const coid = uniq('place_rec');
    const input = apiInput(coid, { trade_action: 'BUY_STOCK', quantity: 1, expiration_date: undefined, strike_price: undefined });
    const acts = createActivities({ prisma: sys.prisma, broker: sys.broker, logger: createLogger('test', 'error') });
    await acts.recordInstruction(input);
    // The executions table is gone for ~1.5 s: every write of the outcome fails until it is back.
    await sys.prisma.$executeRawUnsafe('ALTER TABLE executions RENAME TO executions_away');
    const back = new Promise<void>((ok) => setTimeout(ok, 1_500)).then(async () => void (await sys.prisma.$executeRawUnsafe('ALTER TABLE executions_away RENAME TO executions')));
    let placed: PlacedUpdate;
    try {
      placed = await new MockActivityEnvironment().run((i: TradeInstructionInput) => acts.placeOrder(i), input);
    } finally {
      await back;
    }
    expect(placed.recorded).to.equal(true);
    expect(sys.simulator!.orders().filter((o) => o.orderRef === input.allUseOrderId)).to.have.length(1);
    const row = await sys.prisma.instruction.findUniqueOrThrow({ where: { id: input.allUseOrderId }, include: { order: true } });
    expect([row.status, row.order?.brokerOrderId, row.order?.filledQuantity]).to.deep.equal([placed.order.status, placed.order.brokerOrderId, placed.order.filledQuantity]);
    expect(await sys.prisma.execution.count({ where: { instructionId: input.allUseOrderId } })).to.equal(placed.order.fills.length);
  });
});
