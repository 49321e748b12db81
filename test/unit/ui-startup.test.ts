import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureOperatorTokenFile } from '../../src/operatorToken';
import { uiBuildNeeded } from '../../src/uiBuild';

describe('command center start-up: operator token file and UI build check', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'all-use-ui-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('when no token file exists, then a random token is created once, mode 0600, and reused on the next start', () => {
    const first = ensureOperatorTokenFile(path.join(dir, 'data'));
    expect(first.created).to.equal(true);
    expect(first.token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(fs.statSync(first.file).mode & 0o777).to.equal(0o600);
    const again = ensureOperatorTokenFile(path.join(dir, 'data'));
    expect([again.created, again.token]).to.deep.equal([false, first.token]);
    expect(ensureOperatorTokenFile(path.join(dir, 'other')).token).to.not.equal(first.token);
  });

  it('when the file holds something too short to be a token, or its mode was loosened, then it is replaced / tightened', () => {
    fs.writeFileSync(path.join(dir, 'operator-token'), 'short\n', { mode: 0o644 });
    const t = ensureOperatorTokenFile(dir);
    expect(t.created).to.equal(true);
    expect(t.token.length).to.be.at.least(24);
    fs.chmodSync(t.file, 0o644);
    expect(ensureOperatorTokenFile(dir).token).to.equal(t.token);
    expect(fs.statSync(t.file).mode & 0o777).to.equal(0o600);
  });

  it('when ui/dist is missing, older than a source, or newer than every source, then the build check says missing, stale, current', () => {
    const root = path.join(dir, 'ui');
    fs.mkdirSync(path.join(root, 'src', 'pages'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src', 'pages', 'A.tsx'), 'x');
    expect(uiBuildNeeded(root)).to.equal('missing');
    fs.mkdirSync(path.join(root, 'dist'));
    fs.writeFileSync(path.join(root, 'dist', 'index.html'), '<html>');
    const past = new Date('2020-01-01T00:00:00Z');
    fs.utimesSync(path.join(root, 'dist', 'index.html'), past, past);
    expect(uiBuildNeeded(root)).to.equal('stale');
    const future = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(root, 'dist', 'index.html'), future, future);
    expect(uiBuildNeeded(root)).to.equal(null);
  });
});
