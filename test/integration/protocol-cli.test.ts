/**
 * The operator CLI (src/cli/accounts.ts) against the shared test database: create prints the
 * family as JSON, a repeat is a no-op, a conflicting repeat exits 1, show lists the deposits.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { getSystem } from './_system';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../src/cli/accounts.ts');

describe('protocol engine: accounts CLI', function () {
  this.timeout(60_000);
  let env: NodeJS.ProcessEnv;
  const name = `CLI${process.pid}`;
  before(async () => {
    const sys = await getSystem();
    env = { ...process.env, DATABASE_URL: sys.config.databaseUrl, LOG_LEVEL: 'error' };
  });
  const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', CLI, ...args], { env });

  it('when a family is created with --json, then it prints the Gen/Rev/Com split and a repeat changes nothing', async () => {
    const first = JSON.parse((await cli('create', '--name', name, '--lump-sum', '1000000.01', '--json')).stdout);
    expect(first.created).to.equal(true);
    expect(first.family.accounts.map((a: { kind: string; cashCents: number }) => [a.kind, a.cashCents])).to.deep.equal([
      ['GEN', 40_000_001],
      ['REV', 30_000_000],
      ['COM', 30_000_000],
    ]);
    const again = JSON.parse((await cli('create', '--name', name, '--lump-sum', '1000000.01', '--json')).stdout);
    expect(again.created).to.equal(false);
    const err = await cli('create', '--name', name, '--lump-sum', '5').then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).to.equal(1);
    expect(err?.stderr).to.match(/already exists/);
    const shown = JSON.parse((await cli('show', name, '--json')).stdout);
    expect(shown.ledger.map((e: { reason: string }) => e.reason)).to.deep.equal(['DEPOSIT', 'DEPOSIT', 'DEPOSIT']);
  });
});
