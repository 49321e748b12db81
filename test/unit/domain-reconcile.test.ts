/**
 * domain/reconcile: every difference between the broker and the books is explained with keyed
 * bookings, or reported unexplained with both sides' figures and the scopes it affects.
 */
import { expect } from 'chai';
import { reconcile, realizedNet, contractKey, type Owner, type BookPosition, type BrokerExecutionIn, type BrokerPositionIn, type ContractRef, type ReconcileInput } from '../../src/domain/reconcile';

const PUT190: ContractRef = { symbol: 'AAPL', secType: 'OPT', expiry: '20261127', strike: '190', right: 'P' };
const CALL210: ContractRef = { symbol: 'AAPL', secType: 'OPT', expiry: '20261127', strike: '210', right: 'C' };
const AAPL: ContractRef = { symbol: 'AAPL', secType: 'STK', expiry: '', strike: '0', right: '' };
const MSFT: ContractRef = { symbol: 'MSFT', secType: 'STK', expiry: '', strike: '0', right: '' };
const S1 = { ownerKind: 'STRATEGY' as const, ownerId: 'lab:S1', scope: 'segment:UNTAGGED' };
const S2 = { ownerKind: 'STRATEGY' as const, ownerId: 'lab:S2', scope: 'segment:B' };
const ACC = { ownerKind: 'ACCOUNT' as const, ownerId: 'F0:GEN', scope: 'account:F0:GEN' };
const FRIDAY_CLOSE = '2026-11-27T21:00:00.000Z';
const WEDNESDAY = '2026-11-25T16:00:00.000Z';

const book = (o: Owner, c: ContractRef, quantity: number, avgPrice = '1.2'): BookPosition => ({ ...o, contract: c, quantity, avgPrice });
const bpos = (c: ContractRef, quantity: number, avgCost = 0): BrokerPositionIn => ({ contract: c, quantity, avgCost });
const life = (execId: string, c: ContractRef, side: 'BUY' | 'SELL', shares: number, price: number, time = FRIDAY_CLOSE, realizedPnl?: number): BrokerExecutionIn => ({
  execId,
  orderId: 0,
  orderRef: '',
  time,
  contract: c,
  side,
  shares,
  price,
  commission: 0,
  ...(realizedPnl !== undefined ? { realizedPnl } : {}),
});
const input = (p: Partial<ReconcileInput>): ReconcileInput => ({
  asOf: FRIDAY_CLOSE,
  brokerPositions: [],
  brokerCashCents: 100_000_00,
  brokerExecutions: [],
  bookPositions: [],
  bookCashCents: 100_000_00,
  knownExecIds: new Set(),
  instructions: new Map(),
  ...p,
});

describe('domain/reconcile', () => {
  const cases: Array<{ when: string; in: ReconcileInput; kinds: string[]; unexplained: number; scopes: string[]; check?: (r: ReturnType<typeof reconcile>) => void }> = [
    {
      when: 'books and broker agree, then there is no difference',
      in: input({ bookPositions: [book(S1, PUT190, -1)], brokerPositions: [bpos(PUT190, -1)] }),
      kinds: [],
      unexplained: 0,
      scopes: [],
    },
    {
      when: 'a short put left the broker at price 0 with no stock, then it EXPIRED_WORTHLESS with the broker realised P&L',
      in: input({ bookPositions: [book(S1, PUT190, -1)], brokerExecutions: [life('e1', PUT190, 'BUY', 1, 0, FRIDAY_CLOSE, 119.35)] }),
      kinds: ['EXPIRED_WORTHLESS'],
      unexplained: 0,
      scopes: [],
      check: (r) => {
        const [b] = r.differences[0]!.bookings;
        expect(b).to.include({ key: 'LIFECYCLE:e1:STRATEGY:lab:S1', positionDelta: 1, cashCents: 0, realizedPnlCents: 11935, ownerId: 'lab:S1' });
      },
    },
    {
      when: 'the put closed at 0 and 100 shares came in at the strike on expiry day, then it was ASSIGNED: stock at basis = strike, cash out',
      in: input({
        bookPositions: [book(S1, PUT190, -1)],
        brokerPositions: [bpos(AAPL, 100, 190)],
        brokerCashCents: 100_000_00 - 19_000_00,
        brokerExecutions: [life('e1', PUT190, 'BUY', 1, 0), life('e2', AAPL, 'BUY', 100, 190)],
      }),
      kinds: ['ASSIGNED'],
      unexplained: 0,
      scopes: [],
      check: (r) => {
        const stock = r.differences[0]!.bookings[1]!;
        expect(stock).to.include({ positionDelta: 100, price: '190', cashCents: -19_000_00, ownerId: 'lab:S1', key: 'LIFECYCLE:e2:STRATEGY:lab:S1' });
      },
    },
    {
      when: 'the assignment came on a Wednesday, then it is EARLY_ASSIGNED',
      in: input({
        bookPositions: [book(S1, PUT190, -1)],
        brokerPositions: [bpos(AAPL, 100, 190)],
        brokerCashCents: 100_000_00 - 19_000_00,
        brokerExecutions: [life('e1', PUT190, 'BUY', 1, 0, WEDNESDAY), life('e2', AAPL, 'BUY', 100, 190, WEDNESDAY)],
      }),
      kinds: ['EARLY_ASSIGNED'],
      unexplained: 0,
      scopes: [],
    },
    {
      when: 'one of three short puts was assigned, then it is PARTIAL_ASSIGNED and two stay short',
      in: input({
        bookPositions: [book(S1, PUT190, -3)],
        brokerPositions: [bpos(PUT190, -2), bpos(AAPL, 100, 190)],
        brokerCashCents: 100_000_00 - 19_000_00,
        brokerExecutions: [life('e1', PUT190, 'BUY', 1, 0, WEDNESDAY), life('e2', AAPL, 'BUY', 100, 190, WEDNESDAY)],
      }),
      kinds: ['PARTIAL_ASSIGNED'],
      unexplained: 0,
      scopes: [],
    },
    {
      when: 'a covered call is called away, then it is ASSIGNED with shares out and cash in, for an ALL-USE account with its ledger entry',
      in: input({
        bookPositions: [book(ACC, CALL210, -1), book(ACC, AAPL, 100, '200')],
        brokerCashCents: 100_000_00 + 21_000_00,
        brokerExecutions: [life('e1', CALL210, 'BUY', 1, 0), life('e2', AAPL, 'SELL', 100, 210)],
      }),
      kinds: ['ASSIGNED'],
      unexplained: 0,
      scopes: [],
      check: (r) => {
        expect(r.differences[0]!.bookings[1]!.ledger).to.deep.equal({ key: 'ASSIGNMENT:F0:GEN:AAPL:20261127:C21000', from: 'MARKET', to: 'F0:GEN', amountCents: 21_000_00 });
      },
    },
    {
      when: 'a long call left with stock delivered, then it was EXERCISED',
      in: input({
        bookPositions: [book(S1, CALL210, 1)],
        brokerPositions: [bpos(AAPL, 100, 210)],
        brokerCashCents: 100_000_00 - 21_000_00,
        brokerExecutions: [life('e1', CALL210, 'SELL', 1, 0), life('e2', AAPL, 'BUY', 100, 210)],
      }),
      kinds: ['EXERCISED'],
      unexplained: 0,
      scopes: [],
    },
    {
      when: 'the broker filled an order of ours the books never recorded, then it is a MISSED_FILL booked under its instruction',
      in: input({
        brokerPositions: [bpos(PUT190, -1)],
        brokerCashCents: 100_000_00 + 120_00 - 65,
        brokerExecutions: [{ execId: 'x1', orderId: 1001, orderRef: 'au_1', time: WEDNESDAY, contract: PUT190, side: 'SELL', shares: 1, price: 1.2, commission: 0.65 }],
        instructions: new Map([['au_1', { ...S1, id: 'au_1', contract: PUT190 }]]),
      }),
      kinds: ['MISSED_FILL'],
      unexplained: 0,
      scopes: [],
      check: (r) => expect(r.differences[0]!.bookings[0]).to.include({ kind: 'FILL', instructionId: 'au_1', positionDelta: -1, cashCents: 120_00 - 65, commissionCents: 65 }),
    },
    {
      when: 'a position appeared at the broker that nobody ordered, then it is UNEXPLAINED and the scope holding that symbol goes reduce-only',
      in: input({ bookPositions: [book(S2, { ...PUT190, symbol: 'MSFT' }, -1)], brokerPositions: [bpos({ ...PUT190, symbol: 'MSFT' }, -1), bpos(MSFT, 50, 400)] }),
      kinds: ['UNEXPLAINED_POSITION'],
      unexplained: 1,
      scopes: ['segment:B'],
      check: (r) => {
        expect(r.differences[0]!.broker).to.deep.equal({ quantity: 50, avgCost: 400 });
        expect(r.differences[0]!.books).to.deep.include({ quantity: 0 });
      },
    },
    {
      when: 'a position nobody in the books touches appeared, then the global scope goes reduce-only',
      in: input({ brokerPositions: [bpos(MSFT, 50, 400)] }),
      kinds: ['UNEXPLAINED_POSITION'],
      unexplained: 1,
      scopes: ['global'],
    },
    {
      when: 'the books hold a put the broker no longer has and no execution says why, then it is unexplained under its owner scope',
      in: input({ bookPositions: [book(S1, PUT190, -1)] }),
      kinds: ['UNEXPLAINED_POSITION'],
      unexplained: 1,
      scopes: ['segment:UNTAGGED'],
    },
    {
      when: 'cash differs by a cent with everything else explained, then UNEXPLAINED_CASH with both figures',
      in: input({ brokerCashCents: 100_000_01 }),
      kinds: ['UNEXPLAINED_CASH'],
      unexplained: 1,
      scopes: ['global'],
      check: (r) => expect(r.differences[0]!.books).to.deep.equal({ cashCents: 100_000_00, differenceCents: 1 }),
    },
    {
      when: 'an execution with an orderRef no instruction has, then UNKNOWN_EXECUTION (and the position it left)',
      in: input({
        brokerPositions: [bpos(MSFT, 10, 400)],
        brokerCashCents: 100_000_00 - 4000_00 - 100,
        brokerExecutions: [{ execId: 'y', orderId: 5, orderRef: 'tws-manual', time: WEDNESDAY, contract: MSFT, side: 'BUY', shares: 10, price: 400, commission: 1 }],
      }),
      kinds: ['UNKNOWN_EXECUTION', 'UNEXPLAINED_POSITION', 'UNEXPLAINED_CASH'],
      unexplained: 3,
      scopes: ['global'],
    },
    {
      when: 'the lifecycle execution is already known to the books, then nothing is booked again (idempotent)',
      in: input({ brokerExecutions: [life('e1', PUT190, 'BUY', 1, 0)], knownExecIds: new Set(['e1']) }),
      kinds: [],
      unexplained: 0,
      scopes: [],
    },
    {
      when: 'the books already settled the expiry themselves, then ALREADY_SETTLED records the event for its owner without moving the position again',
      in: input({
        bookPositions: [book(ACC, AAPL, 100, '190')],
        brokerPositions: [bpos(AAPL, 100, 190)],
        bookCashCents: 100_000_00,
        brokerCashCents: 100_000_00 - 19_000_00,
        brokerExecutions: [life('e1', PUT190, 'BUY', 1, 0, FRIDAY_CLOSE, 119.35), life('e2', AAPL, 'BUY', 100, 190)],
        closedPositions: [book(ACC, PUT190, 0)],
      }),
      kinds: ['ALREADY_SETTLED'],
      unexplained: 0,
      scopes: [],
      check: (r) => {
        expect(r.differences[0]!.bookings.map((b) => [b.ownerId, b.positionDelta, b.cashCents, b.realizedPnlCents, b.moves])).to.deep.equal([
          ['F0:GEN', 1, 0, 11935, false],
          ['F0:GEN', 100, -19_000_00, 0, false],
        ]);
      },
    },
    {
      when: 'the books have no opening balance yet, then no cash difference and the opening balance is broker cash minus the booked flows',
      in: input({ bookCashCents: null, brokerCashCents: 123_45 }),
      kinds: [],
      unexplained: 0,
      scopes: [],
      check: (r) => expect(r.openingBalanceCents).to.equal(123_45),
    },
  ];
  for (const c of cases) {
    it(`when ${c.when}`, () => {
      const r = reconcile(c.in);
      expect(r.differences.map((d) => d.kind)).to.deep.equal(c.kinds);
      expect(r.unexplained).to.equal(c.unexplained);
      expect(r.explained).to.equal(c.kinds.length - c.unexplained);
      expect(r.reduceOnlyScopes).to.deep.equal(c.scopes);
      c.check?.(r);
    });
  }

  it('when two strategies hold the same short put and one contract is assigned, then the first owner (by id) takes it', () => {
    const r = reconcile(
      input({
        bookPositions: [book(S2, PUT190, -1), book(S1, PUT190, -1)],
        brokerPositions: [bpos(PUT190, -1), bpos(AAPL, 100, 190)],
        brokerCashCents: 100_000_00 - 19_000_00,
        brokerExecutions: [life('e1', PUT190, 'BUY', 1, 0, WEDNESDAY), life('e2', AAPL, 'BUY', 100, 190, WEDNESDAY)],
      }),
    );
    expect(r.differences.map((d) => d.kind)).to.deep.equal(['PARTIAL_ASSIGNED']);
    expect(r.differences[0]!.bookings.map((b) => b.ownerId)).to.deep.equal(['lab:S1', 'lab:S1']);
  });

  it('contract keys ignore how the strike is written', () => {
    expect(contractKey({ ...PUT190, strike: '190.0000' })).to.equal(contractKey(PUT190));
  });

  it('realised P&L net of commissions as IB reports it: a short put sold at 1.20 (0.65 commission) that expires earns 119.35', () => {
    expect(
      realizedNet([
        { contract: PUT190, signedQty: -1, price: '1.2', commissionCents: 65 },
        { contract: PUT190, signedQty: 1, price: 0, commissionCents: 0 },
      ]).realizedCents,
    ).to.equal(11935);
    // bought back at 0.50 with its own commission: 120 − 0.65 − 50 − 0.65
    expect(
      realizedNet([
        { contract: PUT190, signedQty: -1, price: '1.2', commissionCents: 65 },
        { contract: PUT190, signedQty: 1, price: '0.5', commissionCents: 65 },
      ]).realizedCents,
    ).to.equal(6870);
  });
});
