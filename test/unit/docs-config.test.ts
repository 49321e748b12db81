import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { CONFIG_ENV_VARS } from '../../src/config';

describe('docs/CONFIGURATION.md documents the configuration', () => {
  const doc = fs.readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'CONFIGURATION.md'), 'utf8');
  const at = doc.indexOf('## Ports and environment');
  const table = doc.slice(Math.max(at, 0));

  it('when the configuration doc is read, then it has its "Ports and environment" section', () => {
    expect(at).to.be.at.least(0);
  });

  it('when a key is read from the environment, then the table in docs/CONFIGURATION.md names it', () => {
    const missing = CONFIG_ENV_VARS.filter((v) => !table.includes(`\`${v}\``));
    expect(missing, 'environment variables missing from docs/CONFIGURATION.md "Ports and environment"').to.deep.equal([]);
  });
});
