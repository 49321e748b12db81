/**
 * PROTOCOL §5 risk checks through the API: each failure ends the order REJECTED with the
 * coded reason in order_status, and no order reaches the broker. Capital reservations in
 * the account_tag segment are taken by working orders and released when they end.
 */
import { expect } from 'chai';
import type { IbBroker } from '../../activities/broker/ib-adapter';
import { allUseOrderId, requestHash } from '../../src/contracts/ids';
import type { TradeInstruction } from '../../src/contracts/instruction';
import { lastFillPrice } from '../../src/db/positions';
import { setSegmentLimit } from '../../src/db/reservations';
import { contractKeyOf } from '../../src/domain/instrument';
import { priceCents } from '../../src/domain/money';
import { openFamily } from '../../src/db/accounts';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import { tradeInstruction } from '../../workflows/tradeInstruction';
import { instructionWorkflowId, type TradeInstructionInput } from '../../src/contracts/workflows/tradeInstruction';
import { BASE, call, instruction, limitNear, newClient, securedApi, submit, trade, uniq, waitStatus, type Secured, type TestClient } from './api-kit';

describe('STAR-LAB API: risk checks', function () {
  this.timeout(120_000);
  let s: Secured;
  let c: TestClient;
  before(async () => {
    s = await securedApi();
    c = await newClient(s.sys);
  });

  async function rejected(body: Record<string, unknown>, code: string): Promise<void> {
    const st = await trade(s, c, body, ['REJECTED', 'FILLED', 'CANCELLED', 'SUBMITTED']);
    expect(st.status, JSON.stringify(st)).to.equal('REJECTED');
    expect(st.reject_reason).to.match(new RegExp(`^${code}: `));
    expect(s.sys.simulator!.orders().some((o) => o.orderRef === st.all_use_order_id)).to.equal(false);
  }
  const stock = (strategy: string, over: Record<string, unknown>) => instruction(strategy, { trade_action: 'BUY_STOCK', expiration_date: undefined, strike_price: undefined, ...over });

  it('when the segment kill switch or reduce-only is on, then 503 TRADING_HALTED at the door / REDUCE_ONLY', async () => {
    const halted = uniq('SEG_HALT');
    const reduce = uniq('SEG_RO');
    await s.sys.prisma.controlState.createMany({
      data: [
        { scope: `segment:${halted}`, halted: true, reason: 'test' },
        { scope: `segment:${reduce}`, reduceOnly: true },
      ],
    });
    // A halted segment refuses new instructions at once, nothing started (secure-defaults.test.ts);
    // the risk check's KILL_SWITCH still stops one already in flight (ops-killswitch.test.ts).
    const refused = await submit(s, c, instruction(uniq('DIS_R'), { account_tag: halted }));
    expect([refused.status, refused.body.error?.code, refused.body.error?.details?.scope]).to.deep.equal([503, 'TRADING_HALTED', `segment:${halted}`]);
    await rejected(instruction(uniq('DIS_R'), { account_tag: reduce }), 'REDUCE_ONLY');
  });

  it('when the symbol or contract is not tradable, then SYMBOL_NOT_ALLOWED / CONTRACT_NOT_IN_CHAIN', async () => {
    await rejected(instruction(uniq('DIS_R'), { symbol: 'ZZZZ' }), 'SYMBOL_NOT_ALLOWED');
    await rejected(instruction(uniq('DIS_R'), { expiration_date: '2020-01-17' }), 'CONTRACT_NOT_IN_CHAIN');
  });

  it('when shorts are not secured or closes have nothing to close, then PUT_NOT_CASH_SECURED / CALL_NOT_COVERED / NO_POSITION_TO_CLOSE', async () => {
    const seg = uniq('SEG_SMALL');
    await setSegmentLimit(s.sys.prisma, seg, 1_000_000); // $10,000
    await rejected(instruction(uniq('DIS_R'), { trade_action: 'SELL_TO_OPEN_PUT', account_tag: seg }), 'PUT_NOT_CASH_SECURED');
    await rejected(instruction(uniq('DIS_R'), { trade_action: 'SELL_TO_OPEN_CALL' }), 'CALL_NOT_COVERED');
    await rejected(instruction(uniq('DIS_R'), { trade_action: 'SELL_TO_CLOSE_CALL' }), 'NO_POSITION_TO_CLOSE');
    await rejected(stock(uniq('DIS_R'), { trade_action: 'SELL_STOCK', quantity: 10 }), 'NO_POSITION_TO_CLOSE');
  });

  it('when a working covered call already uses the shares, then a second call is CALL_NOT_COVERED', async () => {
    const strategy = uniq('DIS_CC');
    const shares = await trade(s, c, stock(strategy, { quantity: 100 }), ['FILLED', 'REJECTED']);
    expect(shares.status, JSON.stringify(shares)).to.equal('FILLED');
    // A sell limit 15 % over the mid rests: it passed the check and holds the 100 shares as cover.
    const call1 = await limitNear(s, instruction(strategy, { trade_action: 'SELL_TO_OPEN_CALL', time_in_force: 'GTC' }), 1.15);
    const first = await submit(s, c, call1);
    await waitStatus(s, c, first.body.all_use_order_id, ['SUBMITTED']);
    await rejected({ ...call1, client_order_id: uniq('second') }, 'CALL_NOT_COVERED');
    await call(s.api, 'POST', `${BASE}/trading/cancel_order/${first.body.all_use_order_id}`, undefined, c.auth);
  });

  it('when an order is too big, then QUANTITY_LIMIT / NOTIONAL_LIMIT / CONCENTRATION_LIMIT', async () => {
    await rejected(instruction(uniq('DIS_R'), { quantity: 501 }), 'QUANTITY_LIMIT');
    await rejected(instruction(uniq('DIS_R'), { trade_action: 'BUY_TO_OPEN_PUT', strike_price: 1000, quantity: 60 }), 'NOTIONAL_LIMIT');
    const big = uniq('SEG_BIG');
    await setSegmentLimit(s.sys.prisma, big, 1_000_000_000);
    await rejected(instruction(uniq('DIS_R'), { symbol: 'NVDA', trade_action: 'SELL_TO_OPEN_PUT', strike_price: 1000, quantity: 26, account_tag: big }), 'CONCENTRATION_LIMIT');
  });

  it('when working orders hold the segment capital, then SEGMENT_CAPITAL_EXCEEDED until one ends and releases it', async () => {
    const seg = uniq('SEG_CAP');
    await setSegmentLimit(s.sys.prisma, seg, 1_000_000); // $10,000
    const strategy = uniq('DIS_CAP');
    s.sys.simulator!.setPrice('MSFT', 10);
    // Buys 10 % under the $10 mid: inside the risk band, and they rest.
    const resting = (coid: string) => stock(strategy, { order_type: 'LIMIT', limit_price: 9, quantity: 400, time_in_force: 'GTC', account_tag: seg, client_order_id: coid, symbol: 'MSFT' }); // $3,600 each
    await rejected({ ...resting(uniq('huge')), quantity: 1200 }, 'SEGMENT_CAPITAL_EXCEEDED'); // $10,800
    const big = { ...resting(uniq('hold')), quantity: 1000 }; // $9,000
    const first = await submit(s, c, big);
    await waitStatus(s, c, first.body.all_use_order_id, ['SUBMITTED']);
    const reservation = await s.sys.prisma.capitalReservation.findUnique({ where: { instructionId: first.body.all_use_order_id } });
    expect(Number(reservation?.amountCents)).to.equal(900_000);
    await rejected({ ...resting(uniq('more')), quantity: 112 }, 'SEGMENT_CAPITAL_EXCEEDED'); // $1,008 > $1,000 left
    await call(s.api, 'POST', `${BASE}/trading/cancel_order/${first.body.all_use_order_id}`, undefined, c.auth);
    await waitStatus(s, c, first.body.all_use_order_id, ['CANCELLED']);
    const released = await s.sys.prisma.capitalReservation.findUnique({ where: { instructionId: first.body.all_use_order_id } });
    expect(released?.releasedAt).to.be.instanceOf(Date);
    const after = await trade(s, c, { ...resting(uniq('after')), quantity: 100 }, ['SUBMITTED', 'REJECTED']);
    expect(after.status).to.equal('SUBMITTED');
    await call(s.api, 'POST', `${BASE}/trading/cancel_order/${after.all_use_order_id}`, undefined, c.auth);
  });

  it('when a MARKET buy is checked, then its capital is reserved at the last fill price and released when it fills', async () => {
    s.sys.simulator!.setPrice('AMZN', 50);
    const strategy = uniq('DIS_MKT');
    // The database is shared with the other suites of this mocha run: an earlier AMZN fill prices the
    // first order; on a fresh database there is none and it is priced at 0.
    const before = await lastFillPrice(s.sys.prisma, contractKeyOf({ symbol: 'AMZN', trade_action: 'BUY_STOCK' }));
    const first = await trade(s, c, stock(strategy, { symbol: 'AMZN', quantity: 10 }));
    const second = await trade(s, c, stock(strategy, { symbol: 'AMZN', quantity: 10 }));
    const rows = await s.sys.prisma.capitalReservation.findMany({ where: { instructionId: { in: [first.all_use_order_id, second.all_use_order_id] } } });
    const amount = (id: string) => Number(rows.find((r) => r.instructionId === id)?.amountCents);
    expect([amount(first.all_use_order_id), amount(second.all_use_order_id)]).to.deep.equal([10 * priceCents(before ?? 0), 50_010]); // 10 × 50.01, the first's fill
    expect(rows.every((r) => r.releasedAt instanceof Date)).to.equal(true);
  });

  it("when a strategy has its segment's maximum of open orders, then OPEN_ORDER_LIMIT", async () => {
    const seg = uniq('SEG_OOL');
    await setSegmentLimit(s.sys.prisma, seg, 1_000_000_000, 1);
    const strategy = uniq('DIS_OOL');
    const first = await trade(s, c, await limitNear(s, instruction(strategy, { time_in_force: 'GTC', account_tag: seg }), 0.85), ['SUBMITTED']);
    await rejected(instruction(strategy, { account_tag: seg }), 'OPEN_ORDER_LIMIT');
    await call(s.api, 'POST', `${BASE}/trading/cancel_order/${first.all_use_order_id}`, undefined, c.auth);
  });

  it("when a LIMIT price is more than 20 % off the broker's mid, then LIMIT_PRICE_OUT_OF_BAND; 15 % off passes", async () => {
    s.sys.simulator!.setPrice('GOOGL', 100);
    const strategy = uniq('DIS_BAND');
    await rejected(stock(strategy, { symbol: 'GOOGL', quantity: 1, order_type: 'LIMIT', limit_price: 125 }), 'LIMIT_PRICE_OUT_OF_BAND');
    await rejected(instruction(strategy, { order_type: 'LIMIT', limit_price: 0.01, time_in_force: 'GTC' }), 'LIMIT_PRICE_OUT_OF_BAND');
    const inside = await trade(s, c, stock(strategy, { symbol: 'GOOGL', quantity: 1, order_type: 'LIMIT', limit_price: 85, time_in_force: 'GTC' }), ['SUBMITTED', 'REJECTED']);
    expect(inside.status, JSON.stringify(inside)).to.equal('SUBMITTED');
    await call(s.api, 'POST', `${BASE}/trading/cancel_order/${inside.all_use_order_id}`, undefined, c.auth);
  });

  it('when filled positions already hold the segment capital, then a new buy is SEGMENT_CAPITAL_EXCEEDED, and closing still passes', async () => {
    const seg = uniq('SEG_HELD');
    await setSegmentLimit(s.sys.prisma, seg, 1_000_000); // $10,000
    s.sys.simulator!.setPrice('AMZN', 100);
    const strategy = uniq('DIS_HELD');
    const buy = (quantity: number) => stock(strategy, { symbol: 'AMZN', quantity, account_tag: seg });
    const held = await trade(s, c, buy(80)); // $8,000.80 filled: no working order reserves it any more
    expect(held.status).to.equal('FILLED');
    await rejected(buy(30), 'SEGMENT_CAPITAL_EXCEEDED'); // ~$3,000 > ~$2,000 left
    await setSegmentLimit(s.sys.prisma, seg, 100_000); // the operator cuts the segment to $1,000: closing must stay possible
    const closed = await trade(s, c, stock(strategy, { symbol: 'AMZN', trade_action: 'SELL_STOCK', quantity: 80, account_tag: seg }), ['FILLED', 'REJECTED']);
    expect(closed.status, JSON.stringify(closed)).to.equal('FILLED');
  });

  it("when a STAR-LAB order would trade against ALL-USE's own contract, then CONFLICTS_WITH_ALLUSE_POSITION", async () => {
    // An ALL-USE account writes a covered call through the internal path (source INTERNAL):
    // a Com-Acc with ledger cash (its risk comes from its ledger and the protocol's underlyings).
    const family = uniq('RISKFAM');
    await openFamily(s.sys.prisma, { id: family, name: family, lumpSumCents: 100_000_000, protocol: DEFAULT_PROTOCOL });
    const account = `${family}:COM`;
    const internal = async (over: Record<string, unknown>) => {
      const coid = uniq('internal');
      const id = allUseOrderId('alluse', coid);
      const body = instruction(uniq('ALLUSE'), { client_order_id: coid, account_tag: undefined, ...over }) as TradeInstruction;
      const input: TradeInstructionInput = {
        allUseOrderId: id,
        clientName: 'alluse',
        source: 'INTERNAL',
        requestHash: requestHash(body),
        instruction: body,
        accountId: account,
        receivedAt: new Date().toISOString(),
      };
      const final = await s.sys.client.workflow.execute(tradeInstruction, { workflowId: instructionWorkflowId(id), taskQueue: s.sys.config.temporalTaskQueue, args: [input] });
      expect(final.status, JSON.stringify(final)).to.equal('FILLED');
    };
    await internal({ trade_action: 'BUY_STOCK', quantity: 100, expiration_date: undefined, strike_price: undefined });
    await internal({ trade_action: 'SELL_TO_OPEN_CALL', strike_price: 170 });
    // The same contract from STAR-LAB: one broker account would net it against ALL-USE's short call.
    await rejected(instruction(uniq('DIS_CONFLICT'), { trade_action: 'BUY_TO_OPEN_CALL', strike_price: 170 }), 'CONFLICTS_WITH_ALLUSE_POSITION');
    // Another strike is no conflict.
    const other = await trade(s, c, instruction(uniq('DIS_CONFLICT'), { trade_action: 'BUY_TO_OPEN_CALL', strike_price: 175 }), ['FILLED', 'REJECTED']);
    expect(other.status, JSON.stringify(other)).to.equal('FILLED');
  });

  it('when the broker pacing queue is over 10 s deep, then PACING_LIMIT (not parked behind it); once it drains, orders fill', async () => {
    // IB answers pacing violations with a penalty the adapter keeps by holding every message back.
    const limiter = (s.sys.broker as IbBroker).limiter;
    limiter.penalize(20_000);
    try {
      await rejected(instruction(uniq('DIS_PACE')), 'PACING_LIMIT');
    } finally {
      limiter.penalize(0);
    }
    expect((await trade(s, c, instruction(uniq('DIS_PACE')))).status).to.equal('FILLED');
  });
});
