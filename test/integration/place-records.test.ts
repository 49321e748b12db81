/**
 * submitOrder and placeOrder write the instruction's records in the same step as the order
 * (activities/index.ts): a write that fails for a moment (PostgreSQL restarting) is retried inside
 * the step, so the attempt neither fails nor searches the broker again, and the order is sent once.
 */
import { expect } from 'chai';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type PlacedUpdate, type SubmittedUpdate } from '../../activities';
import type { TradeInstructionInput } from '../../src/contracts/workflows/tradeInstruction';
import { createLogger } from '../../src/logger';
import type { System } from '../../src/system';
import { getSystem } from './_system';
import { apiInput, uniq } from './ops-helpers';

describe('the placing step records what it decided and what the broker answered', function () {
  this.timeout(120_000);
  let sys: System;
  before(async () => {
    sys = await getSystem();
  });

  /** `table` renamed away for ~1.5 s while `run` runs: every write to it fails until it is back. */
  async function withTableAway<T>(table: string, run: () => Promise<T>): Promise<T> {
    await sys.prisma.$executeRawUnsafe(`ALTER TABLE ${table} RENAME TO ${table}_away`);
    const back = new Promise<void>((ok) => setTimeout(ok, 1_500)).then(async () => void (await sys.prisma.$executeRawUnsafe(`ALTER TABLE ${table}_away RENAME TO ${table}`)));
    try {
      return await run();
    } finally {
      await back;
    }
  }

  it('when the instruction and its risk check cannot be written for a moment, then submitOrder retries them in the step and places one order', async () => {
    const input = apiInput(uniq('submit_rec'), { trade_action: 'BUY_STOCK', quantity: 1, expiration_date: undefined, strike_price: undefined });
    const acts = createActivities({ prisma: sys.prisma, broker: sys.broker, logger: createLogger('test', 'error') });
    const answer: SubmittedUpdate = await withTableAway('capital_reservations', () => new MockActivityEnvironment().run((i: TradeInstructionInput) => acts.submitOrder(i), input));
    if ('rejected' in answer) throw new Error(`rejected: ${answer.rejected}`);
    expect(answer.recorded).to.equal(true);
    expect(sys.simulator!.orders().filter((o) => o.orderRef === input.allUseOrderId)).to.have.length(1);
    // The row, the reservation (released once the fill is terminal) and the fill are all written.
    const row = await sys.prisma.instruction.findUniqueOrThrow({ where: { id: input.allUseOrderId }, include: { order: true } });
    expect([row.status, row.order?.brokerOrderId]).to.deep.equal([answer.order.status, answer.order.brokerOrderId]);
    expect(await sys.prisma.execution.count({ where: { instructionId: input.allUseOrderId } })).to.equal(answer.order.fills.length);
  });

  it('when the outcome cannot be written for a moment, then the step retries the write and answers recorded, with one broker order', async () => {
    const coid = uniq('place_rec');
    const input = apiInput(coid, { trade_action: 'BUY_STOCK', quantity: 1, expiration_date: undefined, strike_price: undefined });
    const acts = createActivities({ prisma: sys.prisma, broker: sys.broker, logger: createLogger('test', 'error') });
    await acts.recordInstruction(input);
    // The executions table is gone for ~1.5 s: every write of the outcome fails until it is back.
    const placed: PlacedUpdate = await withTableAway('executions', () => new MockActivityEnvironment().run((i: TradeInstructionInput) => acts.placeOrder(i), input));
    expect(placed.recorded).to.equal(true);
    expect(sys.simulator!.orders().filter((o) => o.orderRef === input.allUseOrderId)).to.have.length(1);
    const row = await sys.prisma.instruction.findUniqueOrThrow({ where: { id: input.allUseOrderId }, include: { order: true } });
    expect([row.status, row.order?.brokerOrderId, row.order?.filledQuantity]).to.deep.equal([placed.order.status, placed.order.brokerOrderId, placed.order.filledQuantity]);
    expect(await sys.prisma.execution.count({ where: { instructionId: input.allUseOrderId } })).to.equal(placed.order.fills.length);
  });
});
