import { expect } from 'chai';
import { batched, batchedWrites } from '../../src/db/batch';

describe('api hot-path batching (src/db/batch.ts)', () => {
  it('when lookups come in the same turn, then one query serves them all, duplicates included', async () => {
    const calls: string[][] = [];
    const load = batched(
      async (keys: string[]) => {
        calls.push(keys);
        return new Map(keys.filter((k) => k !== 'missing').map((k) => [k, k.toUpperCase()]));
      },
      null as string | null,
    );
    const got = await Promise.all(['a', 'b', 'a', 'missing'].map(load));
    expect(got).to.deep.equal(['A', 'B', 'A', null]);
    expect(calls).to.deep.equal([['a', 'b', 'missing']]);
    expect(await load('c')).to.equal('C');
    expect(calls).to.have.length(2);
  });

  it('when the query fails, then every caller of that batch sees the error', async () => {
    const load = batched(async () => {
      throw new Error('db down');
    }, null);
    const results = await Promise.allSettled([load('a'), load('b')]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
  });

  it('when writes come together, then they are written by one call and each caller waits for it', async () => {
    const written: number[][] = [];
    const write = batchedWrites(async (items: number[]) => {
      await new Promise((r) => setTimeout(r, 5));
      written.push(items);
    }, 3);
    await Promise.all([1, 2, 3, 4].map(write));
    expect(written).to.deep.equal([[1, 2, 3], [4]]);
  });
});
