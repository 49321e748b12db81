import { expect } from 'chai';
import { sp500Before2008 } from '../sp500Sample';
import { parseBarsCsv } from '../../src/backtest/csv';
import { optimize } from '../../src/feedback/optimize';
import { defaultGrid } from '../../src/feedback/grid';
import { WarmPools } from '../../src/feedback/warmPools';

const csv = sp500Before2008();

describe('feedback/warmPools (trial threads kept warm between runs)', function () {
  this.timeout(180_000);
  const bars = parseBarsCsv(csv, { maxGapDays: 10 });
  const init = { bars, options: {} };

  it('when a run on the same data and options follows a healthy one, then it gets the same pool; other data, a failed run or a busy pool get a new one', async () => {
    const pools = new WarmPools();
    try {
      const a = await pools.acquire(1, init, 'data-1');
      // busy: a second run at the same time gets a pool of its own, closed when it is released
      const extra = await pools.acquire(1, init, 'data-1');
      expect(extra).to.not.equal(a);
      await pools.release(extra, true);
      await pools.release(a, true);
      const again = await pools.acquire(1, init, 'data-1');
      expect(again).to.equal(a);
      await pools.release(again, false); // a failed run: never reused
      const fresh = await pools.acquire(1, init, 'data-1');
      expect(fresh).to.not.equal(a);
      await pools.release(fresh, true);
      const other = await pools.acquire(1, init, 'data-2');
      expect(other).to.not.equal(fresh);
      await pools.release(other, true);
    } finally {
      await pools.drop();
    }
  });

  it('when an optimisation runs again on a warm pool, then its results are the same and it pays no start-up', async () => {
    const pools = new WarmPools();
    const cands = defaultGrid().slice(0, 4);
    const run = () => optimize({ csvText: csv, candidates: cands, walkForward: { inSample: 104, outOfSample: 52 }, workers: 2, pboBlocks: 8, calibrationMs: 200, pools });
    try {
      const first = await run();
      const second = await run();
      expect(second.windows).to.deep.equal(first.windows);
      expect(second.out_of_sample).to.deep.equal(first.out_of_sample);
      // the first run's cost includes each thread's start-up (loading, JIT warm-up, the market); the second's none
      expect(first.measurements.startup_ms).to.be.above(0);
      expect(first.measurements.worker_ms).to.be.at.least(first.measurements.startup_ms); // in the first run's cost
      expect(second.measurements.startup_ms).to.equal(0);
      expect(second.measurements.worker_ms).to.be.above(0);
      expect([first.measurements.pool_reused, second.measurements.pool_reused]).to.deep.equal([false, true]);
    } finally {
      await pools.drop();
    }
  });
});
