/**
 * The instruction's one-statement record (src/db/instructions.ts recordInstructionWithoutWebhooks):
 * the same rows as the transaction it stands in for, idempotent, and nothing written when the
 * client has a webhook endpoint (that client's RECEIVED event must be written with the row).
 * The same for an outcome's two-round-trip record (recordOutcomeWithoutWebhooks): the rows of the
 * transaction, no fill booked twice by a retry, nothing written for a client with an endpoint.
 * Needs only PostgreSQL (a database of its own, migrated, dropped after).
 */
import { expect } from 'chai';
import { disconnectPrisma, getPrisma, type PrismaClient } from '../../src/db/client';
import { dropDatabase, migrate } from '../../src/db/migrate';
import { recordInstruction, recordInstructionWithoutWebhooks, recordOutcome, recordOutcomeWithoutWebhooks, type InstructionRecord, type PositionContract } from '../../src/db/instructions';
import { createWebhookEndpoint } from '../../src/db/webhooks';
import { releaseReservation } from '../../src/db/reservations';
import { testDatabaseUrl } from './_system';

const record = (id: string, clientName: string, clientOrderId: string): InstructionRecord => ({
  allUseOrderId: id,
  clientName,
  source: 'STARLAB',
  requestHash: `hash-${id}`,
  workflowId: `instruction-${id}`,
  submittedFrom: { ip: '127.0.0.1', requestId: `req-${id}` },
  instruction: {
    starlab_strategy_id: 'S1',
    scheme_type: 'DIS',
    symbol: 'AAPL',
    trade_action: 'BUY_TO_OPEN_CALL',
    quantity: 2,
    order_type: 'LIMIT',
    limit_price: 1.25,
    expiration_date: '2030-01-18',
    strike_price: 150.5,
    time_in_force: 'DAY',
    client_order_id: clientOrderId,
    account_tag: 'TAG',
  },
});

describe('db: recording an instruction in one statement', function () {
  this.timeout(120_000);
  const url = testDatabaseUrl('recordfast');
  let prisma: PrismaClient;
  before(async () => {
    await dropDatabase(url);
    await migrate(url);
    prisma = getPrisma(url);
  });
  after(async () => {
    await disconnectPrisma(prisma);
    await dropDatabase(url).catch(() => undefined);
  });

  const rowOf = async (id: string) => {
    const { createdAt: _c, updatedAt: _u, ...row } = (await prisma.instruction.findUniqueOrThrow({ where: { id } })) as Record<string, unknown> & { createdAt: Date; updatedAt: Date };
    return { ...row, limitPrice: String(row.limitPrice), strikePrice: String(row.strikePrice) };
  };
  const audits = (target: string) => prisma.auditLog.findMany({ where: { target, action: 'INSTRUCTION_SUBMITTED' }, select: { actor: true, outcome: true, detail: true } });

  it('when a client without webhook endpoints submits, then the row and its audit row equal what the transaction writes, once', async () => {
    expect(await recordInstructionWithoutWebhooks(prisma, record('au_fast', 'client-a', 'c1'))).to.equal(true);
    await recordInstruction(prisma, record('au_tx', 'client-a', 'c2'), async () => undefined);
    const [fast, tx] = [await rowOf('au_fast'), await rowOf('au_tx')];
    expect({ ...fast, id: 'x', clientOrderId: 'x', requestHash: 'x', workflowId: 'x' }).to.deep.equal({ ...tx, id: 'x', clientOrderId: 'x', requestHash: 'x', workflowId: 'x' });
    expect(fast).to.include({ status: 'PENDING_SUBMIT', limitPrice: '1.25', strikePrice: '150.5', quantity: 2, accountTag: 'TAG', workflowId: 'instruction-au_fast' });
    expect((await audits('au_fast')).map((a) => a.detail)).to.deep.equal((await audits('au_tx')).map((a) => ({ ...(a.detail as object), client_order_id: 'c1', request_id: 'req-au_fast' })));

    // A retried activity (same id) and a second instruction with the same client order id write nothing more.
    expect(await recordInstructionWithoutWebhooks(prisma, record('au_fast', 'client-a', 'c1'))).to.equal(true);
    expect(await recordInstructionWithoutWebhooks(prisma, record('au_other', 'client-a', 'c1'))).to.equal(true);
    expect(await prisma.instruction.count({ where: { clientName: 'client-a', clientOrderId: 'c1' } })).to.equal(1);
    expect(await prisma.instruction.count({ where: { id: 'au_other' } })).to.equal(0);
    expect(await audits('au_fast')).to.have.length(1);
  });

  it('when the client has a webhook endpoint, then nothing is written and the caller is told to take the transaction', async () => {
    await createWebhookEndpoint(prisma, { clientName: 'client-b', url: 'http://127.0.0.1:9/hook', createdBy: 'test' });
    expect(await recordInstructionWithoutWebhooks(prisma, record('au_hooked', 'client-b', 'c1'))).to.equal(false);
    expect(await prisma.instruction.count({ where: { id: 'au_hooked' } })).to.equal(0);
    expect(await audits('au_hooked')).to.have.length(0);
  });

  it('when a reservation is released twice, then it keeps the first release time', async () => {
    await prisma.capitalReservation.create({ data: { instructionId: 'au_fast', segment: 'TAG', amountCents: 100n } });
    await releaseReservation(prisma, 'au_fast');
    const first = (await prisma.capitalReservation.findUniqueOrThrow({ where: { instructionId: 'au_fast' } })).releasedAt;
    expect(first).to.be.instanceOf(Date);
    await releaseReservation(prisma, 'au_fast');
    expect((await prisma.capitalReservation.findUniqueOrThrow({ where: { instructionId: 'au_fast' } })).releasedAt?.getTime()).to.equal(first!.getTime());
  });
  describe('recording an outcome in two round trips', () => {
    const contract: PositionContract = { symbol: 'AAPL', secType: 'OPT', expiry: '20300118', strike: 150.5, right: 'C', multiplier: 100, sign: 1 };
    const outcome = (status: string, filled: number, avg: number | null, commission: number) => ({
      status,
      filledQuantity: filled,
      averageFillPrice: avg,
      commission,
      brokerOrderId: '7',
      rejectReason: null,
    });
    const fill = (execId: string, shares: number, price: number, commission?: number) => ({
      execId,
      time: '2030-01-02T15:00:00.000Z',
      shares,
      price,
      ...(commission !== undefined ? { commission } : {}),
    });
    const booked = async (id: string, owner: string) => {
      const { createdAt: _c, updatedAt: _u, id: _i, instructionId: _x, orderRef: _r, ...order } = await prisma.order.findUniqueOrThrow({ where: { instructionId: id } });
      const execs = await prisma.execution.findMany({ where: { instructionId: id }, orderBy: { execId: 'asc' }, select: { shares: true, price: true, commission: true } });
      const p = await prisma.position.findFirstOrThrow({ where: { ownerId: owner } });
      const instr = await prisma.instruction.findUniqueOrThrow({ where: { id } });
      return {
        status: instr.status,
        order: { ...order, avgFillPrice: String(order.avgFillPrice), commission: String(order.commission) },
        execs: execs.map((e) => [e.shares, String(e.price), String(e.commission)]),
        position: [p.quantity, String(p.avgPrice), String(p.realizedPnlCents), p.openInstructionId === id],
      };
    };
    // Two partial fills, then the same outcome again (a retried step) with a commission reported late, then a sale.
    const steps = (id: string, owner: string, fast: boolean) => {
      const pos = { ownerKind: 'STRATEGY', ownerId: owner, contract };
      const run = async (o: ReturnType<typeof outcome>, fills: ReturnType<typeof fill>[], p = pos) => {
        const order = { brokerOrderId: 7, permId: 9, fills };
        if (fast) expect(await recordOutcomeWithoutWebhooks({ prisma, allUseOrderId: id, outcome: o, order, position: p, releaseReservation: o.status === 'FILLED' })).to.equal(true);
        else await recordOutcome(prisma, id, o, order, p);
      };
      return { run, pos };
    };
    const scenario = async (id: string, owner: string, fast: boolean) => {
      const { run, pos } = steps(id, owner, fast);
      await run(outcome('PARTIALLY_FILLED', 1, 1.25, 0), [fill(`${id}.1`, 1, 1.25)]);
      await run(outcome('FILLED', 2, 1.3, 0), [fill(`${id}.1`, 1, 1.25), fill(`${id}.2`, 1, 1.35)]);
      await run(outcome('FILLED', 2, 1.3, 2.5), [fill(`${id}.1`, 1, 1.25, 1.25), fill(`${id}.2`, 1, 1.35, 1.25)]);
      await run(outcome('FILLED', 2, 1.3, 2.5), [fill(`${id}.1`, 1, 1.25, 1.25), fill(`${id}.2`, 1, 1.35, 1.25)]);
      await run(outcome('FILLED', 2, 1.3, 2.5), [fill(`${id}.3`, 1, 2)], { ...pos, contract: { ...contract, sign: -1 } });
    };

    it('when fills are recorded, retried and reduced, then the rows equal what the transaction writes and no fill is booked twice', async () => {
      await recordInstructionWithoutWebhooks(prisma, record('au_out_fast', 'client-a', 'o1'));
      await recordInstructionWithoutWebhooks(prisma, record('au_out_tx', 'client-a', 'o2'));
      await prisma.capitalReservation.create({ data: { instructionId: 'au_out_fast', segment: 'TAG', amountCents: 100n } });
      await scenario('au_out_fast', 'client-a:FAST', true);
      await scenario('au_out_tx', 'client-a:TX', false);
      const fast = await booked('au_out_fast', 'client-a:FAST');
      expect(fast).to.deep.equal(await booked('au_out_tx', 'client-a:TX'));
      // 1 @ 1.25 + 1 @ 1.35, one sold at 2.00: 1 left at 1.30, (2.00 - 1.30) × 100 × 100 cents realised.
      expect(fast.position).to.deep.equal([1, '1.3', '7000', true]);
      expect(fast.execs).to.deep.equal([
        [1, '1.25', '1.25'],
        [1, '1.35', '1.25'],
        [1, '2', 'null'],
      ]);
      expect(fast.order).to.include({ status: 'FILLED', filledQuantity: 2, avgFillPrice: '1.3', commission: '2.5', brokerOrderId: 7, permId: 9 });
      expect((await prisma.capitalReservation.findUniqueOrThrow({ where: { instructionId: 'au_out_fast' } })).releasedAt).to.be.instanceOf(Date);
    });

    it('when the client has a webhook endpoint, then nothing is written and the caller is told to take the transaction', async () => {
      await recordInstruction(prisma, record('au_out_hooked', 'client-b', 'o3'), async () => undefined);
      const r = await recordOutcomeWithoutWebhooks({
        prisma,
        allUseOrderId: 'au_out_hooked',
        outcome: outcome('FILLED', 1, 1.25, 0),
        order: { brokerOrderId: 7, fills: [fill('h.1', 1, 1.25)] },
        position: { ownerKind: 'STRATEGY', ownerId: 'client-b:S1', contract },
        releaseReservation: true,
      });
      expect(r).to.equal(false);
      expect((await prisma.instruction.findUniqueOrThrow({ where: { id: 'au_out_hooked' } })).status).to.equal('PENDING_SUBMIT');
      expect(await prisma.order.count({ where: { instructionId: 'au_out_hooked' } })).to.equal(0);
      expect(await prisma.execution.count({ where: { instructionId: 'au_out_hooked' } })).to.equal(0);
      expect(await prisma.position.count({ where: { ownerId: 'client-b:S1' } })).to.equal(0);
    });

    it('when the instruction has no row, then it throws and writes nothing', async () => {
      let err: unknown;
      await recordOutcomeWithoutWebhooks({
        prisma,
        allUseOrderId: 'au_missing',
        outcome: outcome('FILLED', 1, 1.25, 0),
        order: { brokerOrderId: 7, fills: [fill('m.1', 1, 1.25)] },
        position: null,
        releaseReservation: false,
      }).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(Error);
      expect(await prisma.order.count({ where: { instructionId: 'au_missing' } })).to.equal(0);
    });
  });
});
