/**
 * The instruction's one-statement record (src/db/instructions.ts recordInstructionWithoutWebhooks):
 * the same rows as the transaction it stands in for, idempotent, and nothing written when the
 * client has a webhook endpoint (that client's RECEIVED event must be written with the row).
 * Needs only PostgreSQL (a database of its own, migrated, dropped after).
 */
import { expect } from 'chai';
import { disconnectPrisma, getPrisma, type PrismaClient } from '../../src/db/client';
import { dropDatabase, migrate } from '../../src/db/migrate';
import { recordInstruction, recordInstructionWithoutWebhooks, type InstructionRecord } from '../../src/db/instructions';
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
});
