/**
 * deploy/prometheus and deploy/grafana: promtool validates the config and rules and runs the
 * rule unit tests; the dashboards are checked for structure and for querying only metrics that
 * src/metrics.ts defines (a renamed metric would otherwise leave a blank panel, silently).
 *
 * Needs promtool on the PATH (Debian: `apt-get install -y --no-install-recommends prometheus`).
 * Without it these tests fail, on purpose: CI must not pass by skipping them.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { registry } from '../../src/metrics';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (p: string): string => fs.readFileSync(path.join(ROOT, p), 'utf8');
const PROM = 'deploy/prometheus';
const DASHBOARDS = ['system-health', 'trading-activity', 'accounts', 'market-data'];
/** Metrics other processes export: Prometheus itself (up) and Temporal's SDK and server (temporal_*). */
const EXTERNAL = /^(up|temporal_\w+)$/;

function promtool(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool not runnable (${r.error.message}); install it: apt-get install -y --no-install-recommends prometheus`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Metric names a PromQL expression selects (functions, keywords, labels, ranges and strings left out). */
function metricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
  return [...s.matchAll(/(?<![\w.$])([a-zA-Z_:][\w:]*)\s*(\()?/g)].filter((m) => !m[2] && !keywords.has(m[1] as string)).map((m) => m[1] as string);
}

/** Every series name src/metrics.ts can expose, histogram parts included. */
async function definedNames(): Promise<Set<string>> {
  const out = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    out.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(m.name + s);
    if (String(m.type) === 'summary') for (const s of ['_sum', '_count']) out.add(m.name + s);
  }
  return out;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: string; uid: string };
  targets: { refId: string; expr: string }[];
}
const dashboard = (name: string): { uid: string; title: string; panels: Panel[]; templating: { list: { query?: { query: string } }[] } } => JSON.parse(read(`deploy/grafana/dashboards/${name}.json`));

describe('deploy: prometheus (promtool)', () => {
  it('when promtool checks prometheus.yml, then the config and the rule file it loads are valid', () => {
    // The API job reads the operator token from compose's secret /run/secrets/operator_token,
    // which promtool insists exists: check a copy beside alerts.yml pointing at a stand-in file.
    const secret = '/run/secrets/operator_token';
    const text = read(`${PROM}/prometheus.yml`);
    expect(text, 'the API job authenticates with the operator token secret').to.include(`credentials_file: ${secret}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alluse-promcheck-'));
    try {
      fs.writeFileSync(path.join(dir, 'operator_token'), 'stand-in-operator-token-0123456789');
      fs.copyFileSync(path.join(ROOT, PROM, 'alerts.yml'), path.join(dir, 'alerts.yml'));
      fs.writeFileSync(path.join(dir, 'prometheus.yml'), text.replace(secret, path.join(dir, 'operator_token')));
      const r = promtool('check', 'config', path.join(dir, 'prometheus.yml'));
      expect(r.status, r.out).to.equal(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when promtool checks alerts.yml, then every rule parses', () => {
    const r = promtool('check', 'rules', `${PROM}/alerts.yml`);
    expect(r.status, r.out).to.equal(0);
  });

  it('when promtool runs alerts.test.yml, then every alert fires on its synthetic series', () => {
    const r = promtool('test', 'rules', `${PROM}/alerts.test.yml`);
    expect(r.status, r.out).to.equal(0);
    expect(r.out).to.contain('SUCCESS');
  });

  it('when alerts are defined, then each has a firing case in alerts.test.yml and queries only defined metrics', async () => {
    const rules = (parse(read(`${PROM}/alerts.yml`)) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
    const tests = parse(read(`${PROM}/alerts.test.yml`)) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] };
    const firing = new Set(
      tests.tests
        .flatMap((t) => t.alert_rule_test)
        .filter((a) => a.exp_alerts.length > 0)
        .map((a) => a.alertname),
    );
    const defined = await definedNames();
    for (const r of rules) {
      expect(firing.has(r.alert), `${r.alert} has no firing test`).to.equal(true);
      for (const m of metricNames(r.expr)) expect(defined.has(m) || EXTERNAL.test(m), `${r.alert}: ${m}`).to.equal(true);
    }
    // the list of alerts
    expect(rules.map((r) => r.alert)).to.include.members([
      'AllUseBrokerDisconnected',
      'AllUseWorkflowFailing',
      'AllUseWorkflowStuck',
      'AllUseRiskRejectionsSpiking',
      'AllUseBrokerPacingHigh',
      'AllUseWeeklyCycleOverdue',
      'AllUseCashBufferBelowFloor',
      'AllUseProtocolLevel3',
    ]);
  });

  it('when prometheus.yml names its targets, then they are the compose services and ports', () => {
    const cfg = parse(read(`${PROM}/prometheus.yml`)) as {
      scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[]; static_configs?: { targets: string[] }[] }[];
    };
    const targets = new Map<string, string[]>();
    for (const j of cfg.scrape_configs) {
      const t = [...(j.dns_sd_configs ?? []).flatMap((d) => d.names.map((n) => `${n}:${d.port}`)), ...(j.static_configs ?? []).flatMap((s) => s.targets)];
      targets.set(j.job_name, t);
    }
    expect(targets.get('alluse-api')).to.deep.equal(['api:8080']);
    expect(targets.get('alluse-worker')).to.deep.equal(['worker:9464']);
    expect(targets.get('alluse-worker-app')).to.deep.equal(['worker:9465']);
    expect(targets.get('temporal-server')).to.deep.equal(['temporal:8000']);
    const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, { environment?: Record<string, string> }> };
    expect(compose.services.api?.environment?.PORT).to.equal('8080');
    expect(compose.services.temporal?.environment?.PROMETHEUS_ENDPOINT).to.equal('0.0.0.0:8000');
  });
});

describe('deploy: grafana', () => {
  it('when provisioned, then the datasource is the compose prometheus and dashboards load from the mounted folder', () => {
    const ds = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { uid: string; type: string; url: string }[] };
    expect(ds.datasources).to.have.length(1);
    expect(ds.datasources[0]).to.include({ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' });
    const dp = parse(read('deploy/grafana/provisioning/dashboards/all-use.yml')) as { providers: { type: string; options: { path: string } }[] };
    const mount = `./deploy/grafana/dashboards:${dp.providers[0]?.options.path}:ro`;
    expect(read('docker-compose.yml')).to.contain(mount);
  });

  it('when dashboards are read, then each is valid JSON with unique uid, titled panels and prometheus queries', () => {
    const uids = new Set<string>();
    for (const name of DASHBOARDS) {
      const d = dashboard(name);
      expect(d.uid, name).to.be.a('string').and.not.equal('');
      expect(uids.has(d.uid), `${name} uid`).to.equal(false);
      uids.add(d.uid);
      expect(d.title, name).to.be.a('string');
      expect(d.panels.length, name).to.be.greaterThan(0);
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size, `${name} panel ids unique`).to.equal(ids.length);
      for (const p of d.panels) {
        const where = `${name} / ${p.title}`;
        expect(p.type, where).to.be.oneOf(['timeseries', 'stat', 'gauge', 'table', 'bargauge']);
        expect(p.gridPos.w, where).to.be.within(1, 24);
        expect(p.datasource.uid, where).to.equal('prometheus');
        expect(p.targets.length, where).to.be.greaterThan(0);
        for (const t of p.targets) expect(t.expr, where).to.be.a('string').and.not.equal('');
      }
    }
  });

  it('when a panel queries, then it uses metrics src/metrics.ts defines (or up / temporal_*), and every alluse_ metric is shown', async () => {
    const defined = await definedNames();
    const shown = new Set<string>();
    for (const name of DASHBOARDS) {
      const d = dashboard(name);
      for (const p of d.panels) {
        const used = p.targets.flatMap((t) => metricNames(t.expr));
        expect(used.length, `${name} / ${p.title}`).to.be.greaterThan(0);
        for (const m of used) expect(defined.has(m) || EXTERNAL.test(m), `${name} / ${p.title}: ${m} is not defined`).to.equal(true);
        used.forEach((m) => shown.add(m.replace(/_(bucket|sum|count)$/, '')));
      }
      for (const v of d.templating.list) for (const m of metricNames(v.query?.query.replace(/^label_values\((\w+),.*$/, '$1') ?? '')) expect(defined.has(m), m).to.equal(true);
    }
    const alluse = [...defined].filter((m) => m.startsWith('alluse_') && !/_(bucket|sum|count)$/.test(m));
    for (const m of alluse) expect(shown.has(m), `${m} is on no dashboard`).to.equal(true);
  });

  it('when metric names are extracted, then functions, labels and ranges are left out', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{job="x"}[5m])))')).to.deep.equal(['http_request_duration_seconds_bucket']);
    expect(metricNames('time() - max(alluse_weekly_cycle_last_run_timestamp_seconds) > 8 * 86400')).to.deep.equal(['alluse_weekly_cycle_last_run_timestamp_seconds']);
    expect(metricNames('a / (b > 0) unless on(instance) c offset 5m')).to.deep.equal(['a', 'b', 'c']);
  });
});
