/**
 * The risk activity on fakes: an in-memory RiskStore (no database) and a manual clock. It
 * proves the wiring the integration tests (api-risk, protocol-weekly-cycle) cover end to end:
 * which policy applies to whom, that a passing verdict reserves capital once, that a retry
 * returns the recorded verdict, and that "today" is the injected clock's.
 */
import { expect } from 'chai';
import { checkInstructionRisk, segmentOf, type RiskCheckDeps } from '../../activities/risk';
import { manualClock } from '../../src/contracts/clock';
import type { TradeInstructionInput } from '../../src/contracts/workflows/tradeInstruction';
import type { RiskQuery, RiskStore } from '../../src/db/riskInputs';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import { DEFAULT_RISK_SETTINGS, type RiskInputs, type RiskPosition } from '../../src/domain/risk';

function fakeStore(inputs: Partial<RiskInputs> = {}) {
  const reservations = new Map<string, { segment: string; cents: number }>();
  const loaded: RiskQuery[] = [];
  const locks: string[] = [];
  const all = (): RiskInputs => ({ controls: [], segmentLimit: null, workingCents: 0, heldCents: 0, symbolPositions: [], workingCalls: 0, ...inputs });
  const store: RiskStore = {
    loadUnlocked: async () => {
      const { workingCents: _w, heldCents: _h, openOrdersForStrategy: _o, workingCalls: _c, ...unlocked } = all();
      return { inputs: unlocked, lastFillPrice: null };
    },
    async underSegmentLock(q, decide) {
      locks.push(q.segment);
      const hasReservation = reservations.has(q.orderId);
      // What the lock guards is read only for an order not already decided.
      if (!hasReservation) loaded.push(q);
      const { workingCents, heldCents, openOrdersForStrategy, workingCalls } = all();
      const d = decide({ hasReservation, workingCents, heldCents, workingCalls, ...(openOrdersForStrategy !== undefined ? { openOrdersForStrategy } : {}) });
      if (d.reserveCents !== undefined && !hasReservation) reservations.set(q.orderId, { segment: q.segment, cents: d.reserveCents });
      return d.result;
    },
  };
  return { store, reservations, loaded, locks };
}

let n = 0;
function starlab(over: Partial<TradeInstructionInput['instruction']> = {}): TradeInstructionInput {
  const coid = `c${n++}`;
  return {
    allUseOrderId: `id-${coid}`,
    clientName: 'starlab',
    source: 'STARLAB',
    requestHash: 'h',
    receivedAt: '2030-01-02T15:00:00.000Z',
    instruction: {
      starlab_strategy_id: 'S1',
      scheme_type: 'DIS',
      symbol: 'AAPL',
      trade_action: 'SELL_TO_OPEN_PUT',
      quantity: 2,
      order_type: 'MARKET',
      expiration_date: '2030-01-18',
      strike_price: 150,
      time_in_force: 'DAY',
      client_order_id: coid,
      account_tag: 'FUND',
      ...over,
    },
  };
}
const internal = (accountId: string, over: Partial<TradeInstructionInput['instruction']> = {}): TradeInstructionInput => {
  const i = starlab({ account_tag: undefined, ...over });
  return { ...i, clientName: 'ALL-USE', source: 'INTERNAL', accountId };
};
const pos = (p: Partial<RiskPosition>): RiskPosition => ({
  ownerKind: 'ACCOUNT',
  ownerId: 'F:REV',
  symbol: 'AAPL',
  secType: 'STK',
  right: '',
  expiry: '',
  strike: '0',
  quantity: 0,
  avgPrice: '0',
  ...p,
});

describe('activities/risk: checkInstructionRisk on fakes', () => {
  const clock = manualClock('2030-01-02T15:00:00Z');
  const deps = (store: RiskStore, over: Partial<RiskCheckDeps> = {}): RiskCheckDeps => ({ store, settings: DEFAULT_RISK_SETTINGS, protocol: DEFAULT_PROTOCOL, clock, ...over });

  describe('STAR-LAB', () => {
    it('when a short put fits its segment, then it passes and reserves strike × 100 × qty in the account_tag segment, under that segment lock', async () => {
      const f = fakeStore();
      const input = starlab();
      expect(await checkInstructionRisk(deps(f.store), input)).to.deep.equal({ ok: true });
      expect(f.locks).to.deep.equal(['FUND']);
      expect(f.reservations.get(input.allUseOrderId)).to.deep.equal({ segment: 'FUND', cents: 150_00 * 100 * 2 });
      expect(f.loaded[0]).to.include({ segment: 'FUND', symbol: 'AAPL', action: 'SELL_TO_OPEN_PUT', strategyId: 'S1' });
      expect(f.loaded[0]!.accountId).to.equal(undefined);
    });

    it('when the activity is retried after a passing check, then the reservation is the verdict (nothing decided under the lock, nothing reserved again)', async () => {
      const f = fakeStore({ segmentLimit: { capitalLimitCents: 0, maxOpenOrdersPerStrategy: null } });
      const input = starlab();
      f.reservations.set(input.allUseOrderId, { segment: 'FUND', cents: 1 });
      expect(await checkInstructionRisk(deps(f.store), input)).to.deep.equal({ ok: true });
      expect(f.loaded).to.have.length(0);
      expect(f.reservations.get(input.allUseOrderId)!.cents).to.equal(1);
    });

    it('when the segment limit is used up by working orders and held positions, then the put is not secured by what is left and nothing is reserved', async () => {
      const f = fakeStore({ segmentLimit: { capitalLimitCents: 50_000_00, maxOpenOrdersPerStrategy: null }, workingCents: 10_000_00, heldCents: 20_000_00 });
      const input = starlab();
      const v = await checkInstructionRisk(deps(f.store), input);
      expect(v.ok).to.equal(false);
      expect(v.ok ? '' : v.message).to.match(/^PUT_NOT_CASH_SECURED: required=30000.00, cash=20000.00/);
      expect(f.reservations.size).to.equal(0);
    });

    it("when the symbol is outside STAR-LAB's configured allowlist, then SYMBOL_NOT_ALLOWED (settings injected, not read from the environment)", async () => {
      const f = fakeStore();
      const v = await checkInstructionRisk(deps(f.store, { settings: { ...DEFAULT_RISK_SETTINGS, allowedSymbols: ['MSFT'] } }), starlab());
      expect(v.ok ? '' : v.message).to.equal('SYMBOL_NOT_ALLOWED: symbol=AAPL, allowed=MSFT');
    });

    it("when the contract expires before the injected clock's today, then CONTRACT_NOT_IN_CHAIN; the same order passes on an earlier clock", async () => {
      const f = fakeStore();
      const late = manualClock('2030-01-19T15:00:00Z');
      expect(((await checkInstructionRisk(deps(f.store, { clock: late }), starlab())) as { code?: string }).code).to.equal('CONTRACT_NOT_IN_CHAIN');
      late.set('2030-01-18T15:00:00Z'); // expiry day itself: still listed
      expect(await checkInstructionRisk(deps(f.store, { clock: late }), starlab())).to.deep.equal({ ok: true });
    });
  });

  describe("ALL-USE's own orders (INTERNAL)", () => {
    const rev = { cashCents: 100_000_00, positions: [] as RiskPosition[] };

    it("when a Rev-Acc short put fits its ledger cash minus the 5 % buffer, then it passes in the account's segment, whatever STAR-LAB's allowlist and segment limit say", async () => {
      const f = fakeStore({ account: rev, segmentLimit: { capitalLimitCents: 0, maxOpenOrdersPerStrategy: 0 } });
      const input = internal('F:REV', { quantity: 1, strike_price: 150 });
      const v = await checkInstructionRisk(deps(f.store, { settings: { ...DEFAULT_RISK_SETTINGS, allowedSymbols: [], segmentCapitalLimitCents: 0 } }), input);
      expect(v).to.deep.equal({ ok: true });
      expect(segmentOf(input)).to.equal('account:F:REV');
      expect(f.reservations.get(input.allUseOrderId)).to.deep.equal({ segment: 'account:F:REV', cents: 15_000_00 });
      expect(f.loaded[0]).to.include({ accountId: 'F:REV' });
    });

    it('when the put needs more than ledger cash minus the buffer, then PUT_NOT_CASH_SECURED with the buffer named', async () => {
      // $100,000 cash, buffer 5 % = $5,000: 7 × $15,000 = $105,000 > $95,000 — the cap would stop 2 contracts, so lift it (COM-like 100 %).
      const f = fakeStore({ account: { cashCents: 100_000_00, positions: [] } });
      const protocol = { ...DEFAULT_PROTOCOL, accounts: { ...DEFAULT_PROTOCOL.accounts, REV: { ...DEFAULT_PROTOCOL.accounts.REV, concentrationLimit: 1 } } };
      const v = await checkInstructionRisk(deps(f.store, { protocol }), internal('F:REV', { quantity: 7 }));
      expect(v.ok ? '' : v.message).to.equal('PUT_NOT_CASH_SECURED: required=105000.00, cash=100000.00, buffer=5000.00');
      const ok = await checkInstructionRisk(deps(fakeStore({ account: { cashCents: 100_000_00, positions: [] } }).store, { protocol }), internal('F:REV', { quantity: 6 }));
      expect(ok).to.deep.equal({ ok: true });
    });

    it("when the symbol's at-risk would pass the account's per-symbol cap (concentration × account value), then CONCENTRATION_LIMIT", async () => {
      // Rev-Acc cap 20 % of $100,000 = $20,000; an open short put already secures $15,000.
      const held = pos({ secType: 'OPT', right: 'P', strike: '150', expiry: '20300111', quantity: -1 });
      const f = fakeStore({ account: { cashCents: 100_000_00, positions: [held] }, symbolPositions: [held] });
      const v = await checkInstructionRisk(deps(f.store), internal('F:REV', { quantity: 1 }));
      expect(v.ok ? '' : v.message).to.equal('CONCENTRATION_LIMIT: symbol=AAPL, exposure_after=30000.00, limit=20000.00');
    });

    it("when the symbol is not among the protocol's underlyings of the account, then SYMBOL_NOT_ALLOWED (Gen-Acc trades TSLA and NVDA)", async () => {
      const f = fakeStore({ account: rev });
      const v = await checkInstructionRisk(deps(f.store), internal('F:GEN', { quantity: 1 }));
      expect(v.ok ? '' : v.message).to.equal('SYMBOL_NOT_ALLOWED: symbol=AAPL, allowed=TSLA|NVDA');
    });

    it('when the account has no ledger row, then it has no cash: PUT_NOT_CASH_SECURED', async () => {
      const f = fakeStore();
      const v = await checkInstructionRisk(deps(f.store), internal('F:REV', { quantity: 1 }));
      expect((v as { code?: string }).code).to.equal('PUT_NOT_CASH_SECURED');
    });

    it("when shares would be sold from under the account's own covered call, then CONFLICTS_WITH_ALLUSE_POSITION", async () => {
      const shares = pos({ ownerId: 'F:COM', quantity: 100, avgPrice: '150' });
      const call = pos({ ownerId: 'F:COM', secType: 'OPT', right: 'C', strike: '170', expiry: '20300118', quantity: -1 });
      const f = fakeStore({ account: { cashCents: 10_000_00, positions: [shares, call] }, symbolPositions: [shares, call] });
      const v = await checkInstructionRisk(deps(f.store), internal('F:COM', { trade_action: 'SELL_STOCK', quantity: 50, expiration_date: undefined, strike_price: undefined }));
      expect(v.ok ? '' : v.message).to.equal('CONFLICTS_WITH_ALLUSE_POSITION: shares_after=50, alluse_covered_shares=100');
    });
  });
});
