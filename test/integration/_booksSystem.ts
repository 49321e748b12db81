/**
 * Harness of the books tests: its own IB simulator on a manual clock with its account kept in a
 * state file, its own database, broker, worker and task queue, an operator API, over the shared
 * Temporal server of getSystem(). Plus the one helper every books test ends with:
 * `expectBooksEqualBroker` — positions, cash and realised P&L, to the cent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createIbBroker, type IbBroker } from '../../activities/broker/ib-adapter';
import { createApp, startServer, type RunningServer } from '../../src/api/app';
import { disconnectPrisma, getPrisma, type PrismaClient } from '../../src/db/client';
import { dropDatabase, migrate } from '../../src/db/migrate';
import { bookCashCents, ownerEvents, owners } from '../../src/db/books';
import { contractKey, realizedNet, type ContractRef } from '../../src/domain/reconcile';
import { startSimulator, type Simulator } from '../../src/ib-sim';
import { createLogger } from '../../src/logger';
import type { System } from '../../src/system';
import { createWorker } from '../../src/worker';
import { reconciliationWorkflowId, type ReconciliationSummary } from '../../src/contracts/workflows/reconciliation';
import { startReconciliation } from '../../src/reconcileTrigger';
import { TRADE_INSTRUCTION_WORKFLOW, instructionWorkflowId, type InstructionState, type TradeInstructionInput } from '../../src/contracts/workflows/tradeInstruction';
import type { TradeInstruction } from '../../src/contracts/instruction';
import { getSystem, testDatabaseUrl } from './_system';

export interface BooksHarness {
  sys: System;
  prisma: PrismaClient;
  sim: Simulator;
  broker: IbBroker;
  worker: Worker;
  api: RunningServer;
  taskQueue: string;
  operatorToken: string;
  dbUrl: string;
  stateDir: string;
  stop(): Promise<void>;
}

export async function startBooksHarness(opts: {
  startTime: string;
  clientId: number;
  prices?: Record<string, number>;
  /** wraps the worker's activities (a test that delays one of them) */
  activities?: Parameters<typeof createWorker>[0]['activities'];
}): Promise<BooksHarness> {
  const sys = await getSystem();
  const dbUrl = testDatabaseUrl(`books${opts.clientId}`);
  await dropDatabase(dbUrl);
  await migrate(dbUrl);
  const prisma = getPrisma(dbUrl);
  const logger = createLogger('books-test', process.env.TEST_LOG_LEVEL ?? 'error');
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'books-sim-'));
  const sim = await startSimulator({
    port: 0,
    adminPort: 0,
    clock: 'manual',
    priceModel: 'static',
    startTime: opts.startTime,
    startingCash: 1_000_000,
    prices: opts.prices ?? { AAPL: 200, MSFT: 400 },
    stateFile: path.join(stateDir, 'ib-sim-account.json'),
  });
  const broker = createIbBroker({ host: '127.0.0.1', port: sim.port, clientId: opts.clientId, account: 'DU1234567', logger, reconnectMaxMs: 500 });
  const taskQueue = `books-test-${process.pid}-${opts.clientId}`;
  const connection = await NativeConnection.connect({ address: sys.temporalAddress });
  const worker = await createWorker({ connection, namespace: sys.config.temporalNamespace, taskQueue, deps: { prisma, broker, logger }, ...(opts.activities ? { activities: opts.activities } : {}) });
  const run = worker.run();
  const operatorToken = 'books-test-operator-token-0123456789';
  const api = await startServer(createApp({ temporal: sys.client, prisma, taskQueue, logger, operatorToken }), 0);
  return {
    sys,
    prisma,
    sim,
    broker,
    worker,
    api,
    taskQueue,
    operatorToken,
    dbUrl,
    stateDir,
    async stop() {
      await api.close();
      worker.shutdown();
      await run.catch(() => undefined);
      await connection.close();
      await broker.marketData?.close();
      await broker.disconnect();
      await sim.close();
      await disconnectPrisma(prisma);
      await dropDatabase(dbUrl).catch(() => undefined);
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

let seq = 0;
/** Runs one STAR-LAB instruction to its end through tradeInstruction (source STARLAB). */
export async function instruct(
  h: BooksHarness,
  i: Partial<TradeInstruction> & Pick<TradeInstruction, 'starlab_strategy_id' | 'trade_action' | 'symbol'>,
  wait = true,
  extra: Partial<TradeInstructionInput> = {},
): Promise<{ id: string; state?: InstructionState }> {
  const id = `au_books_${process.pid}_${Date.now().toString(36)}_${seq++}`;
  const instruction = { scheme_type: 'DIS', quantity: 1, order_type: 'MARKET', time_in_force: 'DAY', client_order_id: id, account_tag: 'BOOKS', ...i } as TradeInstruction;
  const input: TradeInstructionInput = { allUseOrderId: id, clientName: 'lab', source: 'STARLAB', requestHash: id, instruction, receivedAt: new Date().toISOString(), ...extra };
  const handle = await h.sys.client.workflow.start(TRADE_INSTRUCTION_WORKFLOW, { taskQueue: h.taskQueue, workflowId: instructionWorkflowId(id), args: [input] });
  if (!wait) return { id };
  const state = (await handle.result()) as InstructionState;
  return { id, state };
}

/** Runs the reconciliation workflow now and waits for its summary. */
export async function reconcileNow(h: BooksHarness): Promise<ReconciliationSummary> {
  const id = reconciliationWorkflowId.onDemand('test', `${new Date().toISOString()}-${seq++}`);
  return (await startReconciliation(h.sys.client, h.taskQueue, id, 'test'))();
}

const simContract = (p: { symbol: string; secType: string; expiry?: string; strike?: number; right?: string }): ContractRef =>
  p.secType === 'OPT'
    ? { symbol: p.symbol, secType: 'OPT', expiry: p.expiry ?? '', strike: String(p.strike), right: p.right ?? '' }
    : { symbol: p.symbol, secType: 'STK', expiry: '', strike: '0', right: '' };

/**
 * The books equal the broker: every contract's net position (all owners), the broker-cash the
 * books explain, and realised P&L (IB's, net of commissions: the sum over every owner's fills and
 * lifecycle bookings against the sum of the broker's executions' realised P&L), to the cent.
 */
export async function expectBooksEqualBroker(h: BooksHarness): Promise<void> {
  const book = new Map<string, number>();
  for (const p of await h.prisma.position.findMany({ where: { quantity: { not: 0 } } })) {
    const k = contractKey({ symbol: p.symbol, secType: p.secType as 'STK' | 'OPT', expiry: p.expiry, strike: p.strike.toString(), right: p.right });
    book.set(k, (book.get(k) ?? 0) + p.quantity);
  }
  const broker = new Map(h.sim.positions().map((p) => [contractKey(simContract(p)), p.quantity]));
  expect(Object.fromEntries([...book].filter(([, q]) => q !== 0).sort()), 'positions').to.deep.equal(Object.fromEntries([...broker].sort()));
  expect(await bookCashCents(h.prisma), 'cash (cents)').to.equal(Math.round(h.sim.cash() * 100));
  let booksRealized = 0;
  for (const o of await owners(h.prisma)) booksRealized += realizedNet(await ownerEvents(h.prisma, o.ownerKind, o.ownerId)).realizedCents;
  const brokerRealized = h.sim.executions().reduce((s, e) => s + Math.round((e.realizedPnl ?? 0) * 100), 0);
  expect(booksRealized, 'realised P&L (cents)').to.equal(brokerRealized);
}
