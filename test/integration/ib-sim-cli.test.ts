/**
 * The CLI entry (npm run ib-sim): validates its environment, says where it listens, serves the
 * TWS port and the admin port, and exits 0 on SIGTERM / SIGINT.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { EventName } from '@stoqey/ib';
import { runCli } from './_cli';
import { Client } from './ib-sim-kit';

const MAIN = path.resolve(__dirname, '../../src/ib-sim/main.ts');

/** The simulator as its own process: `out` is its stdout and stderr so far, `stop` sends SIGTERM. */
function run(env: Record<string, string>): { out: () => string; stop: () => void; exit: Promise<number | null> } {
  let out = '';
  const stopper = new AbortController();
  const exit = runCli(process.execPath, ['--require', 'tsx/cjs', MAIN], {
    cwd: process.cwd(),
    env: { ...process.env, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ib-sim-cli-')), ...env },
    timeoutMs: 20_000,
    killSignal: 'SIGTERM',
    signal: stopper.signal,
    onOutput: (d) => (out += d),
  }).then((r) => r.status);
  return { out: () => out, stop: () => stopper.abort(), exit };
}

async function listening(out: () => string): Promise<{ port: number; admin: number }> {
  const end = Date.now() + 10_000;
  for (;;) {
    const m = /TWS API on 127\.0\.0\.1:(\d+), admin http:\/\/127\.0\.0\.1:(\d+)/.exec(out());
    if (m) return { port: Number(m[1]), admin: Number(m[2]) };
    if (Date.now() > end) throw new Error(`simulator did not start: ${out()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ib-sim CLI (src/ib-sim/main.ts)', function () {
  this.timeout(20_000);

  it('starts from the environment, serves both ports, and stops cleanly on SIGTERM', async () => {
    const p = run({ IB_PORT: '0', IB_SIM_ADMIN_PORT: '0', IB_SIM_CLOCK: 'manual', IB_SIM_SEED: '3', LOG_LEVEL: 'warn' });
    const { port, admin } = await listening(p.out);
    const health = await (await fetch(`http://127.0.0.1:${admin}/health`)).json();
    expect(health).to.include({ ok: true, port });
    const c = new Client(port);
    expect(await c.connect(1)).to.be.at.least(1000);
    await c.waitFor(EventName.managedAccounts);
    c.disconnect();
    p.stop();
    expect(await p.exit).to.equal(0);
    expect(p.out()).to.match(/SIGTERM, stopping/);
  });

  it('refuses a bad setting with exit code 2 and a message naming it', async () => {
    const p = run({ IB_PORT: '0', IB_SIM_CLOCK: 'sometimes' });
    expect(await p.exit).to.equal(2);
    expect(p.out()).to.match(/IB_SIM_CLOCK="sometimes"/);
    const q = run({ IB_PORT: '70000' });
    expect(await q.exit).to.equal(2);
    expect(q.out()).to.match(/IB_PORT="70000"/);
    const r = run({ IB_PORT: '0', IB_SIM_PRICES: 'AAPL=cheap' });
    expect(await r.exit).to.equal(2);
    expect(r.out()).to.match(/IB_SIM_PRICES entry "AAPL=cheap"/);
  });
});
