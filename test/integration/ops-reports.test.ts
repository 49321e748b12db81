/**
 * Reports on the real system: the schedules exist, the daily and weekly workflows store their
 * report, the operator API serves it as JSON, HTML (inline SVG) and CSV, a range is computed on
 * demand, and the ops CLI reads the same rows.
 */
import { expect } from 'chai';
import path from 'node:path';
import type { RunningServer } from '../../src/api/app';
import type { FamilyReport, Report } from '../../src/reports/compute';
import { loadReportInput } from '../../src/reports/load';
import { DAILY_REPORT_SCHEDULE_ID, WEEKLY_REPORT_SCHEDULE_ID } from '../../src/reports/schedules';
import type { System } from '../../src/system';
import { getSystem } from './_system';
import { runCli } from './_cli';
import { call, operatorApi, uniq } from './ops-helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const at = (d: string) => new Date(`${d}T15:00:00Z`); // 10:00 in New York

describe('ops: reports', function () {
  this.timeout(120_000);
  let sys: System;
  let op: RunningServer;
  const fam = `OPSR_${process.pid}`;
  const gen = `${fam}:GEN`;
  const family = (r: Report) => r.families.find((f) => f.familyId === fam) as FamilyReport;

  before(async () => {
    sys = await getSystem();
    op = await operatorApi(sys);
    await sys.prisma.accountFamily.create({ data: { id: fam, name: 'report family', accounts: { create: [{ id: gen, kind: 'GEN', baseCents: 1_000_000n, cashCents: 1_000_000n }] } } });
    const e = (key: string, d: string, reason: string, from: string | null, to: string | null, cents: number) => ({
      key: `${fam}:${key}`,
      familyId: fam,
      fromAccountId: from,
      toAccountId: to,
      amountCents: BigInt(cents),
      reason,
      createdAt: at(d),
    });
    await sys.prisma.ledgerEntry.createMany({
      data: [
        e('dep', '2026-11-06', 'DEPOSIT', null, gen, 1_000_000),
        e('prem', '2026-11-12', 'PREMIUM', 'MARKET', gen, 15_000),
        e('comm', '2026-11-12', 'COMMISSION', gen, 'MARKET', 130),
        e('wd', '2026-11-13', 'WITHDRAWAL', gen, null, 5_000),
      ],
    });
    await sys.prisma.weekTypeRecord.create({ data: { accountId: gen, symbol: 'TSLA', week: '2026-W46', type: 'P-EW' } });
  });
  after(async () => {
    await op?.close();
    // Leave no family behind: the weekly-cycle tests run every family in the database.
    await sys.prisma.ledgerEntry.deleteMany({ where: { familyId: fam } });
    await sys.prisma.weekTypeRecord.deleteMany({ where: { accountId: gen } });
    await sys.prisma.account.deleteMany({ where: { familyId: fam } });
    await sys.prisma.accountFamily.deleteMany({ where: { id: fam } });
  });

  it('when the system starts, then the daily and weekly report schedules exist', async () => {
    for (const id of [DAILY_REPORT_SCHEDULE_ID, WEEKLY_REPORT_SCHEDULE_ID]) {
      const s = await sys.client.schedule.getHandle(id).describe();
      expect(s.spec.timezone).to.equal('America/New_York');
    }
  });

  it('when the weekly and daily workflows run, then their reports are stored with the hand-worked figures', async () => {
    const run = (type: string, date: string) => sys.client.workflow.execute(type, { taskQueue: sys.config.temporalTaskQueue, workflowId: uniq(type), args: [{ date }] });
    expect(await run('weeklyReport', '2026-11-11')).to.include({ kind: 'weekly', from: '2026-11-09', to: '2026-11-13' });
    expect(await run('dailyReport', '2026-11-12')).to.include({ kind: 'daily', from: '2026-11-12', to: '2026-11-12' });
    const row = await sys.prisma.report.findUnique({ where: { kind_periodStart_periodEnd: { kind: 'weekly', periodStart: '2026-11-09', periodEnd: '2026-11-13' } } });
    const f = family(row!.body as unknown as Report);
    // 10,000 + 150 − 1.30 − 50 = 10,098.70; realised 148.70; −50 withdrawn; peak Thu 10,148.70
    expect(f).to.include({ openingCashCents: 1_000_000, cashCents: 1_009_870, equityCents: 1_009_870, premiumCents: 15_000, realisedPnlCents: 14_870, netTransfersCents: -5_000 });
    expect(f.drawdown.maxCents).to.equal(5_000);
    expect(f.weekTypes).to.deep.equal({ 'P-EW': 1 });
  });

  it('when the operator API is asked, then JSON, HTML with SVG and CSV are served', async () => {
    const j = await call(op.url, 'GET', '/api/v1/operator/reports/weekly/2026-11-12?format=json');
    expect(j.status).to.equal(200);
    expect(family(j.body as Report).cashCents).to.equal(1_009_870);
    const h = await call(op.url, 'GET', '/api/v1/operator/reports/weekly/2026-11-12?format=html');
    expect(h.headers.get('content-type')).to.contain('text/html');
    expect(h.headers.get('content-security-policy')).to.contain("default-src 'none'");
    expect(h.text).to.contain('<svg').and.contain(fam).and.not.contain('<script');
    const c = await call(op.url, 'GET', '/api/v1/operator/reports/daily/2026-11-12?format=csv');
    expect(c.headers.get('content-type')).to.contain('text/csv');
    expect(c.text.split('\n')[0]).to.match(/^level,id,kind_or_scheme,opening_cash_cents,/);
    expect(c.text).to.match(new RegExp(`^account,${gen},GEN,1000000,1014870,1014870,15000,130,14870,`, 'm'));
    expect((await call(op.url, 'GET', '/api/v1/operator/reports/daily/2026-13-01')).status).to.equal(400);
    expect((await call(op.url, 'GET', '/api/v1/operator/reports')).body.reports.length).to.be.at.least(2);
  });

  it('when a range is requested, then it is computed on demand and stored', async () => {
    const r = await call(op.url, 'POST', '/api/v1/operator/reports', { from: '2026-11-01', to: '2026-11-13' });
    expect(r.status).to.equal(200);
    // the deposit is inside this range: a transfer, not P&L
    expect(family(r.body as Report)).to.include({ openingCashCents: 0, cashCents: 1_009_870, netTransfersCents: 995_000, realisedPnlCents: 14_870 });
    expect(await sys.prisma.report.count({ where: { kind: 'range', periodStart: '2026-11-01', periodEnd: '2026-11-13' } })).to.equal(1);
    expect((await call(op.url, 'POST', '/api/v1/operator/reports', { from: '2026-11-13', to: '2026-11-01' })).status).to.equal(400);
  });

  it("when an event is recorded late in the New York evening or just after its midnight, then it is in that New York day's report (EST and EDT)", async () => {
    // 23:30 on 2025-12-05 in New York (EST) is 04:30 UTC the next day; 00:30 on 2025-07-06 (EDT) is 04:30 UTC.
    const winter = new Date('2025-12-06T04:30:00Z');
    const summer = new Date('2025-07-06T04:30:00Z');
    await sys.prisma.auditLog.createMany({
      data: [winter, summer].map((createdAt) => ({ actor: 'test', action: 'PROTOCOL_LEVEL', target: gen, outcome: 'OK', detail: { at: createdAt.toISOString() }, createdAt })),
    });
    const eventsOn = async (day: string) => (await loadReportInput(sys.prisma, 'daily', day, day)).events.filter((e) => e.accountId === gen && e.action === 'PROTOCOL_LEVEL').map((e) => e.at);
    expect(await eventsOn('2025-12-05')).to.deep.equal([winter.toISOString()]);
    expect(await eventsOn('2025-12-06')).to.deep.equal([]);
    expect(await eventsOn('2025-07-06')).to.deep.equal([summer.toISOString()]);
    expect(await eventsOn('2025-07-05')).to.deep.equal([]);
  });

  it('when the ops CLI prints the weekly report and the accounts, then it reads the same rows', async () => {
    const env = { ...process.env, DATABASE_URL: sys.config.databaseUrl, LOG_LEVEL: 'error' };
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const rep = await runCli(tsx, ['src/cli/ops.ts', 'reports', 'weekly', '2026-11-10', '--format', 'json'], { cwd: ROOT, env });
    expect(rep.status, rep.stderr).to.equal(0);
    expect(family(JSON.parse(rep.stdout) as Report).cashCents).to.equal(1_009_870);
    const acc = await runCli(tsx, ['src/cli/ops.ts', '--json', 'accounts', 'show', gen], { cwd: ROOT, env });
    expect(acc.status, acc.stderr).to.equal(0);
    expect(JSON.parse(acc.stdout)).to.include({ id: gen, kind: 'GEN', cashCents: 1_000_000 });
    const table = await runCli(tsx, ['src/cli/ops.ts', 'accounts', 'list'], { cwd: ROOT, env });
    expect(table.stdout).to.match(new RegExp(`${fam}\\s+report family\\s+${gen}\\s+GEN`));
  });
});
