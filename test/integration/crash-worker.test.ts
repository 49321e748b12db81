/**
 * Crash tests: the worker runs as its own OS process on a dedicated task queue against the
 * harness's Temporal, PostgreSQL and IB simulator, and is SIGKILLed while an order is at the
 * broker and its result is not recorded yet. A restarted worker process (same IB client id)
 * must finish the instruction FILLED with exactly one broker order and one execution row.
 *
 * Timing: after a SIGKILL Temporal notices the dead attempt only through its timeouts. For
 * awaitOrderUpdate that is the 30 s heartbeat timeout (the test waits for it for real). For
 * submitOrder it is the 2 min start-to-close timeout; the test stands in for it by failing the
 * dead attempt by id (what the timeout would do) unless CRASH_TEST_REAL_TIMEOUTS=1.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { allUseOrderId, requestHash } from '../../src/contracts/ids';
import { parseTradeInstruction } from '../../src/contracts/instruction';
import type { System } from '../../src/system';
import { tradeInstruction } from '../../workflows/tradeInstruction';
import { INSTRUCTION_INPUT_VERSION, instructionWorkflowId, type InstructionState, type TradeInstructionInput } from '../../src/contracts/workflows/tradeInstruction';
import { getSystem, until } from './_system';
import { HELD_MARK, HOOKED_WORKER, PRODUCTION_WORKER, WorkerProcess, type WorkerEnv } from './_workerProcess';
import { seedInstruction } from '../fixtures/instructions';

const REAL_TIMEOUTS = process.env.CRASH_TEST_REAL_TIMEOUTS === '1';
/** Not the harness worker's (11) nor its market-data connection's (111). */
const IB_CLIENT_ID = 57;
let n = 0;

describe('worker crash (separate worker process, SIGKILL)', function () {
  this.timeout(REAL_TIMEOUTS ? 300_000 : 120_000);
  let sys: System;
  let env: WorkerEnv;
  let worker: WorkerProcess | undefined;
  let logFile: string;

  const sim = () => sys.simulator!;
  const simOrders = (ref: string) =>
    sim()
      .orders()
      .filter((o) => o.orderRef === ref);
  const startWorker = async (entry: string, hold = false) => {
    worker = WorkerProcess.start(entry, { ...env, hold });
    await worker.ready();
    return worker;
  };
  /** The production worker, started unless one is running (each test may run alone with -g). */
  const runningWorker = async () => (worker?.alive ? worker : startWorker(PRODUCTION_WORKER));

  /** Starts tradeInstruction on the test's queue with the input the API builds (src/api/submit.ts). */
  async function submit(tag: string): Promise<{ id: string; handle: WorkflowHandle<typeof tradeInstruction> }> {
    const coid = `crash_${tag}_${process.pid}_${Date.now()}_${n++}`;
    const parsed = parseTradeInstruction(seedInstruction({ starlab_strategy_id: `CRASH_${tag}_${process.pid}`, client_order_id: coid }));
    if (!parsed.success) throw new Error(`bad test instruction: ${JSON.stringify(parsed.errors)}`);
    const id = allUseOrderId('local', coid);
    const input: TradeInstructionInput = {
      allUseOrderId: id,
      clientName: 'local',
      source: 'STARLAB',
      requestHash: requestHash(parsed.data),
      instruction: parsed.data,
      receivedAt: new Date().toISOString(),
      inputVersion: INSTRUCTION_INPUT_VERSION, // the steps the API's instructions take today
    };
    const handle = await sys.client.workflow.start(tradeInstruction, {
      workflowId: instructionWorkflowId(id),
      taskQueue: env.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { requestHash: input.requestHash, clientName: 'local' },
    });
    return { id, handle };
  }

  /** The workflow's pending activity of that type, once a worker has started it. */
  async function startedActivity(handle: WorkflowHandle, type: string) {
    return until(
      async () => {
        const d = await handle.describe();
        // state 2 = PENDING_ACTIVITY_STATE_STARTED
        return d.raw.pendingActivities?.find((a) => a.activityType?.name === type && Number(a.state) === 2);
      },
      30_000,
      `activity ${type} to be started`,
    );
  }

  async function expectFilledOnce(id: string, handle: WorkflowHandle<typeof tradeInstruction>, waitMs: number): Promise<InstructionState> {
    const result = await Promise.race([
      handle.result(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`workflow not done within ${waitMs} ms; worker output:\n${worker?.output.slice(-4000)}`)), waitMs).unref()),
    ]);
    expect(result).to.include({ status: 'FILLED', filledQuantity: 1, commissionsComplete: true });
    expect(simOrders(id), 'broker orders for the ref').to.have.length(1);
    const row = await sys.prisma.instruction.findUnique({ where: { id }, include: { order: true, executions: true } });
    expect(row?.status).to.equal('FILLED');
    expect(row?.order?.filledQuantity).to.equal(1);
    expect(row?.executions, 'execution rows').to.have.length(1);
    expect(row?.order?.brokerOrderId).to.equal(simOrders(id)[0]!.orderId);
    return result;
  }

  before(async function () {
    this.timeout(180_000);
    sys = await getSystem();
    logFile = path.join(os.tmpdir(), `all-use-crash-workers-${process.pid}.log`);
    env = {
      temporalAddress: sys.temporalAddress,
      databaseUrl: sys.config.databaseUrl,
      ibPort: sim().port,
      ibClientId: IB_CLIENT_ID,
      taskQueue: `all-use-crash-${process.pid}`,
      logFile,
    };
  });
  afterEach(function () {
    sim().fault({ delay_fills_ms: 0 });
    if (this.currentTest?.state === 'failed') process.stderr.write(`worker logs: ${logFile}\n`);
  });
  after(async function () {
    this.timeout(30_000);
    await worker?.stop();
    if (fs.existsSync(logFile) && !process.env.KEEP_CRASH_LOGS) fs.rmSync(logFile, { force: true });
  });

  it('when the worker is killed after sending the order and before submitOrder reported it, then the restarted worker finishes it FILLED with one order', async () => {
    await worker?.stop();
    const w1 = await startWorker(HOOKED_WORKER, true);
    sim().fault({ delay_fills_ms: 3_000 }); // the order sits at the broker for a while
    const { id, handle } = await submit('place');
    await w1.waitFor(new RegExp(`${HELD_MARK} ${id} SUBMITTED`), 30_000);
    expect(simOrders(id)).to.have.length(1);
    const place = await startedActivity(handle, 'submitOrder');
    await w1.kill();

    const t0 = Date.now();
    await startWorker(PRODUCTION_WORKER); // same IB client id: the killed process's socket is closed
    if (!REAL_TIMEOUTS) {
      // What the 2 min start-to-close timeout would do: fail the dead attempt; the retry policy re-runs it.
      await sys.client.activity.fail(
        { workflowId: handle.workflowId, activityId: place.activityId! },
        ApplicationFailure.retryable('worker process was SIGKILLed (test stands in for the start-to-close timeout)', 'WorkerCrashed'),
      );
    }
    await expectFilledOnce(id, handle, REAL_TIMEOUTS ? 200_000 : 60_000);
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'submitOrder')!;
    const started = events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled.eventId));
    expect(Number(started?.activityTaskStartedEventAttributes?.attempt), 'submitOrder attempt that completed').to.equal(2);
    process.stdout.write(`      (recovered ${Date.now() - t0} ms after the kill)\n`);
  });

  it('when the worker is killed while following the working order (awaitOrderUpdate), then the restarted worker finishes it FILLED with one order', async () => {
    const w = await runningWorker();
    sim().fault({ delay_fills_ms: 4_000 }); // fills while no worker is alive
    const { id, handle } = await submit('await');
    await until(async () => simOrders(id).length === 1, 30_000, 'order at the simulator');
    await startedActivity(handle, 'awaitOrderUpdate'); // submitOrder's result is in the history
    await w.kill();

    const t0 = Date.now();
    await startWorker(PRODUCTION_WORKER);
    // Temporal gives the dead attempt up after the 30 s heartbeat timeout, then retries after 1 s.
    await expectFilledOnce(id, handle, 75_000);
    process.stdout.write(`      (recovered ${Date.now() - t0} ms after the kill)\n`);
  });

  it('when the simulator drops every connection while the order is working, then it completes FILLED with one order', async () => {
    await runningWorker();
    sim().fault({ delay_fills_ms: 1_500 });
    const { id, handle } = await submit('drop');
    await until(async () => simOrders(id).length === 1, 30_000, 'order at the simulator');
    sim().fault({ drop_connections: true });
    await expectFilledOnce(id, handle, 30_000);
  });

  it('when the connection drops right as the order is sent, then it still reaches the broker once and completes FILLED', async () => {
    await runningWorker();
    const { id, handle } = await submit('drop-early');
    const ref = id;
    // Drop on the very first sight of the order: the ack may or may not have reached the worker.
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 30_000;
      const tick = () => {
        if (simOrders(ref).length > 0) {
          sim().fault({ drop_connections: true });
          return resolve();
        }
        if (Date.now() > deadline) return reject(new Error('order never reached the simulator'));
        setImmediate(tick);
      };
      tick();
    });
    await expectFilledOnce(id, handle, 30_000);
  });
});
