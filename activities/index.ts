/**
 * The activities of every workflow, built from one factory with injected clients so tests
 * and the worker wire the same code to real or test instances. Each is idempotent:
 * Temporal may run any of them more than once.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { PrismaClient } from '../src/db/client';
import { orderStatusFromDb, recordInstruction, recordInstructionWithoutWebhooks, recordOutcome, recordOutcomeWithoutWebhooks, type InstructionRecord } from '../src/db/instructions';
import type { Logger } from '../src/logger';
import type { InstructionState, TradeInstructionInput } from '../src/contracts/workflows/tradeInstruction';
import { BROKER_DECLINE_FAILURE, initialInstructionState, instructionWorkflowId, KILL_SWITCH_FAILURE } from '../src/contracts/workflows/tradeInstruction';
import { BrokerError } from './broker/errors';
import type { ProtocolConfig } from '../src/domain/config';
import type { Broker, BrokerOrderState } from '../src/contracts/broker';
import { actionSpec, contractKeyOf, multiplierOf, quoteMidCents, toBrokerOrder, ymdOfIso } from '../src/domain/instrument';
import { createProtocolActivities } from './protocol';
import type { MarketMemo } from './protocol/marketMemo';
import { checkInstructionRisk, type LimitMid, type RiskVerdict } from './risk';
import { prismaRiskStore } from '../src/db/riskInputs';
import { DEFAULT_RISK_SETTINGS, type RiskSettings } from '../src/domain/risk';
import { systemClock, type Clock } from '../src/contracts/clock';
import { quoteOf } from '../src/quote';
import { releaseReservation } from '../src/db/reservations';
import { controlScopesOf, haltedScope } from '../src/db/control';
import { instructionsTotal, riskRejectionsTotal } from '../src/metrics';
import { createReportActivities } from './reports';
import { createReconcileActivities } from './reconcile';
import { createFeedbackActivities } from './feedback';
import { createMarketDataActivities } from './marketData';
import { isTerminal } from '../src/contracts/orderStatus';
import { instructionStatus } from '../src/db/instructionQueries';
import { createOrderFollower, toUpdateAt, type BrokerUpdate } from './orderFollow';
import { createWebhookActivities, dispatchFromActivity } from './webhooks';
import { createComplianceActivities } from './compliance';
import { createExperimentActivities } from './experiments';
import { isShadowAccount } from '../src/db/experiments';
import { statusEventOf, type WebhookTargets } from '../src/db/webhooks';
import { backoffDelay } from '../src/waitFor';

export interface ActivityDeps {
  prisma: PrismaClient;
  broker: Broker;
  logger: Logger;
  /** Protocol Engine configuration (defaults when absent). */
  protocol?: ProtocolConfig;
  /**
   * Business time (timestamps, today's expiries): the system clock unless injected. Against the
   * simulator's manual clock the simulator is the clock (src/system.ts, the protocol harness).
   */
  clock?: Clock;
  /** STAR-LAB's risk limits from the worker's configuration (src/config.ts `riskSettingsOf`); defaults when absent. */
  risk?: RiskSettings;
  /**
   * True only when the broker is the bundled IB simulator (IB_SIMULATOR). Orders of shadow
   * families (A/B experiments) are placed only then; on a live gateway they are refused.
   */
  brokerIsSimulator?: boolean;
  /** The worker's memo of market data shared by its families' cycles (activities/protocol/marketMemo.ts); one per worker when absent. */
  marketMemo?: MarketMemo;
}

export { toSummary, type BrokerUpdate } from './orderFollow';

/** How long placeOrder retries recording the broker's answer before it fails the attempt (then Temporal retries it). */
const RECORD_RETRY_MS = 30_000;

/** placeOrder's answer: the broker's state, and `recorded` once the step has recorded it itself (absent in histories from before). */
export type PlacedUpdate = BrokerUpdate & { recorded?: boolean };
/** submitOrder's answer: the order placed and its answer recorded, or the risk check's rejection (nothing sent). */
export type SubmittedUpdate = PlacedUpdate | { rejected: string };

export function createActivities({ prisma, broker, logger, protocol, clock = systemClock, risk = DEFAULT_RISK_SETTINGS, brokerIsSimulator = false, marketMemo }: ActivityDeps) {
  const toUpdate = (s: BrokerOrderState): BrokerUpdate => toUpdateAt(s, clock);
  const riskStore = prismaRiskStore(prisma);
  /** The broker's mid for a LIMIT order's band check (2 s at most; none = the band is skipped, logged). */
  const limitMid: LimitMid = async (input) => {
    const md = broker.marketData;
    if (!md) return null;
    const i = input.instruction;
    try {
      const q = await quoteOf(md, contractKeyOf(i), 2000);
      const mid = quoteMidCents(q);
      if (mid === null) log(input).warn('no quote for the limit-price band check; band not checked', { symbol: i.symbol });
      return mid;
    } catch (err) {
      log(input).warn('quote for the limit-price band check failed; band not checked', { symbol: i.symbol, err: (err as Error).message });
      return null;
    }
  };
  /**
   * Clients last seen with a webhook endpoint: their record steps go straight to the transaction
   * that writes the event, instead of first trying the fast path, which would find the endpoint,
   * write nothing and cost them a round trip or two (src/db/instructions.ts). It only orders the
   * attempts: both paths check the endpoints inside their own transaction. Forgotten when a
   * transaction finds no endpoint to tell; at most one entry per client with endpoints.
   */
  const hooked = new Set<string>();
  const fastUnlessHooked = async (clientName: string, fast: () => Promise<boolean | null>): Promise<boolean> => {
    if (hooked.has(clientName)) return false;
    const done = await fast();
    if (done === false) hooked.add(clientName);
    return done === true;
  };
  const riskDeps = { store: riskStore, settings: risk, protocol, clock, market: { limitMid, pacingBacklogMs: () => broker.pacingBacklogMs?.() ?? 0 } };
  const rejectionsCounted = (input: TradeInstructionInput, verdict: RiskVerdict): RiskVerdict => {
    if (!verdict.ok) {
      riskRejectionsTotal.inc({ reason: verdict.code });
      log(input).warn('risk check rejected instruction', { reason: verdict.message });
    }
    return verdict;
  };
  const recordOf = (input: TradeInstructionInput): InstructionRecord => ({
    allUseOrderId: input.allUseOrderId,
    clientName: input.clientName,
    source: input.source,
    requestHash: input.requestHash,
    workflowId: instructionWorkflowId(input.allUseOrderId),
    accountId: input.accountId,
    instruction: input.instruction,
    ...(input.submittedFrom ? { submittedFrom: input.submittedFrom } : {}),
  });
  const log = (input: TradeInstructionInput) => logger.child({ workflowId: instructionWorkflowId(input.allUseOrderId), client_order_id: input.instruction.client_order_id });

  /** The instruction's row (and, for a client with a webhook endpoint, its RECEIVED event). */
  async function recordInstructionStep(input: TradeInstructionInput): Promise<void> {
    const record = recordOf(input);
    // One statement when the client has no webhook endpoint (no RECEIVED event to write).
    if (await fastUnlessHooked(input.clientName, () => recordInstructionWithoutWebhooks(prisma, record))) {
      log(input).info('instruction recorded', { all_use_order_id: input.allUseOrderId });
      return;
    }
    let targets: WebhookTargets | null = null;
    await recordInstruction(
      prisma,
      record,
      async (tx) =>
        void (targets = await statusEventOf(
          tx,
          input.allUseOrderId,
          { status: 'PENDING_SUBMIT', filledQuantity: 0, averageFillPrice: null, commission: 0, brokerOrderId: null, rejectReason: null },
          input.clientName,
        )),
    );
    if (!targets) hooked.delete(input.clientName);
    await dispatchFromActivity(targets);
    log(input).info('instruction recorded', { all_use_order_id: input.allUseOrderId });
  }

  /**
   * recordInstruction and checkRisk as one step: the instruction row and the passing verdict's
   * reservation commit in one transaction, one WAL flush instead of two (a commit waits for its
   * flush: 0.2 ms on an idle disk here, 2.5 ms while another process writes;
   * docs/OPERATIONS-CLUSTER.md). A client with a webhook endpoint records its row with its RECEIVED
   * event first, then is checked (two steps). Idempotent: the row is inserted once, and a retry
   * after a passing check finds its reservation.
   */
  async function recordAndCheckRiskStep(input: TradeInstructionInput): Promise<RiskVerdict> {
    if (!hooked.has(input.clientName)) {
      const verdict = await checkInstructionRisk(riskDeps, input, recordOf(input));
      if (verdict !== null) {
        log(input).info('instruction recorded', { all_use_order_id: input.allUseOrderId });
        return rejectionsCounted(input, verdict);
      }
    }
    await recordInstructionStep(input);
    return checkRiskStep(input);
  }

  async function checkRiskStep(input: TradeInstructionInput): Promise<RiskVerdict> {
    return rejectionsCounted(input, await checkInstructionRisk(riskDeps, input));
  }

  /** Sends the order at most once: a retry follows the order an earlier attempt sent, whatever happened since. */
  async function placeOrFollow(input: TradeInstructionInput): Promise<BrokerUpdate> {
    return (Context.current().info.attempt > 1 ? await sentEarlier(input) : null) ?? sendOrder(input);
  }

  /**
   * On a retried step: the order an earlier attempt sent, which exists and must be followed,
   * whatever happened since (a halt must not orphan a live order). This process's book (synced
   * at connect) first; then a fresh search of the broker's open, executed and completed orders:
   * the earlier attempt may have run on another worker (another client id). A search that fails
   * throws, and Temporal retries: never place blind.
   */
  async function sentEarlier(input: TradeInstructionInput): Promise<BrokerUpdate | null> {
    await broker.connect();
    const known = (await broker.findOrder(input.allUseOrderId)) ?? (broker.searchOrder ? await broker.searchOrder(input.allUseOrderId) : null);
    return known ? toUpdate(known) : null;
  }

  /** The order to the broker, once the halt and shadow-family checks let it go. */
  async function sendOrder(input: TradeInstructionInput): Promise<BrokerUpdate> {
    // A halt may come after the risk check passed: look again right before sending.
    const halted = await haltedScope(prisma, controlScopesOf(input.accountId, input.instruction.account_tag));
    if (halted) {
      riskRejectionsTotal.inc({ reason: 'KILL_SWITCH' });
      // BENIGN: a decline the operator asked for, not an error (the SDK logs it at DEBUG).
      throw ApplicationFailure.create({ message: `KILL_SWITCH: scope=${halted.scope}, reason=${halted.reason ?? 'halted'}`, type: KILL_SWITCH_FAILURE, nonRetryable: true, category: 'BENIGN' });
    }
    // A shadow family (A/B experiment) trades on the simulator only: never on a live gateway.
    if (!brokerIsSimulator && input.accountId && (await isShadowAccount(prisma, input.accountId)))
      throw ApplicationFailure.nonRetryable(`SHADOW_ACCOUNT_LIVE_BROKER: account=${input.accountId} belongs to a shadow family and the broker is not the simulator`, BROKER_DECLINE_FAILURE);
    const order = await (async () => {
      await broker.connect();
      return broker.placeOrder(toBrokerOrder(input.allUseOrderId, input.instruction));
    })().catch((err: unknown) => {
      // A refusal that no retry can change ends the order; outages stay retryable.
      if (err instanceof BrokerError && !err.retryable) throw ApplicationFailure.nonRetryable(`BROKER_DECLINED: ${err.message}`, BROKER_DECLINE_FAILURE);
      throw err;
    });
    log(input).info('order at broker', { broker_order_id: order.brokerOrderId, status: order.status });
    return toUpdate(order);
  }

  /**
   * A step's database write, retried here when it fails (PostgreSQL restarting) for up to
   * RECORD_RETRY_MS, ~0.2 s apart doubling to 2 s (waitFor's `backoffDelay`, with its jitter: the
   * in-flight orders of one outage do not retry in step), as the local activities that did these
   * writes before retried them. Failing the attempt instead would wait out Temporal's 1 s, 2 s, 4 s …
   * backoff, and the retried attempt would search the broker first for an order it may have sent.
   */
  async function retryingWrite<T>(input: TradeInstructionInput, what: string, write: () => Promise<T>): Promise<T> {
    const ctx = Context.current();
    const started = Date.now();
    for (let failures = 1; ; failures++) {
      try {
        return await write();
      } catch (err) {
        const delay = backoffDelay(failures, 200, 2_000);
        if (Date.now() - started + delay > RECORD_RETRY_MS) throw err;
        log(input).warn(`${what} failed; retrying`, { err: (err as Error).message, retry_in_ms: delay });
        await ctx.sleep(delay); // rejects when the activity is cancelled or its worker stops
      }
    }
  }

  /** The broker's answer to the order, recorded (retried in the step: retryingWrite), and said so in the step's result (`recorded`). */
  async function recordPlaced(input: TradeInstructionInput, update: BrokerUpdate): Promise<PlacedUpdate> {
    await retryingWrite(input, 'recording the broker answer', () => recordOutcomeStep(input, { ...initialInstructionState(input.receivedAt), ...update.summary }, update.order));
    return { ...update, recorded: true };
  }

  /** A placing step's body under a heartbeat every 5 s: the segment lock and the broker's pacing limiter may queue it. */
  async function heartbeating<T>(body: () => Promise<T>): Promise<T> {
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), 5_000);
    try {
      return await body();
    } finally {
      clearInterval(beat);
    }
  }

  /** An outcome's record: the order's status, its fills and the position they move (and the reservation's release once terminal). */
  async function recordOutcomeStep(input: TradeInstructionInput, state: InstructionState, order: BrokerOrderState | null): Promise<void> {
    // A terminal state with complete commissions is recorded once, last (a retried step may count it again).
    if (isTerminal(state.status) && state.commissionsComplete) instructionsTotal.inc({ source: input.source.toLowerCase(), scheme: input.instruction.scheme_type, status: state.status.toLowerCase() });
    const spec = actionSpec(input.instruction.trade_action);
    const owner = input.accountId ? { ownerKind: 'ACCOUNT', ownerId: input.accountId } : { ownerKind: 'STRATEGY', ownerId: `${input.clientName}:${input.instruction.starlab_strategy_id}` };
    const brokerOrder = order ? { brokerOrderId: order.brokerOrderId, permId: order.permId, fills: order.fills } : null;
    const position = {
      ...owner,
      contract: {
        symbol: input.instruction.symbol,
        secType: spec.secType,
        expiry: ymdOfIso(input.instruction.expiration_date ?? ''),
        strike: input.instruction.strike_price ?? 0,
        right: spec.right ?? '',
        multiplier: multiplierOf(spec.secType),
        sign: spec.side === 'BUY' ? 1 : -1,
      },
    } as const;
    // A terminal order no longer ties up capital in its segment (idempotent): released with the
    // outcome in two round trips when the client has no webhook endpoint (no event to write).
    const fast = () => recordOutcomeWithoutWebhooks({ prisma, allUseOrderId: input.allUseOrderId, outcome: state, order: brokerOrder, position, releaseReservation: isTerminal(state.status) });
    if (await fastUnlessHooked(input.clientName, fast)) return;
    if (isTerminal(state.status)) await releaseReservation(prisma, input.allUseOrderId);
    let targets: WebhookTargets | null = null;
    await recordOutcome(prisma, input.allUseOrderId, state, brokerOrder, position, async (tx) => void (targets = await statusEventOf(tx, input.allUseOrderId, state, input.clientName)));
    if (!targets) hooked.delete(input.clientName);
    // After commit: start or wake the webhook deliveries (they run apart from this instruction).
    await dispatchFromActivity(targets);
  }

  return {
    ...createProtocolActivities({ prisma, broker, logger, protocol, clock, marketMemo }),
    ...createExperimentActivities({ prisma, logger }),

    recordInstruction: recordInstructionStep,
    checkRisk: checkRiskStep,

    /** tradeInstruction's first step for inputs before version 3 (later ones take it inside submitOrder). */
    recordAndCheckRisk: recordAndCheckRiskStep,

    /**
     * The instruction's whole happy path in one step (tradeInstruction, inputs of version 3 on):
     * its row and risk check (one transaction: recordAndCheckRisk), the order to the broker, and
     * the broker's answer recorded. One regular activity instead of a local one before it: the
     * local step cost every instruction ~3 ms of worker CPU and a marker in its history
     * (bench:e2e, docs/OPERATIONS-CLUSTER.md "Eighth round"). The rules are the same and in the
     * same order: the row and the reservation commit before the order is sent, the halt is
     * looked at again right before sending, a risk rejection sends nothing (`rejected`).
     * A retried attempt first looks for the order an earlier attempt sent and follows it (that
     * attempt's check passed); only when the broker has none does it check again (idempotent: a
     * passed check's reservation stands) and send, so the order goes to the broker at most once.
     */
    submitOrder: (input: TradeInstructionInput): Promise<SubmittedUpdate> =>
      heartbeating(async () => {
        const earlier = Context.current().info.attempt > 1 ? await sentEarlier(input) : null;
        if (earlier) return recordPlaced(input, earlier);
        const verdict = await retryingWrite(input, 'recording the instruction and its risk check', () => recordAndCheckRiskStep(input));
        if (!verdict.ok) return { rejected: verdict.message };
        return recordPlaced(input, await sendOrder(input));
      }),

    /**
     * tradeInstruction's placing step for inputs before version 3 (after recordAndCheckRisk): places
     * the order and records the broker's answer in the same step (`recorded`), instead of in a local
     * activity after it (docs/OPERATIONS-CLUSTER.md "Seventh round"). A write that still fails after
     * recordPlaced's retries fails the attempt; Temporal's retry finds the order the first attempt
     * sent (never a second one) and records it then.
     */
    placeOrder: (input: TradeInstructionInput): Promise<PlacedUpdate> => heartbeating(async () => recordPlaced(input, await placeOrFollow(input))),

    async cancelBrokerOrder(allUseOrderId: string): Promise<void> {
      await broker.connect();
      const known = await broker.findOrder(allUseOrderId);
      if (!known) {
        // Not at the broker yet: if the instruction may still place it, retry until it does,
        // or the cancel would be lost and the order placed later unwatched.
        const status = await instructionStatus(prisma, allUseOrderId);
        if (status !== null && !isTerminal(status)) throw ApplicationFailure.retryable(`order ${allUseOrderId} not at the broker yet`, 'OrderNotYetPlaced');
        return;
      }
      if (isTerminal(known.status)) return;
      await broker.cancelOrder(allUseOrderId).catch((err: unknown) => {
        // The broker refused the cancel (e.g. already filling): the wait that follows sees the outcome.
        if (err instanceof BrokerError && !err.retryable) return logger.warn('cancel refused by broker', { all_use_order_id: allUseOrderId, reason: err.message });
        throw err;
      });
    },

    /** Follows the order at the broker; an order the broker does not know becomes a recorded case (orderFollow.ts). */
    awaitOrderUpdate: createOrderFollower({ prisma, broker, logger, clock }).awaitOrderUpdate,

    recordOutcome: recordOutcomeStep,

    async orderStatus(allUseOrderId: string) {
      const row = await orderStatusFromDb(prisma, allUseOrderId);
      if (!row) throw ApplicationFailure.nonRetryable(`unknown instruction ${allUseOrderId}`, 'NotFound');
      return row;
    },

    ...createReportActivities({ prisma, logger, clock, marketData: broker.marketData }),
    ...createReconcileActivities({ prisma, broker, logger }),
    ...createWebhookActivities({ prisma, logger }),
    ...createComplianceActivities({ prisma, logger }),
    ...createFeedbackActivities({ prisma, logger }),
    ...createMarketDataActivities({ prisma, broker, logger, protocol, clock }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
