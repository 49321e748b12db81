/**
 * Protocol-level events fed by a real level change: a short put the engine entered, the
 * monitor's level check (the activity, against the simulator's quotes and daily bars) before
 * and after the underlying falls. The change is an audit row PROTOCOL_LEVEL {from, to}, a
 * metric, a report event; the scraped gauge, fed to promtool with deploy/prometheus/alerts.yml,
 * fires AllUseProtocolLevel3.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { parse, stringify } from 'yaml';
import { createActivities } from '../../activities';
import { savePlans } from '../../src/db/protocolOrders';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import { createLogger } from '../../src/logger';
import { loadReportInput, nyDate } from '../../src/reports/load';
import type { System } from '../../src/system';
import { getSystem, until } from './_system';
import { call, operatorApi } from './ops-helpers';

const ROOT = path.resolve(__dirname, '..', '..');

describe('protocol-level events: a real level change fires the level-3 alert', function () {
  this.timeout(120_000);
  let sys: System;
  const fam = `PLVL_${process.pid}`;
  const account = `${fam}:GEN`;
  const symbol = 'AMD';

  before(async () => {
    sys = await getSystem();
    sys.simulator!.setPrice(symbol, 100);
    await sys.prisma.accountFamily.create({ data: { id: fam, name: 'level family', accounts: { create: [{ id: account, kind: 'GEN', baseCents: 4_000_000n, cashCents: 3_000_000n }] } } });
    await sys.prisma.position.create({
      data: { id: `${fam}-put`, ownerKind: 'ACCOUNT', ownerId: account, symbol, secType: 'OPT', expiry: '20301220', strike: 95, right: 'P', quantity: -1, avgPrice: 2.5 },
    });
    // The engine's entry: the underlying was at $100 when the put was sold.
    await savePlans(sys.prisma, [
      {
        clientOrderId: `${fam}-open`,
        familyId: fam,
        accountId: account,
        week: '2026-W49',
        symbol,
        purpose: 'OPEN',
        tradeAction: 'SELL_TO_OPEN_PUT',
        quantity: 1,
        strikeCents: 9500,
        expiry: '2030-12-20',
        underlyingCents: 10_000,
        atrCents: null,
        entryDay: '2026-12-01',
      },
    ]);
  });

  const checkLevels = async () => {
    const acts = createActivities({ prisma: sys.prisma, broker: sys.broker, logger: createLogger('test', 'error'), protocol: DEFAULT_PROTOCOL });
    type Check = typeof acts.checkLevels;
    return new MockActivityEnvironment().run<Parameters<Check>, Awaited<ReturnType<Check>>, Check>(acts.checkLevels.bind(acts), { familyId: fam, week: '2026-W49' });
  };
  const levelRows = () => sys.prisma.auditLog.findMany({ where: { action: 'PROTOCOL_LEVEL', target: account }, orderBy: { id: 'asc' } });

  it('when the underlying falls three ATRs below entry, then one PROTOCOL_LEVEL 0→3 row, the gauge and a report event, and promtool fires AllUseProtocolLevel3 on the scraped value', async () => {
    const before = await checkLevels();
    expect(before.levels.map((l) => l.level)).to.deep.equal([0]);
    expect(await levelRows()).to.have.length(0); // level 0 from the start: no change to record

    sys.simulator!.setPrice(symbol, 55);
    const after = await checkLevels();
    expect(after.levels.map((l) => l.level)).to.deep.equal([3]);
    await checkLevels(); // a retried or repeated check records nothing new
    const rows = await levelRows();
    expect(rows).to.have.length(1);
    expect(rows[0]!.detail).to.include({ symbol, from: 0, to: 3, level: 3, reason: 'LEVEL_CHANGED' });

    const day = nyDate(rows[0]!.createdAt);
    const report = await loadReportInput(sys.prisma, 'daily', day, day);
    expect(report.events.some((e) => e.action === 'PROTOCOL_LEVEL' && e.accountId === account && (e.detail as { to?: number }).to === 3)).to.equal(true);

    const app = await operatorApi(sys);
    let value = '';
    try {
      await until(
        async () => {
          const { text } = await call(app.url, 'GET', '/metrics'); // /metrics is for operators (issue 17)
          value = new RegExp(`^alluse_account_protocol_level\\{account="${account}",symbol="${symbol}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? '';
          return value !== '' && /^alluse_protocol_level_changes_total\{from="0",to="3"\} [1-9]/m.test(text);
        },
        20_000,
        'the level gauge and change counter on /metrics',
      );
    } finally {
      await app.close();
    }
    expect(value).to.equal('3');

    // The scraped value as promtool's input series, against the deployment's own alert rules.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'level-alert-'));
    const rule = (parse(fs.readFileSync(path.join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[] }).groups
      .flatMap((g) => g.rules)
      .find((x) => x.alert === 'AllUseProtocolLevel3')!;
    const annotations = Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, v.replaceAll('{{ $labels.account }}', account).replaceAll('{{ $labels.symbol }}', symbol)]));
    const series = `alluse_account_protocol_level{job="alluse-worker-app",account="${account}",symbol="${symbol}"}`;
    fs.writeFileSync(
      path.join(dir, 'level.test.yml'),
      stringify({
        rule_files: [path.join(ROOT, 'deploy/prometheus/alerts.yml')],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [{ series, values: `0 ${value} ${value}` }],
            alert_rule_test: [
              { eval_time: '0m', alertname: 'AllUseProtocolLevel3', exp_alerts: [] },
              { eval_time: '1m', alertname: 'AllUseProtocolLevel3', exp_alerts: [{ exp_labels: { severity: 'page', job: 'alluse-worker-app', account, symbol }, exp_annotations: annotations }] },
            ],
          },
        ],
      }),
    );
    const r = spawnSync('promtool', ['test', 'rules', path.join(dir, 'level.test.yml')], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    if (r.error) throw new Error(`promtool not runnable (${r.error.message}); install it: apt-get install -y --no-install-recommends prometheus`);
    expect(r.status, `${r.stdout}${r.stderr}`).to.equal(0);
    expect(r.stdout).to.contain('SUCCESS');
  });

  it('when the position is closed, then the level goes back to 0 (POSITION_CLOSED) so the alert resolves', async () => {
    await sys.prisma.position.update({ where: { id: `${fam}-put` }, data: { quantity: 0 } });
    await checkLevels();
    const rows = await levelRows();
    expect(rows.at(-1)!.detail).to.include({ from: 3, to: 0, level: 0, reason: 'POSITION_CLOSED' });
  });
});
