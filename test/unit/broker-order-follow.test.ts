/**
 * awaitOrderUpdate against fake brokers that answer at once: the wait must yield to the event
 * loop, ask the broker a bounded number of times, heartbeat, stop on cancellation, and turn an
 * order the broker does not know into one recorded reconciliation case, never a loop.
 */
import { expect } from 'chai';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createOrderFollower, MIN_ASK_INTERVAL_MS, summaryKey, type BrokerUpdate } from '../../activities/orderFollow';
import type { Broker, BrokerOrderState } from '../../src/contracts/broker';
import { createLogger } from '../../src/logger';

const working: BrokerOrderState = { orderRef: 'ord-1', brokerOrderId: 1001, status: 'SUBMITTED', filledQuantity: 0, remainingQuantity: 1, commission: 0, fills: [], commissionsComplete: true };

/** A broker whose every answer is immediate (the shape that made the old loop spin). */
function instantBroker(state: BrokerOrderState | null, found: BrokerOrderState | null = null) {
  const calls = { findOrder: 0, waitForUpdate: 0, searchOrder: 0 };
  const broker: Broker = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    isConnected: () => true,
    findOrder: async () => (calls.findOrder++, state),
    searchOrder: async () => (calls.searchOrder++, found),
    placeOrder: async () => working,
    cancelOrder: async () => undefined,
    waitForUpdate: async () => (calls.waitForUpdate++, state),
  };
  return { broker, calls };
}

/** The slice of Prisma the follower uses, in memory: audit rows and the booked order. */
function fakePrisma(booked: { status: string; brokerOrderId?: number; filledQuantity?: number; executions?: number }) {
  const audit: { action: string; target: string; detail: { instruction: string; case: string; evidence: Record<string, unknown> } }[] = [];
  const prisma = {
    instruction: {
      findUnique: async () => ({
        status: booked.status,
        order: booked.brokerOrderId ? { brokerOrderId: booked.brokerOrderId, filledQuantity: booked.filledQuantity ?? 0, avgFillPrice: null, commission: 0 } : null,
        _count: { executions: booked.executions ?? 0 },
      }),
    },
    /** recordReconciliationCase's INSERT … WHERE NOT EXISTS, by its parameters (action, target, detail, …, case). */
    $executeRaw: async (_sql: TemplateStringsArray, action: string, target: string, detail: string) => {
      const d = JSON.parse(detail) as (typeof audit)[number]['detail'];
      if (audit.some((a) => a.target === target && a.detail.case === d.case)) return 0;
      audit.push({ action, target, detail: d });
      return 1;
    },
  };
  return { prisma: prisma as never, audit };
}

const logger = createLogger('test', 'error');

describe('awaitOrderUpdate (orderFollow)', () => {
  it('when the broker answers at once about a working order, then the wait yields to the event loop, asks a bounded number of times and returns at the slice end', async () => {
    const { broker, calls } = instantBroker(working);
    const { prisma } = fakePrisma({ status: 'SUBMITTED' });
    const env = new MockActivityEnvironment();
    let heartbeats = 0;
    env.on('heartbeat', () => heartbeats++);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10); // runs only if the event loop turns
    let immediate = false;
    setImmediate(() => (immediate = true));
    const sliceMs = 1200;
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    const r: BrokerUpdate = await env.run(createOrderFollower({ prisma, broker, logger }).awaitOrderUpdate, 'ord-1', sliceMs, summaryKey(working));
    const elapsed = Date.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(ticker);
    expect(r.order.status).to.equal('SUBMITTED');
    expect(immediate, 'a setImmediate callback ran during the wait').to.equal(true);
    expect(ticks, 'timer ticks during the wait').to.be.greaterThan(sliceMs / 10 / 4);
    expect(elapsed).to.be.within(sliceMs - 10, sliceMs + 800);
    expect(calls.findOrder).to.be.at.most(Math.ceil(sliceMs / MIN_ASK_INTERVAL_MS) + 1);
    expect(heartbeats).to.be.greaterThan(0);
    expect((cpu.user + cpu.system) / 1000, 'CPU ms spent waiting').to.be.lessThan(elapsed / 2);
  });

  it('when the activity is cancelled while the broker answers at once, then it stops at once', async () => {
    const { broker } = instantBroker(working);
    const { prisma } = fakePrisma({ status: 'SUBMITTED' });
    const env = new MockActivityEnvironment();
    const t0 = Date.now();
    setTimeout(() => env.cancel(), 300);
    const err = await env.run(createOrderFollower({ prisma, broker, logger }).awaitOrderUpdate, 'ord-1', 60_000, summaryKey(working)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(Error);
    expect(Date.now() - t0).to.be.lessThan(1500);
  });

  it('when the broker has no trace of an order it never acknowledged, then it ends REJECTED NOT_PLACED, recorded once', async () => {
    const { broker, calls } = instantBroker(null, null);
    const { prisma, audit } = fakePrisma({ status: 'PENDING_SUBMIT', brokerOrderId: 1001 });
    const follow = createOrderFollower({ prisma, broker, logger }).awaitOrderUpdate;
    const env = new MockActivityEnvironment();
    const t0 = Date.now();
    const r: BrokerUpdate = await env.run(follow, 'ord-1', 300_000, 'PENDING_SUBMIT|0|0|true');
    expect(Date.now() - t0).to.be.lessThan(1000);
    expect(r.summary).to.include({ status: 'REJECTED', commissionsComplete: true });
    expect(r.summary.rejectReason).to.match(/^NOT_PLACED: /);
    expect(calls.searchOrder).to.equal(1);
    await env.run(follow, 'ord-1', 300_000, 'PENDING_SUBMIT|0|0|true'); // a retried activity
    expect(audit).to.have.length(1);
    expect(audit[0]).to.deep.include({ action: 'RECONCILIATION_CASE', target: 'instruction:ord-1' });
    expect(audit[0]!.detail).to.include({ instruction: 'ord-1', case: 'NOT_PLACED' });
    expect(audit[0]!.detail.evidence).to.have.property('booked');
  });

  it('when the broker has no trace of an order it acknowledged, then it ends CANCELLED BROKER_LOST_ORDER with what the books hold', async () => {
    const { broker } = instantBroker(null, null);
    const { prisma, audit } = fakePrisma({ status: 'PARTIALLY_FILLED', brokerOrderId: 1001, filledQuantity: 2, executions: 1 });
    const env = new MockActivityEnvironment();
    const r: BrokerUpdate = await env.run(createOrderFollower({ prisma, broker, logger }).awaitOrderUpdate, 'ord-1', 300_000, 'PARTIALLY_FILLED|2|0|true');
    expect(r.summary).to.include({ status: 'CANCELLED', filledQuantity: 2, commissionsComplete: true });
    expect(r.summary.rejectReason).to.match(/^BROKER_LOST_ORDER: /);
    expect(audit.map((a) => a.detail.case)).to.deep.equal(['BROKER_LOST_ORDER']);
  });

  it('when the order is missing from the book but a fresh search at the broker finds it, then it is followed from there (FOUND_ELSEWHERE)', async () => {
    const { broker } = instantBroker(null, { ...working, status: 'FILLED', filledQuantity: 1 });
    const { prisma, audit } = fakePrisma({ status: 'SUBMITTED', brokerOrderId: 1001 });
    const env = new MockActivityEnvironment();
    const r: BrokerUpdate = await env.run(createOrderFollower({ prisma, broker, logger }).awaitOrderUpdate, 'ord-1', 300_000, 'SUBMITTED|0|0|true');
    expect(r.summary).to.include({ status: 'FILLED', filledQuantity: 1 });
    expect(audit.map((a) => a.detail.case)).to.deep.equal(['FOUND_ELSEWHERE']);
  });
});
