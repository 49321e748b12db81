/**
 * The risk check of one instruction (PROTOCOL §5), in three parts: the inputs are loaded by
 * one repository function (src/db/riskInputs.ts) under the order's segment lock, the verdict
 * is the pure `decideRisk` (src/domain/risk.ts), and this activity records it: a passing
 * opening order reserves its capital in its segment in the same transaction; the reservation
 * is released when the order reaches a terminal state (activities/index.ts, recordOutcome).
 * A failure is a coded rejection, never an exception. Time comes from the injected clock.
 */
import type { Clock } from '../src/contracts/clock';
import { strategyOwnerId } from '../src/db/positions';
import type { InstructionRecord } from '../src/db/instructions';
import type { RiskQuery, RiskStore } from '../src/db/riskInputs';
import { DEFAULT_PROTOCOL, type ProtocolConfig } from '../src/domain/config';
import { accountKindOf } from '../src/domain/ledger';
import { priceCents } from '../src/domain/money';
import { contractKeyOf, ymdOfIso } from '../src/domain/instrument';
import { decideRisk, type RiskOrder, type RiskPolicy, type RiskSettings } from '../src/domain/risk';
import type { TradeInstructionInput } from '../src/contracts/workflows/tradeInstruction';

export { capitalOf, type RiskSettings } from '../src/domain/risk';
export { quoteMidCents } from '../src/domain/instrument';

export type RiskVerdict = { ok: true } | { ok: false; code: string; message: string };

/**
 * Segment of an order, the key of segment_limits and capital_reservations: the STAR-LAB
 * account_tag (untagged orders share `UNTAGGED`), or `account:<id>` for ALL-USE's own.
 */
export const segmentOf = (input: TradeInstructionInput): string => (input.accountId ? `account:${input.accountId}` : (input.instruction.account_tag ?? 'UNTAGGED'));

/** The contract's current mid in cents for the limit-price band, or null when there is no usable quote. */
export type LimitMid = (input: TradeInstructionInput) => Promise<number | null>;

/** What the risk check asks the broker: a LIMIT order's mid, and the pacing queue's depth. */
export interface RiskMarket {
  limitMid: LimitMid;
  pacingBacklogMs: () => number;
}
export const NO_MARKET: RiskMarket = { limitMid: async () => null, pacingBacklogMs: () => 0 };

export interface RiskCheckDeps {
  store: RiskStore;
  /** STAR-LAB's limits, from the worker's configuration */
  settings: RiskSettings;
  /** the protocol whose per-account rules bound ALL-USE's own orders */
  protocol?: ProtocolConfig;
  market?: RiskMarket;
  clock: Clock;
}

/** The instruction as the risk rules see it (prices in cents, expiry YYYYMMDD). */
export function riskOrderOf(input: TradeInstructionInput): RiskOrder {
  const i = input.instruction;
  return {
    symbol: i.symbol,
    action: i.trade_action,
    quantity: i.quantity,
    ...(i.strike_price !== undefined ? { strikeCents: priceCents(i.strike_price) } : {}),
    ...(i.expiration_date ? { expiry: ymdOfIso(i.expiration_date) } : {}),
    ...(i.limit_price !== undefined ? { limitPriceCents: priceCents(i.limit_price) } : {}),
  };
}

/**
 * The verdict on one instruction. With `record`, its instruction row is written in the verdict's
 * own transaction (one commit for both): null then means nothing was written or decided because
 * the client has a webhook endpoint (its row is written with its RECEIVED event, elsewhere).
 */
export async function checkInstructionRisk(deps: RiskCheckDeps, input: TradeInstructionInput): Promise<RiskVerdict>;
export async function checkInstructionRisk(deps: RiskCheckDeps, input: TradeInstructionInput, record: InstructionRecord): Promise<RiskVerdict | null>;
export async function checkInstructionRisk(deps: RiskCheckDeps, input: TradeInstructionInput, record?: InstructionRecord): Promise<RiskVerdict | null> {
  const { store, settings, clock } = deps;
  const protocol = deps.protocol ?? DEFAULT_PROTOCOL;
  const market = deps.market ?? NO_MARKET;
  const i = input.instruction;
  const segment = segmentOf(input);
  const multiplier = protocol.market.contractMultiplier;
  const order = riskOrderOf(input);
  const query: RiskQuery = {
    orderId: input.allUseOrderId,
    segment,
    symbol: i.symbol,
    action: i.trade_action,
    clientName: input.clientName,
    strategyId: i.starlab_strategy_id,
    multiplier,
    quantity: i.quantity,
    ...(input.accountId ? { accountId: input.accountId } : {}),
    ...(i.account_tag ? { accountTag: i.account_tag } : {}),
  };
  // Read before the segment lock, all at once: nothing the lock guards depends on them.
  // A LIMIT order's price is checked against the broker's current mid (the band); without a
  // quote the band cannot be checked and the order goes on. A MARKET order is priced at the
  // contract's last fill, when there is one, so its notional and reserved capital are not zero.
  const [mid, { inputs: unlocked, lastFillPrice: last }] = await Promise.all([
    i.order_type === 'LIMIT' ? market.limitMid(input) : Promise.resolve(null),
    store.loadUnlocked(query, i.order_type === 'MARKET' ? contractKeyOf(i) : undefined),
  ]);
  if (mid !== null) order.midCents = mid;
  if (last !== null) order.midCents = priceCents(last);
  const owner = input.accountId ? { ownerKind: 'ACCOUNT' as const, ownerId: input.accountId } : { ownerKind: 'STRATEGY' as const, ownerId: strategyOwnerId(input.clientName, i.starlab_strategy_id) };
  const kind = input.accountId ? accountKindOf(input.accountId) : undefined;
  // A LEAPS sleeve ('<account>:LEAPS') exists to hold the LEAPS its quarterly reinvestment buys
  // (PROTOCOL §1): its own ledger cash bounds it, not its parent's per-symbol concentration cap.
  const sleeve = input.accountId?.endsWith(':LEAPS') ?? false;
  const policy: RiskPolicy = input.accountId ? { kind: 'INTERNAL', account: kind ? protocol.accounts[kind] : undefined, sleeve } : { kind: 'STARLAB', settings };
  const today = clock.now().toISOString().slice(0, 10);
  const pacingBacklogMs = market.pacingBacklogMs();

  // Under the segment lock: only what decides whether this order's capital is free and the
  // reservation itself, batched with the segment's other waiting orders of this process
  // (src/db/riskInputs.ts, src/db/reservations.ts lockedSegmentChecks: two round trips per batch).
  return store.underSegmentLock<RiskVerdict | null>(
    query,
    ({ hasReservation, ...locked }) => {
      // A retried activity after a passing check: the reservation is the verdict.
      if (hasReservation) return { result: { ok: true } };
      const { verdict, capitalCents } = decideRisk({ order, owner, inputs: { ...unlocked, ...locked }, policy, multiplier, limits: protocol.risk, today, pacingBacklogMs });
      if (!verdict.ok) return { result: verdict };
      return { reserveCents: capitalCents, result: { ok: true } };
    },
    record ? { instruction: record, refused: null } : undefined,
  );
}
