/**
 * STAR-LAB Trading API (architecture §6.1.2). Thin: parse with zod, one Temporal or
 * repository call, answer in the seed's shapes.
 */
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Router, type Request, type Response } from 'express';
import { parseTradeInstruction, type InstructionAck, type OrderStatusBody } from '../contracts/instruction';
import { allUseOrderId, requestHash } from '../contracts/ids';
import type { PrismaClient } from '../db/client';
import { findInstructionByClientOrderId, orderStatusFromDb } from '../db/instructions';
import type { Logger } from '../logger';
import { SA } from '../../temporal/searchAttributes';
import {
  acceptUpdate,
  cancelUpdate,
  instructionWorkflowId,
  stateQuery,
  tradeInstruction,
  type TradeInstructionInput,
} from '../../workflows/tradeInstruction';
import { ApiError, notFound } from './errors';
import { caller, strategyAllowed } from './clientContext';

export interface TradingDeps {
  temporal: Client;
  prisma: PrismaClient;
  taskQueue: string;
  logger: Logger;
}

const RECEIVED_MESSAGE = 'Trade instruction received and queued for execution.';

export function tradingRouter({ temporal, prisma, taskQueue, logger }: TradingDeps): Router {
  const r = Router();

  r.post('/submit_trade_instruction', async (req: Request, res: Response) => {
    const client = caller(res);
    const parsed = parseTradeInstruction(req.body);
    if (!parsed.success) {
      const body = req.body as Record<string, unknown> | undefined;
      const coid = typeof body?.client_order_id === 'string' ? body.client_order_id : '';
      const ack: InstructionAck = {
        all_use_order_id: '',
        client_order_id: coid,
        status: 'VALIDATION_FAILED',
        message: 'Trade instruction failed validation; nothing was queued.',
        validation_errors: parsed.errors,
      };
      logger.warn('instruction validation failed', { request_id: res.locals.requestId, client_order_id: coid, errors: ack.validation_errors });
      res.status(400).json(ack);
      return;
    }
    const instruction = parsed.data;
    if (!strategyAllowed(client, instruction.starlab_strategy_id))
      throw new ApiError(403, 'STRATEGY_NOT_ALLOWED', `client may not trade strategy ${instruction.starlab_strategy_id}`);

    const id = allUseOrderId(client.name, instruction.client_order_id);
    const hash = requestHash(instruction);
    const ack = (created: boolean): InstructionAck => ({
      all_use_order_id: id,
      client_order_id: instruction.client_order_id,
      status: 'RECEIVED',
      message: created ? RECEIVED_MESSAGE : 'Duplicate submission: this instruction was already received.',
      validation_errors: [],
    });
    const conflict = () =>
      new ApiError(409, 'DUPLICATE_CLIENT_ORDER_ID', `client_order_id ${instruction.client_order_id} was already used for a different instruction`, {
        all_use_order_id: id,
      });

    // Already recorded (possibly finished): answer from the database, start nothing.
    const existing = await findInstructionByClientOrderId(prisma, client.name, instruction.client_order_id);
    if (existing) {
      if (existing.requestHash !== hash) throw conflict();
      res.status(200).json(ack(false));
      return;
    }

    const input: TradeInstructionInput = {
      allUseOrderId: id,
      clientName: client.name,
      source: 'STARLAB',
      requestHash: hash,
      instruction,
      receivedAt: new Date().toISOString(),
    };
    const start = new WithStartWorkflowOperation(tradeInstruction, {
      workflowId: instructionWorkflowId(id),
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: SA.instructionId, value: id },
        { key: SA.starlabStrategyId, value: instruction.starlab_strategy_id },
        { key: SA.schemeType, value: instruction.scheme_type },
        { key: SA.symbol, value: instruction.symbol },
        { key: SA.source, value: 'STARLAB' },
        { key: SA.clientOrderId, value: instruction.client_order_id },
      ],
    });
    // A fresh update id per HTTP request: Temporal dedupes its own retries of this call,
    // and the workflow tells the first acceptance from later replays.
    const accepted = await temporal.workflow.executeUpdateWithStart(acceptUpdate, {
      args: [randomUUID()],
      updateId: `${instruction.client_order_id}:${randomUUID()}`,
      startWorkflowOperation: start,
    });
    if (accepted.requestHash !== hash) throw conflict();
    logger.info('instruction received', {
      request_id: res.locals.requestId,
      workflowId: instructionWorkflowId(id),
      client_order_id: instruction.client_order_id,
      all_use_order_id: id,
      created: accepted.created,
    });
    res.status(accepted.created ? 201 : 200).json(ack(accepted.created));
  });

  r.get('/order_status/:id', async (req: Request, res: Response) => {
    res.json(await orderStatus(caller(res).name, String(req.params.id)));
  });

  r.post('/cancel_order/:id', async (req: Request, res: Response) => {
    const client = caller(res);
    const id = String(req.params.id);
    await orderStatus(client.name, id); // 404 for unknown or another client's order
    try {
      const result = await temporal.workflow.getHandle(instructionWorkflowId(id)).executeUpdate(cancelUpdate, { args: ['requested by STAR-LAB'] });
      logger.info('cancel requested', { request_id: res.locals.requestId, all_use_order_id: id, result: result.status });
      res.status(result.status === 'CANCEL_REQUESTED' ? 200 : 409).json(result);
    } catch (err) {
      // A closed workflow cannot take updates: the order is already final.
      if (err instanceof WorkflowNotFoundError || /completed|closed|not found/i.test((err as Error).message)) {
        const final = await orderStatus(client.name, id);
        res.status(409).json({ status: 'FAILED', message: `order is already ${final.status}` });
        return;
      }
      throw err;
    }
  });

  /** From the running workflow's query; from the database once it has closed. */
  async function orderStatus(clientName: string, id: string): Promise<OrderStatusBody> {
    if (!/^au_[0-9a-f-]{36}$/.test(id)) throw notFound('order');
    const row = await orderStatusFromDb(prisma, id);
    if (row && row.clientName !== clientName) throw notFound('order');
    if (row && ['FILLED', 'CANCELLED', 'REJECTED'].includes(row.status)) return strip(row);
    try {
      const s = await temporal.workflow.getHandle(instructionWorkflowId(id)).query(stateQuery);
      if (s.input.clientName !== clientName) throw notFound('order');
      return {
        all_use_order_id: id,
        client_order_id: s.input.instruction.client_order_id,
        starlab_strategy_id: s.input.instruction.starlab_strategy_id,
        status: s.status,
        filled_quantity: s.filledQuantity,
        average_fill_price: s.averageFillPrice,
        commission: s.commission,
        timestamp: s.updatedAt.replace(/\.\d{3}Z$/, 'Z'),
        broker_order_id: s.brokerOrderId,
        reject_reason: s.rejectReason,
      };
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (row) return strip(row);
      if (err instanceof WorkflowNotFoundError) throw notFound('order');
      throw err;
    }
  }

  return r;
}

function strip(row: OrderStatusBody & { clientName: string }): OrderStatusBody {
  const { clientName: _c, ...body } = row;
  return body;
}
