/**
 * POST /submit_trade_instruction. The acknowledgement is a plain `workflow.start`: once it
 * returns, Temporal has durably recorded the instruction, without waiting for a worker to
 * run it (an update-with-start would make every ack wait for the worker: slower, and stuck
 * when no worker is up). Replays are told from conflicts by the request hash kept in the
 * workflow's memo, which `describe()` reads from the server alone. The INSTRUCTION_SUBMITTED
 * audit row is written by the workflow's record step, in the instruction row's transaction.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Request, Response } from 'express';
import { allUseOrderId, requestHash } from '../contracts/ids';
import { parseTradeInstruction, type TradeInstruction } from '../contracts/instruction';
import type { InstructionAck } from '../contracts/api';
import { writeAudit } from '../db/audit';
import type { PrismaClient } from '../db/client';
import { controlScopesOf, firstHalted } from '../db/control';
import { recordDoorRefusal } from '../db/doorRefusals';
import { doorRead } from '../db/instructionLookup';
import type { Logger } from '../logger';
import { SA } from '../contracts/searchAttributes';
import { INSTRUCTION_INPUT_VERSION, instructionWorkflowId, TRADE_INSTRUCTION_WORKFLOW, type TradeInstructionInput, type TradeInstructionWorkflow } from '../contracts/workflows/tradeInstruction';
import { caller, strategyAllowed, type CallerClient } from './clientContext';
import { ApiError, requestIdOf } from './errors';

export interface SubmitDeps {
  temporal: Client;
  prisma: PrismaClient;
  taskQueue: string;
  logger: Logger;
}

const RECEIVED = 'Trade instruction received and queued for execution.';
const REPLAYED = 'Duplicate submission: this instruction was already received.';

export function submitHandler({ temporal, prisma, taskQueue, logger }: SubmitDeps) {
  const audit = (client: CallerClient, action: 'INSTRUCTION_REPLAYED' | 'INSTRUCTION_CONFLICT', id: string, i: TradeInstruction, req: Request) =>
    writeAudit(
      prisma,
      {
        actor: client.name,
        action,
        target: id,
        outcome: action === 'INSTRUCTION_CONFLICT' ? 'DENIED' : 'OK',
        detail: { client_order_id: i.client_order_id, starlab_strategy_id: i.starlab_strategy_id, ip: req.ip },
      },
      (err) => logger.error('audit write failed', { err }),
    );

  return async (req: Request, res: Response) => {
    const client = caller(res);
    const parsed = parseTradeInstruction(req.body);
    if (!parsed.success) {
      const body = req.body as Record<string, unknown> | undefined;
      const coid = typeof body?.client_order_id === 'string' ? body.client_order_id.slice(0, 100) : '';
      const ack: InstructionAck = {
        all_use_order_id: '',
        client_order_id: coid,
        status: 'VALIDATION_FAILED',
        message: 'Trade instruction failed validation; nothing was queued.',
        validation_errors: parsed.errors,
      };
      res.status(400).json(ack);
      return;
    }
    const i = parsed.data;
    if (!strategyAllowed(client, i.starlab_strategy_id)) {
      await writeAudit(prisma, { actor: client.name, action: 'ACCESS_DENIED', target: i.starlab_strategy_id, outcome: 'DENIED', detail: { code: 'STRATEGY_NOT_ALLOWED', ip: req.ip } });
      throw new ApiError(403, 'STRATEGY_NOT_ALLOWED', `client may not trade strategy ${i.starlab_strategy_id}`);
    }
    const id = allUseOrderId(client.name, i.client_order_id);
    const hash = requestHash(i);
    const ack = (created: boolean): InstructionAck => ({ all_use_order_id: id, client_order_id: i.client_order_id, status: 'RECEIVED', message: created ? RECEIVED : REPLAYED, validation_errors: [] });
    const answer = async (knownHash: unknown) => {
      if (knownHash !== hash) {
        await audit(client, 'INSTRUCTION_CONFLICT', id, i, req);
        throw new ApiError(409, 'DUPLICATE_CLIENT_ORDER_ID', `client_order_id ${i.client_order_id} was already used for a different instruction`, { all_use_order_id: id });
      }
      await audit(client, 'INSTRUCTION_REPLAYED', id, i, req);
      res.status(200).json(ack(false));
    };

    // The database outlives Temporal's retention of closed workflows: a replay of an old
    // instruction must not start a second order once its workflow history is gone.
    // A halted system refuses a new instruction at the door: nothing is started and no instruction
    // row is written; the refusal is counted in door_refusals (src/db/doorRefusals.ts).
    // Both in one statement, shared by the submissions of one event-loop turn (src/db/instructionLookup.ts).
    const door = await doorRead(prisma, id);
    if (door.requestHash !== null) return answer(door.requestHash);
    const halted = firstHalted(door.halted, controlScopesOf(null, i.account_tag));
    if (halted) {
      logger.warn('instruction refused: trading halted', { request_id: requestIdOf(res), client: client.name, client_order_id: i.client_order_id, scope: halted.scope });
      // Its only trace (no workflow, no instruction row): counted per client and minute for the compliance report.
      await recordDoorRefusal(prisma, { clientName: client.name, code: 'TRADING_HALTED', scope: halted.scope, bodyHash: hash }).catch((err: unknown) =>
        logger.error('door refusal not recorded', { err }),
      );
      throw new ApiError(503, 'TRADING_HALTED', `trading is halted (scope ${halted.scope}); nothing was queued, submit again after trading resumes`, { scope: halted.scope }, { 'Retry-After': '60' });
    }

    const input: TradeInstructionInput = {
      allUseOrderId: id,
      clientName: client.name,
      source: 'STARLAB',
      requestHash: hash,
      instruction: i,
      receivedAt: new Date().toISOString(),
      // The workflow's record step writes the INSTRUCTION_SUBMITTED audit row with the instruction row.
      submittedFrom: { ...(req.ip ? { ip: req.ip } : {}), ...(requestIdOf(res) ? { requestId: requestIdOf(res) } : {}) },
      inputVersion: INSTRUCTION_INPUT_VERSION,
    };
    try {
      await temporal.workflow.start<TradeInstructionWorkflow>(TRADE_INSTRUCTION_WORKFLOW, {
        workflowId: instructionWorkflowId(id),
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { requestHash: hash, clientName: client.name },
        typedSearchAttributes: [
          { key: SA.instructionId, value: id },
          { key: SA.starlabStrategyId, value: i.starlab_strategy_id },
          { key: SA.schemeType, value: i.scheme_type },
          { key: SA.symbol, value: i.symbol },
          { key: SA.source, value: 'STARLAB' },
          { key: SA.clientOrderId, value: i.client_order_id },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // A concurrent or earlier submission won the start: same body → replay, else conflict.
      const d = await temporal.workflow.getHandle(instructionWorkflowId(id)).describe();
      return answer(d.memo?.requestHash);
    }
    // Built only when it will be written: the ack path is measured (bench-api).
    if (logger.isInfoEnabled()) logger.info('instruction received', { request_id: requestIdOf(res), all_use_order_id: id, client_order_id: i.client_order_id });
    res.status(201).json(ack(true));
  };
}
