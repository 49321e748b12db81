import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { CONFIG_ENV_VARS } from '../../src/config';

describe('README documents the configuration', () => {
  const readme = fs.readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('## Ports and environment'), readme.indexOf('## Layout'));

  it('when a key is read from the environment, then the README table names it', () => {
    const missing = CONFIG_ENV_VARS.filter((v) => !table.includes(`\`${v}\``));
    expect(missing, 'environment variables missing from README "Ports and environment"').to.deep.equal([]);
  });
});
