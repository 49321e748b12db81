/**
 * domain/reconcile as of the broker's snapshot: fills between the broker and the books (in flight
 * either way) and executions that came while the broker was read are timing, never a reason for
 * reduce-only; a difference only persists to unexplained over every look.
 */
import { expect } from 'chai';
import { laterThanSnapshot, persistentOnly, reconcile, subsetSums, undecidedKeys, type BookFill, type BrokerExecutionIn, type ContractRef, type ReconcileInput } from '../../src/domain/reconcile';

const AAPL: ContractRef = { symbol: 'AAPL', secType: 'STK', expiry: '', strike: '0', right: '' };
const MSFT: ContractRef = { symbol: 'MSFT', secType: 'STK', expiry: '', strike: '0', right: '' };
const S1 = { ownerKind: 'STRATEGY' as const, ownerId: 'lab:S1', scope: 'segment:A' };
const READ_START = '2026-12-07T15:00:10.000Z';
const BEFORE = '2026-12-07T15:00:05.000Z';
const AFTER = '2026-12-07T15:00:11.000Z';
// One AAPL share at 200.00, commission 1.00: −200.01... as cents: −20_000 − 100.
const BUY_CASH = -20_000 - 100;

const buy = (execId: string, orderRef: string, time = BEFORE): BrokerExecutionIn => ({ execId, orderId: 7, orderRef, time, contract: AAPL, side: 'BUY', shares: 1, price: 200, commission: 1 });
const fill = (execId: string, time: string): BookFill => ({ ...S1, execId, time, contract: AAPL, signedQty: 1, cashCents: BUY_CASH });
const instr = (id: string, inFlight: boolean) => [id, { ...S1, id, contract: AAPL, inFlight }] as const;

/** The books hold `books` AAPL shares (cash accordingly), the broker `broker`. */
const input = (books: number, broker: number, p: Partial<ReconcileInput> = {}): ReconcileInput => ({
  asOf: AFTER,
  brokerPositions: broker ? [{ contract: AAPL, quantity: broker, avgCost: 200 }] : [],
  brokerCashCents: 1_000_000_00 + broker * BUY_CASH,
  brokerExecutions: [],
  bookPositions: books ? [{ ...S1, contract: AAPL, quantity: books, avgPrice: '200' }] : [],
  bookCashCents: 1_000_000_00 + books * BUY_CASH,
  knownExecIds: new Set(),
  instructions: new Map(),
  snapshot: { readStartedAt: READ_START, settledExecIds: new Set() },
  ...p,
});

describe('domain/reconcile as of the broker snapshot', () => {
  it('when the broker executed an order whose workflow has not recorded the fill yet, then it is IN_FLIGHT: nothing booked, no difference, no reduce-only', () => {
    const e = buy('x1', 'au_1');
    const r = reconcile(input(2, 3, { brokerExecutions: [e], snapshot: { readStartedAt: READ_START, settledExecIds: new Set(['x1']) }, instructions: new Map([instr('au_1', true)]) }));
    expect(r.differences.map((d) => [d.kind, d.timing])).to.deep.equal([['IN_FLIGHT', 'in_flight']]);
    expect(r.differences[0]!.bookings).to.deep.equal([]);
    expect(r).to.include({ explained: 0, unexplained: 0, inFlight: 1, deferred: 0 });
    expect(r.reduceOnlyScopes).to.deep.equal([]);
  });

  it('when the same fill belongs to an instruction whose workflow is gone, then it is still a MISSED_FILL booked under it', () => {
    const r = reconcile(
      input(2, 3, { brokerExecutions: [buy('x1', 'au_1')], snapshot: { readStartedAt: READ_START, settledExecIds: new Set(['x1']) }, instructions: new Map([instr('au_1', false)]) }),
    );
    expect(r.differences.map((d) => d.kind)).to.deep.equal(['MISSED_FILL']);
    expect(r).to.include({ explained: 1, inFlight: 0 });
  });

  it('when the books recorded a fill after the broker snapshot (not listed, executed after the read began), then the books are compared without it', () => {
    const r = reconcile(input(4, 3, { recentBookFills: [fill('late', AFTER)] }));
    expect(r.differences.map((d) => [d.kind, d.timing])).to.deep.equal([['IN_FLIGHT', 'in_flight']]);
    expect(r).to.include({ unexplained: 0, inFlight: 1 });
  });

  it('when the books hold a fill the broker never listed that executed before the read began, then it is not timing: the books differ', () => {
    const r = reconcile(input(4, 3, { recentBookFills: [fill('ghost', BEFORE)] }));
    expect(r.differences.map((d) => d.kind)).to.deep.equal(['UNEXPLAINED_POSITION', 'UNEXPLAINED_CASH']);
    // The position under its owner's scope; cash is the whole account's.
    expect(r.reduceOnlyScopes).to.deep.equal(['global', 'segment:A']);
  });

  it('when a fill the broker listed is in the books, then it counts on both sides (a recent book fill is not left out)', () => {
    const r = reconcile(
      input(4, 4, {
        brokerExecutions: [buy('x4', 'au_4')],
        knownExecIds: new Set(['x4']),
        snapshot: { readStartedAt: READ_START, settledExecIds: new Set(['x4']) },
        recentBookFills: [fill('x4', AFTER)],
      }),
    );
    expect(r.differences).to.deep.equal([]);
  });

  it('when executions came while positions and cash were read, then a difference they can account for is deferred, not unexplained', () => {
    // Two fills listed only after the positions read: the broker's positions hold one of them.
    const r = reconcile(
      input(5, 4, {
        brokerExecutions: [buy('a', 'au_a'), buy('b', 'au_b')],
        knownExecIds: new Set(['a', 'b']),
        snapshot: { readStartedAt: READ_START, settledExecIds: new Set() },
      }),
    );
    expect(r.differences.map((d) => [d.kind, d.timing])).to.deep.equal([
      ['UNEXPLAINED_POSITION', 'deferred'],
      ['UNEXPLAINED_CASH', 'deferred'],
    ]);
    expect(r).to.include({ unexplained: 0, deferred: 2 });
    expect(r.reduceOnlyScopes).to.deep.equal([]);
  });

  it('when the difference is more than those executions can account for, then it is unexplained', () => {
    const r = reconcile(input(5, 2, { brokerExecutions: [buy('a', 'au_a')], knownExecIds: new Set(['a']), snapshot: { readStartedAt: READ_START, settledExecIds: new Set() } }));
    expect(r.differences.map((d) => [d.kind, d.timing ?? null])).to.deep.equal([
      ['UNEXPLAINED_POSITION', null],
      ['UNEXPLAINED_CASH', null],
    ]);
    expect(r.reduceOnlyScopes).to.deep.equal(['global', 'segment:A']);
  });

  it('when a position nobody ordered appears while fills are in flight, then it is still unexplained (global)', () => {
    const r = reconcile(
      input(2, 3, {
        brokerPositions: [
          { contract: AAPL, quantity: 3, avgCost: 200 },
          { contract: MSFT, quantity: 10, avgCost: 400 },
        ],
        brokerExecutions: [buy('x1', 'au_1')],
        snapshot: { readStartedAt: READ_START, settledExecIds: new Set(['x1']) },
        instructions: new Map([instr('au_1', true)]),
      }),
    );
    expect(r.differences.map((d) => [d.kind, d.timing ?? null])).to.deep.equal([
      ['IN_FLIGHT', 'in_flight'],
      ['UNEXPLAINED_POSITION', null],
    ]);
    expect(r.reduceOnlyScopes).to.deep.equal(['global']);
  });

  it('when the last look keeps only what persisted, then a difference new on it is deferred and one seen on every look is unexplained', () => {
    const r = reconcile(input(2, 3, { brokerPositions: [{ contract: MSFT, quantity: 10, avgCost: 400 }], brokerCashCents: 1_000_000_00 + 2 * BUY_CASH }));
    expect(undecidedKeys(r)).to.deep.equal(['UNEXPLAINED_POSITION:AAPL|STK||0|', 'UNEXPLAINED_POSITION:MSFT|STK||0|']);
    const last = persistentOnly(r, new Set(['UNEXPLAINED_POSITION:MSFT|STK||0|']));
    expect(last.differences.map((d) => [d.key, d.timing ?? null])).to.deep.equal([
      ['UNEXPLAINED_POSITION:AAPL|STK||0|', 'deferred'],
      ['UNEXPLAINED_POSITION:MSFT|STK||0|', null],
    ]);
    expect(last).to.include({ unexplained: 1, deferred: 1 });
    expect(last.reduceOnlyScopes).to.deep.equal(['global']);
  });

  it('laterThanSnapshot reads IB time strings as well as ISO, and the read-start second counts as after', () => {
    const snap = { readStartedAt: '2026-12-07T15:00:10.700Z', settledExecIds: new Set<string>() };
    expect(laterThanSnapshot({ execId: 'a', time: '20261207 10:00:10 US/Eastern' }, new Set(), snap)).to.equal(true);
    expect(laterThanSnapshot({ execId: 'a', time: '20261207 10:00:09 US/Eastern' }, new Set(), snap)).to.equal(false);
    expect(laterThanSnapshot({ execId: 'a', time: '2026-12-07T15:00:12.000Z' }, new Set(), snap)).to.equal(true);
    expect(laterThanSnapshot({ execId: 'a', time: '2026-12-07T15:00:12.000Z' }, new Set(['a']), snap)).to.equal(false);
    expect(laterThanSnapshot({ execId: 'a', time: 'garbage' }, new Set(), snap)).to.equal(false);
  });

  it('subsetSums lists every subset sum, and gives up (null) past its limit', () => {
    expect([...subsetSums([1, 1, -3])!].sort((a, b) => a - b)).to.deep.equal([-3, -2, -1, 0, 1, 2]);
    expect(subsetSums([1, 2, 4, 8, 16], 8)).to.equal(null);
  });
});
