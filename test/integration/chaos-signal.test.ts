/**
 * `npm run chaos` stopped with Ctrl-C stops what it started: its throw-away PostgreSQL cluster
 * (pg_ctl runs it in a session of its own, so the terminal's SIGINT never reaches it) and its
 * temporary directory. One Ctrl-C can reach the process twice (the terminal's signal, then tsx's
 * relay of it): two SIGINTs 100 ms apart must still leave nothing running. Before the fix, the
 * second one ended the process in the middle of its cleanup and PostgreSQL outlived it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Pids of the processes whose command line or environment mentions one of `texts` (this
 * machine's /proc): PostgreSQL names its data directory on its command line, the run's workers,
 * APIs and simulator carry its DATABASE_URL or DATA_DIR in their environment.
 */
function processesMentioning(...texts: string[]): number[] {
  const pids: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const seen = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8') + fs.readFileSync(`/proc/${d}/environ`, 'utf8');
      if (texts.some((t) => seen.includes(t))) pids.push(Number(d));
    } catch {
      // ended meanwhile, or not ours to read
    }
  }
  return pids;
}

describe('chaos: Ctrl-C during a run', function () {
  this.timeout(240_000);
  let child: ChildProcess | undefined;
  let tmp: string | undefined;
  /** The throw-away PostgreSQL's address as its clients' DATABASE_URL holds it ("127.0.0.1:<port>/"). */
  let pgAddress = '\0none';

  after(() => {
    // Whatever the outcome, leave nothing behind for the next test.
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (tmp) for (const pid of processesMentioning(tmp, pgAddress)) process.kill(pid, 'SIGKILL');
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('when SIGINT arrives twice while faults are injected, then the throw-away PostgreSQL and its directory are gone and the exit code is 130', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'scripts/chaos.ts', '--instructions', '400', '--in-flight', '10', '--rounds', '1'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    // Wait (bounded) until a fault has been injected: the cluster, PostgreSQL and the load are all up.
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no fault injected within 150 s:\n${err.slice(-3000)}`)), 150_000);
      child!.stderr!.on('data', (b: Buffer) => {
        err += b.toString();
        tmp ??= /throw-away PostgreSQL in (\S+?)\.\.\./.exec(err)?.[1];
        if (/fault 1\//.test(err)) {
          clearTimeout(t);
          resolve();
        }
      });
      void exited.then((code) => reject(new Error(`chaos exited (${code}) before a fault:\n${err.slice(-3000)}`)));
    });
    expect(tmp, 'the run names its directory').to.be.a('string');
    const postgres = processesMentioning(`${tmp!}/pg/data`);
    expect(postgres.length, 'its PostgreSQL runs').to.be.greaterThan(0);
    pgAddress = `127.0.0.1:${/-p (\d+)/.exec(fs.readFileSync(`/proc/${postgres[0]}/cmdline`, 'utf8').replace(/\0/g, ' '))![1]}/`;
    expect(processesMentioning(pgAddress).length, 'its workers and APIs run').to.be.at.least(4);

    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 120_000))]);

    expect(code, err.slice(-3000)).to.equal(130);
    expect(processesMentioning(tmp!, pgAddress), 'processes of the run still alive').to.deep.equal([]);
    expect(fs.existsSync(tmp!), 'its directory').to.equal(false);
  });
});
