/**
 * Audit access, notification decisions, the webhook ops commands and the risk and compliance
 * report, on the real system: a day with risk refusals, a halt and a revoked key must show
 * each, and the report's CSV must carry the same figures as its JSON.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { RunningServer } from '../../src/api/app';
import { createApiClient, revokeApiClient } from '../../src/db/apiClients';
import { writeAudit } from '../../src/db/audit';
import { setSegmentLimit } from '../../src/db/reservations';
import { nyDate } from '../../src/reports/load';
import { COMPLIANCE_REPORT_SCHEDULE_ID } from '../../src/reports/schedules';
import type { System } from '../../src/system';
import { api, getSystem, until, type Json } from './_system';
import { call, operatorApi, uniq } from './ops-helpers';
import { runCli } from './_cli';

const BASE = '/api/v1/starlab_interface';
const root = path.resolve(__dirname, '..', '..');

/** `npm run ops -- <args>`: exit code, and stdout's last line parsed when it is JSON. */
async function ops(sys: System, args: string[]) {
  const r = await runCli('npm', ['run', '--silent', 'ops', '--', ...args], { cwd: root, env: { ...process.env, DATABASE_URL: sys.config.databaseUrl, LOG_LEVEL: 'error' } });
  const lastLine = r.stdout.trim().split('\n').at(-1) ?? '';
  let last: Json;
  try {
    last = JSON.parse(lastLine);
  } catch {
    last = undefined;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, last };
}

/** RFC 4180 CSV into objects keyed by the header. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') endCell();
    else if (ch === '\n') {
      endCell();
      rows.push(row);
      row = [];
    } else cell += ch;
  }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}

const stock = (over: Record<string, unknown>) => ({
  starlab_strategy_id: uniq('CMP'),
  scheme_type: 'DIS',
  symbol: 'GOOGL',
  trade_action: 'BUY_STOCK',
  quantity: 10,
  order_type: 'MARKET',
  time_in_force: 'DAY',
  client_order_id: uniq('cmp'),
  ...over,
});

async function rejectedOrder(sys: System, body: unknown): Promise<{ id: string; reason: string }> {
  const ack = await api(sys, 'POST', `${BASE}/trading/submit_trade_instruction`, body);
  expect(ack.status, JSON.stringify(ack.body)).to.equal(201);
  const id = ack.body.all_use_order_id as string;
  const st = await until(
    async () => {
      const r = await api(sys, 'GET', `${BASE}/trading/order_status/${id}`);
      return r.body.status === 'REJECTED' ? r.body : undefined;
    },
    30_000,
    `${id} REJECTED`,
  );
  return { id, reason: st.reject_reason as string };
}

describe('compliance: audit access, notifications, webhook commands, risk and compliance report', function () {
  this.timeout(180_000);
  let sys: System;
  let opsApi: RunningServer;
  before(async () => {
    sys = await getSystem();
    opsApi = await operatorApi(sys);
  });
  after(() => opsApi?.close());

  it('when a day has refusals, a halt and a revoked key, then the report shows each and its CSV matches its JSON', async () => {
    const started = new Date();
    sys.simulator!.setPrice('GOOGL', 100);
    // A refusal for capital: a segment whose limit is $1.
    const small = uniq('SEG_SMALL');
    await setSegmentLimit(sys.prisma, small, 100, null, 'cli:test');
    const capital = await rejectedOrder(sys, stock({ account_tag: small, order_type: 'LIMIT', limit_price: 100 }));
    expect(capital.reason).to.match(/^SEGMENT_CAPITAL_EXCEEDED:/);
    // A halt of one segment (the rest of the suite trades on), and the order it refuses.
    const halted = uniq('SEG_HALT');
    const h = await call(opsApi.url, 'POST', '/api/v1/operator/halt', { scope: `segment:${halted}`, reason: 'compliance drill' }, undefined);
    expect(h.status).to.equal(200);
    // A halted segment refuses at the door (issue 17): 503 TRADING_HALTED, nothing started.
    const refusedBody = stock({ account_tag: halted });
    const door = await api(sys, 'POST', `${BASE}/trading/submit_trade_instruction`, refusedBody);
    expect([door.status, door.body.error?.code]).to.deep.equal([503, 'TRADING_HALTED']);
    // The same body again: one more request counted, the same hash kept once.
    expect((await api(sys, 'POST', `${BASE}/trading/submit_trade_instruction`, refusedBody)).status).to.equal(503);
    expect(await sys.prisma.instruction.count({ where: { clientOrderId: refusedBody.client_order_id } })).to.equal(0);
    await call(opsApi.url, 'POST', '/api/v1/operator/resume', { scope: `segment:${halted}`, reason: 'drill over' });
    // A key issued, revoked (as `npm run apikey -- revoke` does), then tried: denied.
    const name = uniq('revoked');
    const creds = await createApiClient(sys.prisma, { name, strategies: ['*'], scopes: ['read'] });
    await revokeApiClient(sys.prisma, name);
    await writeAudit(sys.prisma, { actor: 'cli:test', action: 'KEY_REVOKED', target: name, outcome: 'OK' });
    const denied = await api(sys, 'GET', `${BASE}/webhooks`, undefined, { 'x-api-key': creds.api_key });
    expect([denied.status, denied.body.error.code]).to.deep.equal([401, 'CREDENTIALS_REVOKED']);
    // A wrong operator token: denied and audited too.
    expect((await call(opsApi.url, 'GET', '/api/v1/operator/status', undefined, 'wrong-token')).status).to.equal(401);

    const from = nyDate(started);
    const to = nyDate(new Date());
    const r = await call(opsApi.url, 'GET', `/api/v1/operator/compliance?from=${from}&to=${to}`);
    expect(r.status, r.text).to.equal(200);
    const rep = r.body;
    expect(rep).to.include({ kind: 'compliance', from, to });
    const refusal = (id: string) => rep.refusals.items.find((x: Json) => x.all_use_order_id === id);
    expect(refusal(capital.id)).to.include({ code: 'SEGMENT_CAPITAL_EXCEEDED', client: 'local' });
    const byCode = Object.fromEntries(rep.refusals.by_code.map((c: Json) => [c.key, c.count]));
    expect(byCode.SEGMENT_CAPITAL_EXCEEDED).to.be.at.least(1);
    expect(rep.refusals.by_client.find((c: Json) => c.key === 'local').count).to.be.at.least(1);
    expect(rep.controls).to.deep.include({
      at: rep.controls.find((c: Json) => c.scope === `segment:${halted}` && c.action === 'TRADING_HALTED').at,
      action: 'TRADING_HALTED',
      scope: `segment:${halted}`,
      actor: 'operator:api',
      reason: 'compliance drill',
    });
    expect(rep.controls.some((c: Json) => c.scope === `segment:${halted}` && c.action === 'TRADING_RESUMED')).to.equal(true);
    // Refused at the door: no instruction, but the report lists them (client, scope, count, body hash).
    // (Two rows when the two requests straddle a minute: one per client and minute.)
    const doorRows = rep.door_refusals.items.filter((d: Json) => d.scope === `segment:${halted}`);
    const doorRow = doorRows[0];
    expect(
      doorRows.map((d: Json) => [d.client, d.code]),
      JSON.stringify(rep.door_refusals),
    ).to.deep.equal(doorRows.map(() => ['local', 'TRADING_HALTED']));
    expect(doorRows.reduce((n: number, d: Json) => n + d.count, 0)).to.equal(2);
    expect(new Set(doorRows.flatMap((d: Json) => d.body_hashes)).size).to.equal(1);
    expect(rep.door_refusals.total).to.be.at.least(2);
    expect(rep.door_refusals.by_client.find((c: Json) => c.key === 'local').count).to.be.at.least(2);
    expect(rep.credentials.some((c: Json) => c.action === 'KEY_REVOKED' && c.target === name)).to.equal(true);
    expect(rep.credentials.some((c: Json) => c.action === 'AUTH_DENIED' && c.code === 'CREDENTIALS_REVOKED' && c.actor === name)).to.equal(true);
    const deniedCodes = rep.denied_access.items.map((d: Json) => d.code);
    expect(deniedCodes).to.include.members(['CREDENTIALS_REVOKED', 'OPERATOR_UNAUTHORIZED']);
    expect(rep.limits.segments.find((s: Json) => s.segment === small)).to.include({ capital_limit_cents: 100 });
    expect(rep.reconciliation).to.be.an('array');

    // CSV: the same figures, row for row.
    const csv = await call(opsApi.url, 'GET', `/api/v1/operator/compliance?from=${from}&to=${to}&format=csv`);
    expect(csv.headers.get('content-type')).to.match(/text\/csv/);
    const rows = parseCsv(csv.text);
    const section = (s: string) => rows.filter((x) => x.section === s);
    const r2 = (await call(opsApi.url, 'GET', `/api/v1/operator/compliance?from=${from}&to=${to}`)).body; // same data, later generation
    expect(Number(section('refusals_total')[0]!.count)).to.equal(r2.refusals.total);
    expect(section('refusals_by_code').map((x) => [x.code, Number(x.count)])).to.deep.equal(r2.refusals.by_code.map((c: Json) => [c.key, c.count]));
    expect(section('refusals_by_client').map((x) => [x.actor, Number(x.count)])).to.deep.equal(r2.refusals.by_client.map((c: Json) => [c.key, c.count]));
    expect(section('refusal').map((x) => [x.subject, x.code, x.detail])).to.deep.equal(r2.refusals.items.map((i: Json) => [i.all_use_order_id, i.code, i.reason]));
    expect(section('control').map((x) => [x.at, x.code, x.subject, x.actor, x.detail])).to.deep.equal(r2.controls.map((c: Json) => [c.at, c.action, c.scope, c.actor, c.reason ?? '']));
    expect(section('credential').map((x) => [x.at, x.subject, x.detail])).to.deep.equal(r2.credentials.map((c: Json) => [c.at, c.target ?? '', c.action]));
    expect(Number(section('denied_total')[0]!.count)).to.equal(r2.denied_access.total);
    expect(section('denied').map((x) => [x.at, x.actor, x.code])).to.deep.equal(r2.denied_access.items.map((d: Json) => [d.at, d.actor, d.code]));
    expect(Number(section('door_refusals_total')[0]!.count)).to.equal(r2.door_refusals.total);
    expect(section('door_refusal').map((x) => [x.at, x.actor, x.subject, x.code, Number(x.count)])).to.deep.equal(
      r2.door_refusals.items.map((d: Json) => [d.minute, d.client, d.scope, d.code, d.count]),
    );
    expect(section('segment').map((x) => [x.subject, Number(x.used_cents), Number(x.limit_cents), Number(x.count)])).to.deep.equal(
      r2.limits.segments.map((s: Json) => [s.segment, s.used_cents, s.capital_limit_cents, s.open_orders]),
    );
    expect(section('concentration').map((x) => [x.subject, Number(x.used_cents)])).to.deep.equal(r2.limits.concentration.map((c: Json) => [c.symbol, c.notional_cents]));

    const html = await call(opsApi.url, 'GET', `/api/v1/operator/compliance?from=${from}&to=${to}&format=html`);
    expect(html.text).to.contain('<svg').and.contain('compliance drill').and.contain(capital.id).and.contain(`segment:${halted}`).and.contain(doorRow.body_hashes[0]).and.not.contain('<script');

    // The CLI computes the same report from the same query.
    const cli = await ops(sys, ['compliance', '--from', from, '--to', to, '--json']);
    expect(cli.status, cli.stderr).to.equal(0);
    expect(cli.last.refusals.items.map((i: Json) => i.all_use_order_id)).to.include.members([capital.id]);
    expect(cli.last.door_refusals.items).to.deep.include(doorRow);
    expect(cli.last.controls).to.deep.include(rep.controls.find((c: Json) => c.scope === `segment:${halted}` && c.action === 'TRADING_HALTED'));

    // The daily schedule (after the close, New York time) runs a workflow that stores the day's report.
    const sched = await sys.client.schedule.getHandle(COMPLIANCE_REPORT_SCHEDULE_ID).describe();
    expect(sched.spec.timezone).to.equal('America/New_York');
    expect(sched.action).to.include({ workflowType: 'dailyComplianceReport' });
    const stored = await sys.client.workflow.execute('dailyComplianceReport', { taskQueue: sys.config.temporalTaskQueue, workflowId: uniq('compliance'), args: [{ date: to }] });
    expect(stored).to.include({ from: to, to });
    expect(await sys.prisma.report.findUnique({ where: { kind_periodStart_periodEnd: { kind: 'compliance', periodStart: to, periodEnd: to } } })).to.not.equal(null);
  });

  it('when operators read the audit log, then filters, the opaque cursor and CSV work from the route and the CLI prints one JSON object last', async () => {
    const actor = uniq('auditor');
    for (let i = 0; i < 5; i++) await writeAudit(sys.prisma, { actor, action: 'SEGMENT_LIMIT_SET', target: `t${i}`, outcome: 'OK', detail: { i, note: 'comma, "quote"' } });
    const p1 = await call(opsApi.url, 'GET', `/api/v1/operator/audit?actor=${actor}&limit=2`);
    expect(p1.status).to.equal(200);
    expect(p1.body.items.map((x: Json) => x.target)).to.deep.equal(['t4', 't3']);
    const p2 = await call(opsApi.url, 'GET', `/api/v1/operator/audit?actor=${actor}&limit=2&cursor=${p1.body.next_cursor}`);
    expect(p2.body.items.map((x: Json) => x.target)).to.deep.equal(['t2', 't1']);
    const p3 = await call(opsApi.url, 'GET', `/api/v1/operator/audit?actor=${actor}&limit=2&cursor=${p2.body.next_cursor}`);
    expect([p3.body.items.map((x: Json) => x.target), p3.body.next_cursor]).to.deep.equal([['t0'], null]);
    expect((await call(opsApi.url, 'GET', `/api/v1/operator/audit?cursor=garbage`)).status).to.equal(400);
    expect((await call(opsApi.url, 'GET', `/api/v1/operator/audit?from=yesterday`)).status).to.equal(400);
    const none = await call(opsApi.url, 'GET', `/api/v1/operator/audit?actor=${actor}&from=2000-01-01&to=2000-01-02`);
    expect(none.body).to.deep.equal({ items: [], next_cursor: null });
    const csv = await call(opsApi.url, 'GET', `/api/v1/operator/audit?actor=${actor}&format=csv`);
    const rows = parseCsv(csv.text);
    expect(rows.map((x) => x.target)).to.deep.equal(['t4', 't3', 't2', 't1', 't0']);
    expect(JSON.parse(rows[0]!.detail!)).to.deep.equal({ i: 4, note: 'comma, "quote"' });

    const cli = await ops(sys, ['audit', '--actor', actor, '--limit', '3', '--json']);
    expect(cli.status, cli.stderr).to.equal(0);
    expect(Object.keys(cli.last)).to.deep.equal(['items', 'next_cursor']);
    expect(cli.last.items.map((x: Json) => x.target)).to.deep.equal(['t4', 't3', 't2']);
    const next = await ops(sys, ['audit', '--actor', actor, '--limit', '3', '--cursor', cli.last.next_cursor, '--json']);
    expect([next.last.items.map((x: Json) => x.target), next.last.next_cursor]).to.deep.equal([['t1', 't0'], null]);
    const all = await ops(sys, ['audit', '--json']);
    expect(all.status, all.stderr).to.equal(0);
    expect(all.last).to.have.keys(['items', 'next_cursor']);
  });

  it('when STAR-LAB notifies a strategy, then operators list, accept or dismiss it once with a reason, and STAR-LAB reads the answer', async () => {
    const note = (title: string) => ({ starlab_strategy_id: uniq('WIS_NTF'), scheme_type: 'WIS', title, symbols: ['AAPL'] });
    const a = await api(sys, 'POST', `${BASE}/data_notifications/notify_validated_strategy`, note('first'));
    const b = await api(sys, 'POST', `${BASE}/data_notifications/notify_validated_strategy`, note('second'));
    expect([a.status, b.status]).to.deep.equal([201, 201]);
    const ida = a.body.notification_id as string;
    const idb = b.body.notification_id as string;
    expect((await api(sys, 'GET', `${BASE}/data_notifications/notify_validated_strategy/${ida}`)).body).to.include({ notification_id: ida, status: 'RECEIVED', reason: null });

    const listed = await ops(sys, ['notifications', '--status', 'NEW', '--json']);
    expect(listed.status, listed.stderr).to.equal(0);
    expect(Object.keys(listed.last)).to.deep.equal(['items', 'next_cursor']);
    expect(listed.last.items.map((x: Json) => x.id)).to.include.members([ida, idb]);

    const acc = await ops(sys, ['notifications', 'accept', ida, '--by', 'alice', '--reason', 'fits the WIS book', '--json']);
    expect(acc.status, acc.stderr).to.equal(0);
    expect(acc.last).to.include({ id: ida, status: 'ACCEPTED', decided_by: 'cli:alice', decision_reason: 'fits the WIS book' });
    const again = await ops(sys, ['notifications', 'dismiss', ida, '--by', 'bob', '--reason', 'changed my mind']);
    expect(again.status).to.equal(1);
    expect(again.stderr).to.contain('already ACCEPTED');

    const dis = await call(opsApi.url, 'POST', `/api/v1/operator/notifications/${idb}/dismiss`, { reason: 'too few symbols' });
    expect([dis.status, dis.body.status, dis.body.decided_by]).to.deep.equal([200, 'DISMISSED', 'operator:api']);
    expect((await call(opsApi.url, 'POST', `/api/v1/operator/notifications/${idb}/accept`, { reason: 'x' })).status).to.equal(409);
    expect((await call(opsApi.url, 'POST', `/api/v1/operator/notifications/${idb}/accept`, {})).status).to.equal(400);
    expect((await call(opsApi.url, 'POST', `/api/v1/operator/notifications/ntf_nope/accept`, { reason: 'x' })).status).to.equal(404);
    const decided = await call(opsApi.url, 'GET', `/api/v1/operator/notifications?status=DISMISSED&limit=1000`);
    expect(decided.body.items.find((x: Json) => x.id === idb)).to.include({ decision_reason: 'too few symbols' });

    const seen = await api(sys, 'GET', `${BASE}/data_notifications/notify_validated_strategy/${ida}`);
    expect(seen.body).to.include({ status: 'ACCEPTED', reason: 'fits the WIS book' });
    expect(seen.body.decided_at).to.be.a('string');
    const mine = await api(sys, 'GET', `${BASE}/data_notifications/notify_validated_strategy?limit=1000`);
    expect(mine.body.items.find((x: Json) => x.notification_id === idb)).to.include({ status: 'DISMISSED', reason: 'too few symbols' });
    const audit = await sys.prisma.auditLog.findMany({ where: { target: { in: [ida, idb] } }, orderBy: { id: 'asc' } });
    expect(audit.map((x) => x.action)).to.deep.equal(['STRATEGY_NOTIFIED', 'STRATEGY_NOTIFIED', 'NOTIFICATION_ACCEPTED', 'NOTIFICATION_DISMISSED']);
  });

  it('when operators manage webhooks from the CLI, then add prints one JSON object with id and secret, list hides it, and plain http elsewhere is refused', async () => {
    const added = await ops(sys, ['webhooks', 'add', '--client', 'local', '--url', 'http://127.0.0.1:9/hook', '--json']);
    expect(added.status, added.stderr).to.equal(0);
    expect(added.stdout.trim().split('\n')).to.have.length(1);
    expect(added.last.id).to.match(/^whe_/);
    expect(added.last.secret).to.match(/^whsec_/);
    const listed = await ops(sys, ['webhooks', 'list', '--client', 'local', '--json']);
    expect(listed.last.items.map((e: Json) => e.id)).to.include(added.last.id);
    expect(listed.stdout).not.to.contain(added.last.secret);
    expect((await ops(sys, ['webhooks', 'remove', added.last.id, '--json'])).last).to.deep.equal({ id: added.last.id, removed: true });
    const refused = await ops(sys, ['webhooks', 'add', '--client', 'local', '--url', 'http://example.com/hook', '--json']);
    expect(refused.status).to.equal(1);
    expect(refused.stderr).to.contain('loopback');
    const dead = await ops(sys, ['webhooks', 'deliveries', '--dead', '--json']);
    expect(dead.status, dead.stderr).to.equal(0);
    expect(dead.last).to.have.keys(['items']);
  });
});
