/**
 * The instruction's one-statement record (src/db/instructions.ts recordInstructionWithoutWebhooks):
 * the same rows as the transaction it stands in for, idempotent, and nothing written when the
 * client has a webhook endpoint (that client's RECEIVED event must be written with the row).
 * The same for an outcome's two-round-trip record (recordOutcomeWithoutWebhooks): the rows of the
 * transaction, no fill booked twice by a retry, nothing written for a client with an endpoint.
 * And the instruction recorded by the risk check (activities/risk.ts with a record, the workflow's
 * first step): the row, its audit row and the reservation in ONE transaction.
 * Needs only PostgreSQL (a database of its own, migrated, dropped after).
 */
import { expect } from 'chai';
import { disconnectPrisma, getPrisma, type PrismaClient } from '../../src/db/client';
import { dropDatabase, migrate } from '../../src/db/migrate';
import { recordInstruction, recordInstructionWithoutWebhooks, recordOutcome, recordOutcomeWithoutWebhooks, type InstructionRecord, type PositionContract } from '../../src/db/instructions';
import { createWebhookEndpoint } from '../../src/db/webhooks';
import { releaseReservation } from '../../src/db/reservations';
import { lastFillPrice } from '../../src/db/positions';
import { prismaRiskStore } from '../../src/db/riskInputs';
import { checkInstructionRisk } from '../../activities/risk';
import { DEFAULT_RISK_SETTINGS } from '../../src/domain/risk';
import type { TradeInstructionInput } from '../../src/contracts/workflows/tradeInstruction';
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

    it("when fills are recorded, then a contract's last fill is found by its own key (call, put and stock apart, any strike notation) in one index probe", async () => {
      const of = (id: string, action: 'BUY_TO_OPEN_CALL' | 'BUY_TO_OPEN_PUT' | 'BUY_STOCK', strike?: number) => {
        const r = record(id, 'client-lf', id);
        r.instruction = { ...r.instruction, symbol: 'LFT', trade_action: action, ...(strike === undefined ? { strike_price: undefined, expiration_date: undefined } : { strike_price: strike }) };
        return r;
      };
      const fillOf = async (id: string, price: number, k: number) => {
        const order = { brokerOrderId: 70 + k, permId: 90 + k, fills: [{ execId: `${id}.1`, time: '2030-01-02T15:00:00.000Z', shares: 1, price }] };
        expect(await recordOutcomeWithoutWebhooks({ prisma, allUseOrderId: id, outcome: outcome('FILLED', 1, price, 0), order, position: null, releaseReservation: false })).to.equal(true);
      };
      const call = { symbol: 'LFT', secType: 'OPT' as const, expiry: '20300118', strike: '150.5', right: 'C' };
      expect(await lastFillPrice(prisma, call)).to.equal(null);
      const cases: [string, 'BUY_TO_OPEN_CALL' | 'BUY_TO_OPEN_PUT' | 'BUY_STOCK', number | undefined, number][] = [
        ['au_lf_c1', 'BUY_TO_OPEN_CALL', 150.5, 1.1],
        ['au_lf_p1', 'BUY_TO_OPEN_PUT', 150.5, 2.2],
        ['au_lf_s1', 'BUY_STOCK', undefined, 201.5],
        ['au_lf_c2', 'BUY_TO_OPEN_CALL', 150.5, 1.4],
        ['au_lf_c3', 'BUY_TO_OPEN_CALL', 155, 0.7],
      ];
      for (const [k, [id, action, strike, price]] of cases.entries()) {
        expect(await recordInstructionWithoutWebhooks(prisma, of(id, action, strike))).to.equal(true);
        await fillOf(id, price, k);
      }
      expect(await lastFillPrice(prisma, call)).to.equal('1.4');
      expect(await lastFillPrice(prisma, { ...call, strike: '150.50' })).to.equal('1.4');
      expect(await lastFillPrice(prisma, { ...call, right: 'P' })).to.equal('2.2');
      expect(await lastFillPrice(prisma, { ...call, strike: '155' })).to.equal('0.7');
      expect(await lastFillPrice(prisma, { symbol: 'LFT', secType: 'STK', expiry: '', strike: '0', right: '' })).to.equal('201.5');
      expect(await lastFillPrice(prisma, { ...call, symbol: 'MSFT' })).to.equal(null);
      // Whatever the history: the contract's own index, newest first, never a scan of the symbol's fills.
      // A table this small is scanned whole by choice: forbidden (in one transaction, one connection) to see the index serves the query.
      const forced = await prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
        return tx.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(
          `EXPLAIN SELECT price FROM executions WHERE contract_key = instruction_contract_key('LFT', 'BUY_TO_OPEN_CALL', '2030-01-18', 150.5) ORDER BY created_at DESC, exec_id DESC LIMIT 1`,
        );
      });
      expect(forced.map((r) => r['QUERY PLAN']).join('\n')).to.match(/Index Scan using executions_contract_key_created_at_exec_id_idx/);
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
  describe('recording the instruction with its risk check', () => {
    const clock = { now: () => new Date('2026-12-07T15:00:00Z') };
    const inputOf = (r: InstructionRecord): TradeInstructionInput => ({
      allUseOrderId: r.allUseOrderId,
      clientName: r.clientName,
      source: 'STARLAB',
      requestHash: r.requestHash,
      instruction: r.instruction,
      receivedAt: clock.now().toISOString(),
      ...(r.submittedFrom ? { submittedFrom: r.submittedFrom } : {}),
    });
    const check = (r: InstructionRecord) => checkInstructionRisk({ store: prismaRiskStore(prisma), settings: DEFAULT_RISK_SETTINGS, clock }, inputOf(r), r);
    /** The transaction that wrote a row (PostgreSQL's xmin). */
    const xminOf = async (table: 'instructions' | 'capital_reservations' | 'audit_log', where: string, id: string) =>
      (await prisma.$queryRawUnsafe<{ x: string }[]>(`SELECT xmin::text AS x FROM ${table} WHERE ${where} = $1`, id)).map((r) => r.x);

    it('when an instruction passes, then its row, its audit row and its reservation are written by one transaction, and a retry adds nothing', async () => {
      // A quote in a value: the batch writes literals, not parameters.
      const r = { ...record('au_risk1', "client-o'c", 'rc1'), submittedFrom: { ip: '127.0.0.1', requestId: "req-'quoted'" } };
      expect(await check(r)).to.deep.equal({ ok: true });
      const [row] = await xminOf('instructions', 'id', 'au_risk1');
      expect(row, 'instruction row').to.be.a('string');
      expect(await xminOf('capital_reservations', 'instruction_id', 'au_risk1')).to.deep.equal([row]);
      expect(await xminOf('audit_log', 'target', 'au_risk1')).to.deep.equal([row]);
      expect(await rowOf('au_risk1')).to.include({ clientName: "client-o'c", clientOrderId: 'rc1', status: 'PENDING_SUBMIT', limitPrice: '1.25', strikePrice: '150.5' });
      expect((await audits('au_risk1')).map((a) => a.detail)).to.deep.equal([{ client_order_id: 'rc1', starlab_strategy_id: 'S1', ip: '127.0.0.1', request_id: "req-'quoted'" }]);
      const reserved = (await prisma.capitalReservation.findUniqueOrThrow({ where: { instructionId: 'au_risk1' } })).amountCents;
      expect(Number(reserved)).to.be.greaterThan(0);

      expect(await check(r)).to.deep.equal({ ok: true });
      expect(await prisma.instruction.count({ where: { id: 'au_risk1' } })).to.equal(1);
      expect(await audits('au_risk1')).to.have.length(1);
      expect((await prisma.capitalReservation.findUniqueOrThrow({ where: { instructionId: 'au_risk1' } })).amountCents).to.equal(reserved);
    });

    it('when an instruction is rejected, then its row is still written and nothing is reserved', async () => {
      const big = record('au_risk2', 'client-c', 'rc2');
      big.instruction = { ...big.instruction, quantity: 100_000 };
      const verdict = await check(big);
      expect(verdict).to.include({ ok: false });
      expect(await rowOf('au_risk2')).to.include({ status: 'PENDING_SUBMIT', quantity: 100_000 });
      expect(await prisma.capitalReservation.count({ where: { instructionId: 'au_risk2' } })).to.equal(0);
    });

    it('when the client has a webhook endpoint, then nothing is written or decided and the caller is told to record it its own way', async () => {
      await createWebhookEndpoint(prisma, { clientName: 'client-d', url: 'http://127.0.0.1:9/hook', createdBy: 'test' });
      expect(await check(record('au_risk3', 'client-d', 'rc3'))).to.equal(null);
      expect(await prisma.instruction.count({ where: { id: 'au_risk3' } })).to.equal(0);
      expect(await prisma.capitalReservation.count({ where: { instructionId: 'au_risk3' } })).to.equal(0);
      expect(await audits('au_risk3')).to.have.length(0);
    });
  });
});
