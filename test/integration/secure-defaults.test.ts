/**
 * Secure by default (issue 17): authentication required on every bind (the default API, on
 * loopback), the local credential `npm start` issues once, a read-only credential reading every
 * strategy its patterns match, a halted system refusing new instructions at the door, /metrics
 * and readiness details behind the operator token, nothing internal in STAR-LAB's answers, and
 * the simulator answering an unknown symbol as IB does.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { IBApiNext, SecType } from '@stoqey/ib';
import { allUseOrderId } from '../../src/contracts/ids';
import { revokeApiClient } from '../../src/db/apiClients';
import { ensureLocalCredential } from '../../src/localCredential';
import { startSimulator } from '../../src/ib-sim';
import { instructionWorkflowId } from '../../src/contracts/workflows/tradeInstruction';
import { BASE, call, instruction, newClient, securedApi, trade, uniq, type Secured } from './api-kit';
import { OPERATOR_TOKEN } from './_system';

describe('secure defaults', function () {
  this.timeout(120_000);
  let s: Secured;
  before(async () => {
    s = await securedApi();
  });

  it('when the API runs on its defaults on loopback, then a request without credentials is refused (401)', async () => {
    const r = await call(s.sys.api!, 'GET', `${BASE}/trading/order_status/au_00000000-0000-0000-0000-000000000000`);
    expect([r.status, r.body.error?.code]).to.deep.equal([401, 'UNAUTHENTICATED']);
  });

  it('when the local credential is ensured twice, then it is issued once, owner-only, reused, and authenticates', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alluse-cred-'));
    try {
      const first = await ensureLocalCredential(s.sys.prisma, dir);
      expect(first.created).to.equal(true);
      expect(fs.statSync(first.file).mode & 0o777).to.equal(0o600);
      const again = await ensureLocalCredential(s.sys.prisma, dir);
      expect([again.created, again.credential.api_key]).to.deep.equal([false, first.credential.api_key]);
      const r = await call(s.api, 'GET', `${BASE}/trading/order_status/au_00000000-0000-0000-0000-000000000000`, undefined, { authorization: `Bearer ${first.credential.api_key}` });
      expect(r.status).to.equal(404); // authenticated: the order simply does not exist
      // A lost database row (another database, a revocation): a new key, and the file rewritten.
      await revokeApiClient(s.sys.prisma, 'local');
      const reissued = await ensureLocalCredential(s.sys.prisma, dir);
      expect(reissued.created).to.equal(true);
      expect(reissued.credential.api_key).to.not.equal(first.credential.api_key);
      expect(JSON.parse(fs.readFileSync(reissued.file, 'utf8')).api_key).to.equal(reissued.credential.api_key);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      // this test re-issued client "local": give the shared system's api() helper its current key
      s.sys.localCredential = await ensureLocalCredential(s.sys.prisma, s.sys.config.dataDir);
    }
  });

  it('when a read-only credential matches a strategy another client traded, then it reads its positions, performance and orders', async () => {
    const prefix = uniq('RS').toUpperCase();
    const strategy = `${prefix}_A`;
    const trader = await newClient(s.sys, { strategies: [`${prefix}_*`], scopes: ['trade', 'read'] });
    const reader = await newClient(s.sys, { strategies: [`${prefix}_*`], scopes: ['read'] });
    const stranger = await newClient(s.sys, { strategies: ['NOT_THIS_*'], scopes: ['read'] });
    const done = await trade(s, trader, instruction(strategy));
    const pos = await call(s.api, 'GET', `${BASE}/trading/positions/${strategy}`, undefined, reader.auth);
    expect(pos.status, JSON.stringify(pos.body)).to.equal(200);
    expect(pos.body).to.have.length(1);
    expect(pos.body[0]).to.include({ symbol: 'AAPL', quantity: 1 });
    const perf = await call(s.api, 'GET', `${BASE}/trading/performance/${strategy}`, undefined, reader.auth);
    expect([perf.status, perf.body.starlab_strategy_id]).to.deep.equal([200, strategy]);
    const st = await call(s.api, 'GET', `${BASE}/trading/order_status/${done.all_use_order_id}`, undefined, reader.auth);
    expect([st.status, st.body.status]).to.deep.equal([200, 'FILLED']);
    // patterns that do not match: a 404, as for a strategy that does not exist
    expect((await call(s.api, 'GET', `${BASE}/trading/positions/${strategy}`, undefined, stranger.auth)).status).to.equal(404);
    expect((await call(s.api, 'GET', `${BASE}/trading/order_status/${done.all_use_order_id}`, undefined, stranger.auth)).status).to.equal(404);
    // read scope only: it still may not trade
    expect((await call(s.api, 'POST', `${BASE}/trading/submit_trade_instruction`, instruction(strategy), reader.auth)).status).to.equal(403);
  });

  it('when trading is halted, then a new instruction is refused at once (503 TRADING_HALTED) and nothing is started or recorded', async () => {
    const c = await newClient(s.sys);
    const op = (p: string, body: unknown) => call(s.sys.api!, 'POST', `/api/v1/operator/${p}`, body, { authorization: `Bearer ${OPERATOR_TOKEN}` });
    expect((await op('halt', { reason: 'secure-defaults test' })).status).to.equal(200);
    try {
      const body = instruction(uniq('HALT'));
      const r = await call(s.api, 'POST', `${BASE}/trading/submit_trade_instruction`, body, c.auth);
      expect([r.status, r.body.error?.code], JSON.stringify(r.body)).to.deep.equal([503, 'TRADING_HALTED']);
      expect(await s.sys.prisma.instruction.count({ where: { clientOrderId: String(body.client_order_id) } })).to.equal(0);
      const id = allUseOrderId(c.name, String(body.client_order_id));
      const described = await s.sys.client.workflow
        .getHandle(instructionWorkflowId(id))
        .describe()
        .then(
          () => 'started',
          (e: unknown) => e,
        );
      expect(described).to.be.instanceOf(WorkflowNotFoundError);
    } finally {
      expect((await op('resume', {})).status).to.equal(200);
    }
    // and after resume the same client trades again
    const again = await call(s.api, 'POST', `${BASE}/trading/submit_trade_instruction`, instruction(uniq('HALT')), c.auth);
    expect(again.status).to.equal(201);
  });

  it('when /metrics or /readyz is asked without the operator token, then metrics are refused and readiness says only ready or not', async () => {
    const api = s.sys.api!;
    const m = await call(api, 'GET', '/metrics');
    expect([m.status, m.body.error?.code]).to.deep.equal([401, 'OPERATOR_UNAUTHORIZED']);
    expect(String(m.body)).to.not.match(/alluse_account_equity/);
    const withToken = await call(api, 'GET', '/metrics', undefined, { authorization: `Bearer ${OPERATOR_TOKEN}` });
    expect(withToken.status).to.equal(200);
    expect(String(withToken.body)).to.match(/^alluse_trading_halted /m);
    const plain = await call(api, 'GET', '/readyz');
    expect(Object.keys(plain.body)).to.deep.equal(['status']);
    expect(plain.body.status).to.be.oneOf(['ready', 'not_ready']);
    const detailed = await call(api, 'GET', '/readyz', undefined, { authorization: `Bearer ${OPERATOR_TOKEN}` });
    expect(detailed.body).to.have.keys(['status', 'failing', 'checks', 'kill_switch']);
  });

  it('when STAR-LAB asks for WEEK_TYPE_HISTORY, then no account id or family name is in the answer', async () => {
    const fam = uniq('SECRETFAM');
    await s.sys.prisma.weekTypeRecord.createMany({
      data: [
        { accountId: `${fam}:GEN`, symbol: 'TSLA', week: '2031-W02', type: 'P-EW' },
        { accountId: `${fam}:REV`, symbol: 'TSLA', week: '2031-W02', type: 'P-EW' },
      ],
    });
    try {
      const c = await newClient(s.sys, { scopes: ['data'] });
      const r = await call(s.api, 'POST', `${BASE}/data_notifications/request_data`, { data_type: 'WEEK_TYPE_HISTORY', symbol: 'TSLA', from_week: '2031-W02', to_week: '2031-W02' }, c.auth);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(JSON.stringify(r.body)).to.not.include(fam);
      expect(r.body.data).to.deep.equal([{ symbol: 'TSLA', week: '2031-W02', week_type: 'P-EW' }]);
    } finally {
      await s.sys.prisma.weekTypeRecord.deleteMany({ where: { accountId: { startsWith: fam } } });
    }
  });

  it('when the simulator is asked for contract details of an unknown symbol, then it answers error 200 as IB does', async () => {
    const sim = await startSimulator({ port: 0 });
    const next = new IBApiNext({ host: '127.0.0.1', port: sim.port, reconnectInterval: 0 });
    try {
      next.connect(31);
      const known = await next.getContractDetails({ symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', currency: 'USD' });
      expect(known).to.have.length(1);
      const err = await next.getContractDetails({ symbol: 'QZXQ', secType: SecType.STK, exchange: 'SMART', currency: 'USD' }).then(
        () => null,
        (e: { code: number; error: Error }) => e,
      );
      expect(err?.code).to.equal(200);
      expect(err?.error.message).to.match(/No security definition has been found for the request/);
    } finally {
      next.disconnect();
      await sim.close();
    }
  });
});
