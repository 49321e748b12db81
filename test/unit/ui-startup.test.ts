import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { uiBuildNeeded } from '../../src/uiBuild';

describe('command center start-up: UI build check', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'all-use-ui-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

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
