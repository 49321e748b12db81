/**
 * Static checks of docker-compose.yml, Dockerfile and .dockerignore: there is no Docker engine
 * in CI, so these are the only guard between an edit and a deployment that fails on start.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../src/contracts/searchAttributes';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (p: string): string => fs.readFileSync(path.join(ROOT, p), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  restart?: string;
  container_name?: string;
  network_mode?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

// merge: the file shares the app services' settings through a `<<: *app` anchor.
const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;
const services = compose.services;
const appServices = Object.entries(services).filter(([, s]) => s.build !== undefined);

/** Compose interpolation, enough for checks: ${V:-d} -> d, ${V:?msg} -> <V>, ${V} -> '', $$ -> $. */
function interpolate(v: string): string {
  return v
    .replace(/\$\{(\w+):\?[^}]*\}/g, '<$1>')
    .replace(/\$\{(\w+):?-([^}]*)\}/g, '$2')
    .replace(/\$\{\w+\}/g, '')
    .replace(/\$\$/g, '$');
}

/** The env var names src/config.ts reads: its `env: 'NAME'` keys (config.ts exports no list). */
function configEnvNames(): Set<string> {
  const names = [...read('src/config.ts').matchAll(/\benv:\s*'([A-Z0-9_]+)'/g)].map((m) => m[1] as string);
  return new Set(names);
}

describe('deploy: docker-compose.yml', () => {
  it('when parsed, then every service of the deployment is present', () => {
    // The topology of `npm run cluster` (scripts/cluster.ts): two workers and two APIs on one task queue.
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'api', 'api-2', 'worker', 'worker-2', 'ib-sim', 'ib-sim-relay', 'prometheus', 'grafana', 'migrate']) {
      expect(services, name).to.have.property(name);
    }
  });

  it('when ports are published, then each is the agreed one and bound to loopback only', () => {
    const expected: Record<string, string[]> = {
      api: ['8080:8080'],
      'api-2': ['8081:8080'],
      temporal: ['7233:7233'],
      'temporal-ui': ['8233:8080'],
      'ib-sim': ['4002:4002', '4003:4003'],
      prometheus: ['9090:9090'],
      grafana: ['3000:3000'],
    };
    for (const [name, svc] of Object.entries(services)) {
      const ports = (svc.ports ?? []).map(String);
      for (const p of ports) expect(p, `${name} ${p}`).to.match(/^127\.0\.0\.1:\d+:\d+$/);
      expect(
        ports.map((p) => p.replace(/^127\.0\.0\.1:/, '')),
        name,
      ).to.deep.equal(expected[name] ?? []);
    }
  });

  it('when the cluster topology is deployed, then two workers share one task queue with distinct TWS client ids, and two APIs serve it', () => {
    const w1 = services.worker!.environment!;
    const w2 = services['worker-2']!.environment!;
    expect(interpolate(String(w2.TEMPORAL_TASK_QUEUE))).to.equal(interpolate(String(w1.TEMPORAL_TASK_QUEUE)));
    expect(interpolate(String(w2.IB_CLIENT_ID))).to.not.equal(interpolate(String(w1.IB_CLIENT_ID)));
    expect(services['api-2']!.command).to.deep.equal(services.api!.command);
    expect(services['api-2']!.environment).to.deep.equal(services.api!.environment);
    expect(read('scripts/cluster.ts')).to.match(/two workers and two APIs/);
  });

  it('when the worker is scaled, then nothing pins it to one container', () => {
    for (const [name, svc] of Object.entries(services)) expect(svc.container_name, name).to.equal(undefined);
    expect(services.worker?.ports ?? []).to.deep.equal([]);
  });

  it('when a service runs for good, then it has a healthcheck', () => {
    for (const [name, svc] of Object.entries(services)) {
      if (svc.restart === 'no') continue; // one-shot jobs: migrate, temporal-setup
      expect(svc.healthcheck?.test, `${name} healthcheck`).to.not.equal(undefined);
    }
  });

  it('when images are named, then every one is pinned to a version (no latest, no bare name)', () => {
    for (const [name, svc] of Object.entries(services)) {
      const image = svc.image ?? '';
      expect(image, `${name} image`).to.match(/^[\w./-]+:\S+$/);
      const tag = interpolate(image).split(':').pop() ?? '';
      expect(tag, `${name} tag`).to.not.match(/^latest$/i);
      if (svc.build === undefined) expect(tag, `${name} third-party tag carries a version`).to.match(/\d+\.\d+/);
    }
  });

  it('when the file is read, then no secret is written in it: each comes from ${VAR:?} in the environment', () => {
    const secretKey = /PASSWORD|PWD|SECRET|TOKEN|API_KEY|DATABASE_URL/i;
    for (const [name, svc] of Object.entries(services)) {
      for (const [key, raw] of Object.entries(svc.environment ?? {})) {
        if (!secretKey.test(key)) continue;
        const v = String(raw);
        expect(v, `${name}.${key}`).to.match(/\$\{\w+:\?[^}]+\}/);
        // DATABASE_URL: the password part in particular must be the required variable
        if (key === 'DATABASE_URL') expect(v, `${name}.${key}`).to.match(/^postgresql:\/\/(\$\{[^}]+\}|[^:@]+):\$\{POSTGRES_PASSWORD:\?[^}]+\}@/);
      }
    }
    expect(
      read('.gitignore')
        .split('\n')
        .map((l) => l.trim()),
      '.env stays uncommitted',
    ).to.include('.env');
  });

  it('when an app service sets an environment variable, then src/config.ts reads that variable', () => {
    const known = configEnvNames();
    expect(known.size, 'env names found in config.ts').to.be.greaterThan(10);
    expect(appServices.map(([n]) => n)).to.include.members(['api', 'worker', 'ib-sim', 'migrate']);
    for (const [name, svc] of appServices) {
      for (const key of Object.keys(svc.environment ?? {})) expect(known.has(key), `${name}.${key} is not a config.ts variable`).to.equal(true);
    }
  });

  it('when app services start, then each command runs a dist/ file built from an existing TS source', () => {
    // `node [node flags…] dist/…` (the worker runs with --single-threaded-gc)
    const entry = (cmd: Service['command']): string | undefined => {
      const file = Array.isArray(cmd) && cmd[0] === 'node' ? cmd.slice(1).find((a) => !a.startsWith('--')) : undefined;
      return file?.startsWith('dist/') ? file : undefined;
    };
    const dockerCmd = /^CMD \["node", "([^"]+)"\]/m.exec(read('Dockerfile'))?.[1];
    const entries = [dockerCmd, ...appServices.map(([, s]) => entry(s.command))].filter((e): e is string => e !== undefined);
    expect(entries).to.include.members(['dist/src/api/main.js', 'dist/src/worker.js', 'dist/src/ib-sim/main.js']);
    for (const e of entries) {
      const source = e.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(fs.existsSync(path.join(ROOT, source)), `${e} needs ${source}`).to.equal(true);
    }
    expect(services.migrate?.command).to.deep.equal(['node_modules/.bin/prisma', 'migrate', 'deploy']);
  });

  it('when services depend on each other, then every dependency exists and the app waits for migrations', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const dep of Object.keys(svc.depends_on ?? {})) expect(services, `${name} -> ${dep}`).to.have.property(dep);
    }
    for (const name of ['api', 'worker']) {
      expect(services[name]?.depends_on?.migrate?.condition, name).to.equal('service_completed_successfully');
      expect(services[name]?.depends_on?.temporal?.condition, name).to.equal('service_healthy');
    }
    // a real gateway replaces the simulator (profile "sim" off): the worker must start without it
    expect(services.worker?.depends_on?.['ib-sim-relay']?.required).to.equal(false);
    // the simulator runs as its own service: a worker with IB_SIMULATOR=true would start a second one
    expect(services.worker?.environment?.IB_SIMULATOR).to.equal('false');
    expect(services.worker?.environment?.IB_HOST).to.equal('${IB_HOST:-ib-sim}');
  });

  it('when volumes are mounted, then named ones are declared and bind-mounted files exist', () => {
    const declared = Object.keys(compose.volumes ?? {});
    expect(declared).to.include.members(['postgres-data', 'prometheus-data', 'grafana-data']);
    for (const [name, svc] of Object.entries(services)) {
      for (const v of svc.volumes ?? []) {
        const src = v.split(':')[0] as string;
        if (src.startsWith('.')) expect(fs.existsSync(path.join(ROOT, src)), `${name}: ${src}`).to.equal(true);
        else expect(declared, `${name}: ${src}`).to.include(src);
      }
    }
  });

  it('when temporal-setup runs, then it registers every search attribute of temporal/searchAttributes.ts', () => {
    const setup = services['temporal-setup'];
    const script = interpolate(String((setup?.command as string[])[0]));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alluse-sa-'));
    try {
      // a stand-in `temporal` CLI that remembers what was created and lists it back
      const created = path.join(dir, 'created');
      fs.writeFileSync(created, '');
      fs.writeFileSync(path.join(dir, 'temporal'), `#!/bin/sh\ncase "$3" in create) echo "$5 $7" >> ${created};; list) cat ${created};; esac\n`, { mode: 0o755 });
      const env = { PATH: `${dir}:${process.env.PATH ?? ''}`, SEARCH_ATTRIBUTES: String(setup?.environment?.SEARCH_ATTRIBUTES) };
      const run = spawnSync('/bin/sh', ['-c', script], { env, encoding: 'utf8' });
      expect(run.status, run.stdout + run.stderr).to.equal(0);
      const lines = fs.readFileSync(created, 'utf8').trim().split('\n').sort();
      expect(lines).to.deep.equal(
        Object.entries(SEARCH_ATTRIBUTES)
          .map(([n, t]) => `${n} ${t}`)
          .sort(),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when ib-sim-relay runs, then a connection to the container address reaches the loopback-only simulator', async function () {
    this.timeout(10_000);
    const relay = services['ib-sim-relay'];
    expect(relay?.network_mode).to.equal('service:ib-sim');
    // loopback-only here: 127.0.0.2 stands in for the container's compose-network address
    const sim = net.createServer((c) => c.on('data', (b) => c.write(`sim:${b.toString()}`)));
    await new Promise<void>((r) => sim.listen(0, '127.0.0.1', () => r()));
    const port = (sim.address() as net.AddressInfo).port;
    const script = String((relay?.command as string[])[2])
      .replace(/const ips = .*\n/, "const ips = [{ address: '127.0.0.2' }];\n")
      .replace('[4002, 4003]', `[${port}]`);
    expect(script).to.contain('127.0.0.2');
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const attempt = (left: number): void => {
          const s = net.connect(port, '127.0.0.2', () => s.write('hello'));
          s.on('data', (b) => {
            resolve(b.toString());
            s.destroy();
          });
          s.on('error', (e) => (left > 0 ? setTimeout(() => attempt(left - 1), 100) : reject(e)));
        };
        attempt(50);
      });
      expect(reply).to.equal('sim:hello');
    } finally {
      child.kill();
      sim.close();
    }
  });

  it('when deploy/env.example is copied to .env, then it names every required variable', () => {
    const required = new Set([...read('docker-compose.yml').matchAll(/\$\{(\w+):\?/g)].map((m) => m[1] as string));
    const example = read('deploy/env.example');
    for (const v of required) expect(example, v).to.match(new RegExp(`^${v}=$`, 'm'));
  });
});

describe('deploy: Dockerfile and .dockerignore', () => {
  const dockerfile = read('Dockerfile');
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('when built, then it is multi-stage on a pinned node:20 image: npm ci, prisma generate, tsc', () => {
    expect(dockerfile).to.match(/^ARG NODE_IMAGE=node:20\.\d+\.\d+-\S+$/m);
    expect(dockerfile.match(/^FROM /gm)?.length ?? 0).to.be.at.least(2);
    expect(dockerfile).to.match(/RUN npm ci\b/);
    expect(dockerfile).to.match(/prisma generate/);
    expect(dockerfile).to.match(/tsc -p tsconfig\.json/);
    expect(dockerfile).to.match(/^USER node$/m);
  });

  it('when it copies from the build context, then each source exists and is not ignored', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] as string).split(/\s+/));
    expect(sources).to.include.members(['src', 'workflows', 'activities', 'prisma']);
    for (const s of sources) {
      expect(fs.existsSync(path.join(ROOT, s)), s).to.equal(true);
      expect(ignored, `${s} is in .dockerignore`).to.not.include(s);
    }
  });

  it('when the context is sent, then secrets, local state and host builds stay out', () => {
    expect(ignored).to.include.members(['.env', 'node_modules', 'dist', 'data', '.git']);
  });
});
