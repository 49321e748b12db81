import { expect } from 'chai';
import { computeCompliance, nyBounds, type ComplianceInput } from '../../src/reports/compliance';
import { complianceCsv, complianceHtml } from '../../src/reports/complianceRender';

const input = (over: Partial<ComplianceInput> = {}): ComplianceInput => ({
  from: '2026-03-09',
  to: '2026-03-09',
  generatedAt: '2026-03-09T21:00:00.000Z',
  rejected: [
    { at: '2026-03-09T14:00:00.000Z', id: 'au_1', client: 'starlab', strategy: 'DIS_1', symbol: 'AAPL', source: 'STARLAB', reason: 'KILL_SWITCH: global=true, account=false' },
    {
      at: '2026-03-09T14:01:00.000Z',
      id: 'au_2',
      client: 'starlab',
      strategy: 'DIS_1',
      symbol: 'AAPL',
      source: 'STARLAB',
      reason: 'SEGMENT_CAPITAL_EXCEEDED: required=1000.00, used=0.00, limit=1.00',
    },
    { at: '2026-03-09T14:02:00.000Z', id: 'au_3', client: 'other', strategy: 'WIS_2', symbol: 'MSFT', source: 'STARLAB', reason: 'KILL_SWITCH: global=true, account=false' },
    { at: '2026-03-09T14:03:00.000Z', id: 'au_4', client: 'other', strategy: 'WIS_2', symbol: 'MSFT', source: 'STARLAB', reason: null },
  ],
  audit: [
    { at: '2026-03-09T13:59:00.000Z', actor: 'operator:alice', action: 'TRADING_HALTED', target: 'global', outcome: 'OK', detail: { halted: true, reason: 'fat finger, "drill"' } },
    { at: '2026-03-09T14:10:00.000Z', actor: 'cli:bob', action: 'KEY_REVOKED', target: 'starlab', outcome: 'OK', detail: null },
    { at: '2026-03-09T14:11:00.000Z', actor: 'starlab', action: 'AUTH_DENIED', target: '/trading/order_status/x', outcome: 'DENIED', detail: { code: 'CREDENTIALS_REVOKED', ip: '10.0.0.5' } },
    { at: '2026-03-09T14:12:00.000Z', actor: 'other', action: 'ACCESS_DENIED', target: 'au_1', outcome: 'DENIED', detail: { code: 'NOT_OWNER' } },
    {
      at: '2026-03-09T14:13:00.000Z',
      actor: 'anonymous',
      action: 'OPERATOR_AUTH_DENIED',
      target: '/api/v1/operator/halt',
      outcome: 'DENIED',
      detail: { code: 'OPERATOR_UNAUTHORIZED', ip: '10.0.0.9' },
    },
    { at: '2026-03-09T15:00:00.000Z', actor: 'reconciler', action: 'RECONCILIATION_DIFFERENCE', target: 'pos_1', outcome: 'FAILED', detail: { broker: 3, books: 2 } },
  ],
  segments: [{ segment: 'STARLAB_DIS', capitalLimitCents: 100_000, maxOpenOrdersPerStrategy: null, workingCents: 20_000, heldCents: 5_000, openOrders: 2 }],
  accounts: [{ id: 'acc_gen', kind: 'GEN', cashCents: 1_000_000, openOrders: 1 }],
  positions: [
    { ownerKind: 'ACCOUNT', ownerId: 'acc_gen', symbol: 'AAPL', notionalCents: 30_000 },
    { ownerKind: 'STRATEGY', ownerId: 'starlab:DIS_1', symbol: 'AAPL', notionalCents: 10_000 },
    { ownerKind: 'STRATEGY', ownerId: 'starlab:DIS_1', symbol: 'MSFT', notionalCents: 5_000 },
  ],
  concentrationLimitCents: 200_000,
  revokedClients: [
    { at: '2026-03-09T14:10:00.000Z', client: 'starlab' },
    { at: '2026-03-09T16:00:00.000Z', client: 'silent' },
  ],
  doorRefusals: [
    {
      minute: '2026-03-09T14:00:00.000Z',
      client: 'starlab',
      code: 'TRADING_HALTED',
      scope: 'global',
      count: 3,
      bodyHashes: ['h1', 'h2'],
      firstAt: '2026-03-09T14:00:01.000Z',
      lastAt: '2026-03-09T14:00:59.000Z',
    },
    {
      minute: '2026-03-09T14:01:00.000Z',
      client: 'other',
      code: 'TRADING_HALTED',
      scope: 'global',
      count: 1,
      bodyHashes: ['h3'],
      firstAt: '2026-03-09T14:01:02.000Z',
      lastAt: '2026-03-09T14:01:02.000Z',
    },
  ],
  ...over,
});

describe('risk and compliance report (pure)', () => {
  const r = computeCompliance(input());

  it('when refusals carry coded reasons, then they are counted by code and by client, most first', () => {
    expect(r.refusals.total).to.equal(4);
    expect(r.refusals.by_code).to.deep.equal([
      { key: 'KILL_SWITCH', count: 2 },
      { key: 'SEGMENT_CAPITAL_EXCEEDED', count: 1 },
      { key: 'UNCODED', count: 1 },
    ]);
    expect(r.refusals.by_client).to.deep.equal([
      { key: 'other', count: 2 },
      { key: 'starlab', count: 2 },
    ]);
  });

  it('when limits are used, then segment use, account holdings and concentration by symbol are computed in cents', () => {
    expect(r.limits.segments[0]).to.include({ used_cents: 25_000, used_pct: 25, open_orders: 2 });
    expect(r.limits.accounts[0]).to.include({ held_cents: 30_000, open_orders: 1 });
    expect(r.limits.concentration[0]).to.deep.equal({
      symbol: 'AAPL',
      notional_cents: 40_000,
      limit_cents: 200_000,
      used_pct: 20,
      owners: [
        { owner: 'ACCOUNT:acc_gen', notional_cents: 30_000, share_pct: 75 },
        { owner: 'STRATEGY:starlab:DIS_1', notional_cents: 10_000, share_pct: 25 },
      ],
    });
  });

  it('when halts, revocations, reconciliation differences and denials are audited, then each lands in its section', () => {
    expect(r.controls).to.deep.equal([{ at: '2026-03-09T13:59:00.000Z', action: 'TRADING_HALTED', scope: 'global', actor: 'operator:alice', reason: 'fat finger, "drill"' }]);
    expect(r.reconciliation.map((x) => x.action)).to.deep.equal(['RECONCILIATION_DIFFERENCE']);
    // The audited revocation once, the unaudited one from api_clients, and the revoked key's denied use.
    expect(r.credentials.map((c) => [c.action, c.target, c.code])).to.deep.equal([
      ['KEY_REVOKED', 'starlab', null],
      ['AUTH_DENIED', '/trading/order_status/x', 'CREDENTIALS_REVOKED'],
      ['KEY_REVOKED', 'silent', null],
    ]);
    expect(r.denied_access.total).to.equal(3);
    expect(r.denied_access.by_code.map((c) => c.key)).to.have.members(['CREDENTIALS_REVOKED', 'NOT_OWNER', 'OPERATOR_UNAUTHORIZED']);
  });

  it('when submissions were refused at the door, then each minute row is listed and the requests are counted by client', () => {
    expect(r.door_refusals.total).to.equal(4);
    expect(r.door_refusals.by_code).to.deep.equal([{ key: 'TRADING_HALTED', count: 4 }]);
    expect(r.door_refusals.by_client).to.deep.equal([
      { key: 'starlab', count: 3 },
      { key: 'other', count: 1 },
    ]);
    expect(r.door_refusals.items[0]).to.deep.equal({
      minute: '2026-03-09T14:00:00.000Z',
      client: 'starlab',
      code: 'TRADING_HALTED',
      scope: 'global',
      count: 3,
      first_at: '2026-03-09T14:00:01.000Z',
      last_at: '2026-03-09T14:00:59.000Z',
      body_hashes: ['h1', 'h2'],
    });
    // Not instructions: the refusals of instructions keep their own count.
    expect(r.refusals.total).to.equal(4);
    const csv = complianceCsv(r).trim().split('\n');
    expect(csv).to.include('door_refusals_total,,,,,4,,,,');
    expect(csv).to.include('door_refusal,2026-03-09T14:00:00.000Z,starlab,global,TRADING_HALTED,3,,,,first_at=2026-03-09T14:00:01.000Z last_at=2026-03-09T14:00:59.000Z body_hashes=h1;h2');
    expect(complianceHtml(r)).to.contain('Refused at the door, nothing started (4)').and.contain('h1 h2');
  });

  it('when nothing happened, then every section is empty and the report still renders', () => {
    const empty = computeCompliance(input({ rejected: [], audit: [], segments: [], accounts: [], positions: [], revokedClients: [], doorRefusals: [] }));
    expect([empty.refusals.total, empty.controls.length, empty.credentials.length, empty.denied_access.total, empty.reconciliation.length, empty.door_refusals.total]).to.deep.equal([
      0, 0, 0, 0, 0, 0,
    ]);
    expect(complianceHtml(empty)).to.contain('None.');
  });

  it('when rendered, then the CSV has one row per figure (quotes and commas escaped) and the HTML has charts and no script', () => {
    const csv = complianceCsv(r);
    const lines = csv.trim().split('\n');
    expect(lines[0]).to.equal('section,at,actor,subject,code,count,used_cents,limit_cents,share_pct,detail');
    expect(lines).to.include('refusals_by_code,,,,KILL_SWITCH,2,,,,');
    expect(lines).to.include('control,2026-03-09T13:59:00.000Z,operator:alice,global,TRADING_HALTED,,,,,"fat finger, ""drill"""');
    expect(lines.filter((l) => l.startsWith('refusal,'))).to.have.length(4);
    const html = complianceHtml(r);
    expect(html).to.contain('<svg').and.contain('fat finger, &#34;drill&#34;').and.not.contain('<script');
  });

  it('when a New York date range is bounded, then daylight saving time is exact', () => {
    expect(nyBounds('2026-03-08', '2026-03-08')).to.deep.equal({ gte: new Date('2026-03-08T05:00:00Z'), lt: new Date('2026-03-09T04:00:00Z') });
    expect(nyBounds('2026-07-01', '2026-07-02')).to.deep.equal({ gte: new Date('2026-07-01T04:00:00Z'), lt: new Date('2026-07-03T04:00:00Z') });
  });
});
