/**
 * STAR-LAB Trading API (architecture §6.1.2). Thin: parse, one Temporal or repository call,
 * answer in the seed's shapes. Another client's order or strategy is a 404, never its data.
 * Scopes: trade (submit, cancel), read (order_status, positions, performance).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Router, type Request, type Response } from 'express';
import type { OrderStatusBody } from '../contracts/api';
import { writeAudit } from '../db/audit';
import { warmReadPool, type PrismaClient } from '../db/client';
import { recordedOrderStatus } from '../db/orderStatusRead';
import { strategyKnown } from '../db/positions';
import type { Logger } from '../logger';
import { cancelUpdate, instructionWorkflowId, stateQuery } from '../contracts/workflows/tradeInstruction';
import { requireScope } from './auth';
import { caller, strategyAllowed, type CallerClient } from './clientContext';
import { notFound, requestIdOf } from './errors';
import type { MarkProvider } from './marks';
import { strategyPerformance, strategyPositions } from './portfolio';
import { submitHandler } from './submit';

export interface TradingDeps {
  temporal: Client;
  prisma: PrismaClient;
  taskQueue: string;
  logger: Logger;
  marks: MarkProvider;
}

export function tradingRouter(deps: TradingDeps): Router {
  const { temporal, prisma, logger, marks } = deps;
  const r = Router();
  warmReadPool(prisma); // order_status's connections (src/db/orderStatusRead.ts)
  const trade = requireScope('trade', prisma);
  const read = requireScope('read', prisma);

  r.post('/submit_trade_instruction', trade, submitHandler(deps));

  r.get('/order_status/:id', read, async (req: Request, res: Response) => {
    res.json(await orderStatus(caller(res).name, String(req.params.id), caller(res)));
  });

  r.get('/positions/:strategy', read, async (req: Request, res: Response) => {
    const { strategy } = await ownStrategy(res, req);
    res.json(await strategyPositions(prisma, marks, null, strategy));
  });

  r.get('/performance/:strategy', read, async (req: Request, res: Response) => {
    const { strategy } = await ownStrategy(res, req);
    res.json(await strategyPerformance(prisma, marks, null, strategy));
  });

  r.post('/cancel_order/:id', trade, async (req: Request, res: Response) => {
    const client = caller(res);
    const id = String(req.params.id);
    await orderStatus(client.name, id); // 404 for unknown or another client's order
    const done = async (status: number, body: { status: 'CANCEL_REQUESTED' | 'FAILED'; message: string }) => {
      const ok = body.status === 'CANCEL_REQUESTED';
      await writeAudit(prisma, { actor: client.name, action: ok ? 'CANCEL_REQUESTED' : 'CANCEL_FAILED', target: id, outcome: ok ? 'OK' : 'FAILED', detail: { message: body.message, ip: req.ip } });
      logger.info('cancel requested', { request_id: requestIdOf(res), all_use_order_id: id, result: body.status });
      res.status(status).json(body);
    };
    try {
      const result = await temporal.workflow.getHandle(instructionWorkflowId(id)).executeUpdate(cancelUpdate, { args: ['requested by STAR-LAB'] });
      await done(result.status === 'CANCEL_REQUESTED' ? 200 : 409, result);
    } catch (err) {
      // A closed workflow cannot take updates: the order is already final.
      if (err instanceof WorkflowNotFoundError || /completed|closed|not found/i.test((err as Error).message)) {
        const final = await orderStatus(client.name, id);
        await done(409, { status: 'FAILED', message: `order is already ${final.status}` });
        return;
      }
      throw err;
    }
  });

  /**
   * A strategy the caller's patterns match (whoever submitted its instructions: a read-only
   * credential reads what trading credentials built), or 404 (also for one it may not see).
   */
  async function ownStrategy(res: Response, req: Request): Promise<{ client: CallerClient; strategy: string }> {
    const client = caller(res);
    const strategy = String(req.params.strategy);
    if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(strategy) || !strategyAllowed(client, strategy) || !(await strategyKnown(prisma, null, strategy))) throw notFound('strategy');
    return { client, strategy };
  }

  /**
   * The recorded state when the instruction has a row; the running workflow's query only before
   * its first record step has run (acknowledged, not yet recorded: the workflow alone knows it).
   * Every change of the workflow's state is recorded by the step right after it, in the
   * transaction that also writes its webhook event, so the row is what the webhooks say and lags
   * the workflow by at most that one step; asking the workflow instead waits for a workflow task
   * on a worker that may be busy with the same burst (docs/API.md, "order_status under load").
   * `reader` given (order_status): another client's order is readable when the reader's patterns match its strategy.
   */
  async function orderStatus(clientName: string, id: string, reader?: CallerClient): Promise<OrderStatusBody> {
    const mayRead = (owner: string, strategy: string) => owner === clientName || (!!reader && strategyAllowed(reader, strategy));
    if (!/^au_[0-9a-f-]{36}$/.test(id)) throw notFound('order');
    // Someone probing another client's order: a 404 to them, a denied attempt to operators.
    const notOwner = async () => {
      await writeAudit(prisma, { actor: clientName, action: 'ACCESS_DENIED', target: id, outcome: 'DENIED', detail: { code: 'NOT_OWNER' } });
      return notFound('order');
    };
    const row = await recordedOrderStatus(prisma, id);
    if (row) {
      if (!mayRead(row.clientName, row.starlab_strategy_id)) throw await notOwner();
      return strip(row);
    }
    let s: Awaited<ReturnType<typeof queryState>>;
    try {
      s = await queryState(id);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound('order');
      throw err;
    }
    if (!mayRead(s.input.clientName, s.input.instruction.starlab_strategy_id)) throw await notOwner();
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
  }

  const queryState = (id: string) => temporal.workflow.getHandle(instructionWorkflowId(id)).query(stateQuery);

  return r;
}

function strip(row: OrderStatusBody & { clientName: string }): OrderStatusBody {
  const { clientName: _c, ...body } = row;
  return body;
}
