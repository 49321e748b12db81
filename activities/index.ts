/**
 * The activities of every workflow, built from one factory with injected clients so tests
 * and the worker wire the same code to real or test instances. Each is idempotent:
 * Temporal may run any of them more than once.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { PrismaClient } from '../src/db/client';
import { orderStatusFromDb, recordInstruction, recordOutcome } from '../src/db/instructions';
import type { Logger } from '../src/logger';
import type { InstructionState, TradeInstructionInput } from '../workflows/tradeInstruction';
import { instructionWorkflowId } from '../workflows/tradeInstruction';
import type { Broker, BrokerOrderState } from './broker/types';
import { actionSpec, multiplierOf, toBrokerOrder } from './orderSpec';
import { checkInstructionRisk, type RiskVerdict } from './risk';

export interface ActivityDeps {
  prisma: PrismaClient;
  broker: Broker;
  logger: Logger;
}

export interface BrokerUpdate {
  summary: Partial<InstructionState>;
  order: BrokerOrderState;
  /** Identity of this state, so the next long-poll returns only on a change. */
  key: string;
}

const TERMINAL = new Set(['FILLED', 'CANCELLED', 'REJECTED']);
const summaryKey = (s: BrokerOrderState): string => `${s.status}|${s.filledQuantity}|${s.commission}|${s.commissionsComplete}`;

export function toSummary(s: BrokerOrderState): Partial<InstructionState> {
  return {
    status: s.status,
    filledQuantity: s.filledQuantity,
    averageFillPrice: s.avgFillPrice ?? null,
    commission: s.commission,
    brokerOrderId: String(s.brokerOrderId),
    rejectReason: s.status === 'REJECTED' || s.status === 'CANCELLED' ? (s.reason ?? null) : null,
    commissionsComplete: s.commissionsComplete,
    updatedAt: new Date().toISOString(),
  };
}

const toUpdate = (s: BrokerOrderState): BrokerUpdate => ({ summary: toSummary(s), order: s, key: summaryKey(s) });

export function createActivities({ prisma, broker, logger }: ActivityDeps) {
  const log = (input: TradeInstructionInput) =>
    logger.child({ workflowId: instructionWorkflowId(input.allUseOrderId), client_order_id: input.instruction.client_order_id });

  return {
    async recordInstruction(input: TradeInstructionInput): Promise<void> {
      await recordInstruction(prisma, {
        allUseOrderId: input.allUseOrderId,
        clientName: input.clientName,
        source: input.source,
        requestHash: input.requestHash,
        workflowId: instructionWorkflowId(input.allUseOrderId),
        accountId: input.accountId,
        instruction: input.instruction,
      });
      log(input).info('instruction recorded', { all_use_order_id: input.allUseOrderId });
    },

    async checkRisk(input: TradeInstructionInput): Promise<RiskVerdict> {
      const verdict = await checkInstructionRisk(prisma, input);
      if (!verdict.ok) log(input).warn('risk check rejected instruction', { reason: verdict.message });
      return verdict;
    },

    async placeOrder(input: TradeInstructionInput): Promise<BrokerUpdate> {
      await broker.connect();
      const order = await broker.placeOrder(toBrokerOrder(input.allUseOrderId, input.instruction));
      log(input).info('order at broker', { broker_order_id: order.brokerOrderId, status: order.status });
      return toUpdate(order);
    },

    async cancelBrokerOrder(allUseOrderId: string): Promise<void> {
      await broker.connect();
      const known = await broker.findOrder(allUseOrderId);
      if (!known || TERMINAL.has(known.status)) return;
      await broker.cancelOrder(allUseOrderId);
    },

    /**
     * Long-polls the broker's view of the order: returns as soon as it differs from
     * `knownKey`, is terminal, or `sliceMs` has passed. Heartbeats so a dead worker is
     * noticed within the heartbeat timeout and the wait moves to another worker.
     */
    async awaitOrderUpdate(allUseOrderId: string, sliceMs: number, knownKey?: string): Promise<BrokerUpdate | null> {
      const ctx = Context.current();
      const deadline = Date.now() + sliceMs;
      await broker.connect();
      for (;;) {
        const s = await broker.findOrder(allUseOrderId);
        if (s && ((TERMINAL.has(s.status) && s.commissionsComplete) || summaryKey(s) !== knownKey)) return toUpdate(s);
        if (Date.now() >= deadline) return s ? toUpdate(s) : null;
        ctx.heartbeat();
        await Promise.race([broker.waitForUpdate(allUseOrderId, 1000), ctx.cancelled]);
      }
    },

    async recordOutcome(input: TradeInstructionInput, state: InstructionState, order: BrokerOrderState | null): Promise<void> {
      const spec = actionSpec(input.instruction.trade_action);
      const owner = input.accountId
        ? { ownerKind: 'ACCOUNT', ownerId: input.accountId }
        : { ownerKind: 'STRATEGY', ownerId: `${input.clientName}:${input.instruction.starlab_strategy_id}` };
      await recordOutcome(
        prisma,
        input.allUseOrderId,
        state,
        order ? { brokerOrderId: order.brokerOrderId, permId: order.permId, fills: order.fills } : null,
        {
          ...owner,
          contract: {
            symbol: input.instruction.symbol,
            secType: spec.secType,
            expiry: input.instruction.expiration_date?.replaceAll('-', '') ?? '',
            strike: input.instruction.strike_price ?? 0,
            right: spec.right ?? '',
            multiplier: multiplierOf(spec.secType),
            sign: spec.side === 'BUY' ? 1 : -1,
          },
        },
      );
    },

    async orderStatus(allUseOrderId: string) {
      const row = await orderStatusFromDb(prisma, allUseOrderId);
      if (!row) throw ApplicationFailure.nonRetryable(`unknown instruction ${allUseOrderId}`, 'NotFound');
      return row;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
