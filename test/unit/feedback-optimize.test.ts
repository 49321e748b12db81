import { expect } from 'chai';
import { sp500Before2008 } from '../sp500Sample';
import { optimize } from '../../src/feedback/optimize';
import { defaultGrid, leapsGrid } from '../../src/feedback/grid';
import type { TrialResult } from '../../src/feedback/trial';

const csv = sp500Before2008();

describe('feedback/optimize (worker threads)', function () {
  this.timeout(180_000);
  const cands = defaultGrid().slice(0, 4);
  const stored = new Map<string, TrialResult>();
  let first: Awaited<ReturnType<typeof optimize>>;

  before(async () => {
    first = await optimize({
      csvText: csv,
      candidates: cands,
      walkForward: { inSample: 104, outOfSample: 52 },
      workers: 2,
      pboBlocks: 8,
      calibrationMs: 400,
      onTrial: (t) => void stored.set(t.id, t),
    });
  });

  it('when a grid is optimised, then every window has in-sample and out-of-sample figures, out-of-sample after in-sample', () => {
    expect(first.windows.length).to.be.at.least(3);
    for (const w of first.windows) {
      expect(w.out_of_sample.start_week > w.in_sample.end_week).to.equal(true);
      expect(w.in_sample.weeks).to.equal(104);
      expect(cands.map((c) => c.id)).to.include(w.chosen);
    }
    expect(first.overfitting.name).to.equal('PBO (CSCV)');
    expect(first.overfitting.value).to.be.within(0, 1);
    expect(first.cost_ratio).to.be.above(0);
    expect(first.causality.ok).to.equal(true);
    expect(['PROPOSE', 'KEEP']).to.include(first.recommendation.action);
  });

  it('when the parallel efficiency is measured, then one worker and then both repeated the same trials and wall and CPU figures are reported with the load', () => {
    const m = first.measurements;
    // at least 3 alternating rounds, and more until the one-worker side has run the asked window
    expect(m.calibration_rounds).to.be.at.least(3);
    expect(m.one_worker_ms! >= 400 || m.calibration_rounds === 200).to.equal(true);
    expect(first.parallel_efficiency).to.be.above(0);
    expect(m.one_worker_ms).to.be.above(0);
    expect(m.all_workers_ms).to.be.above(0);
    // the reported times are rounded to 0.1 ms, the efficiency is computed from the unrounded ones
    expect(first.parallel_efficiency).to.be.closeTo(m.one_worker_ms! / m.all_workers_ms!, 0.005);
    expect(m.load_average_1m).to.have.length(2);
    expect(m.trial_busy_share).to.be.within(0, 1);
    // /proc/thread-self/stat exists on Linux: the CPU-based figure is measured there
    if (m.one_worker_cpu_ms !== null && m.one_worker_cpu_ms > 0) expect(first.parallel_efficiency_cpu).to.be.above(0);
  });

  it('when storing a result fails, then the pool stops handing out trials and the run fails with that error', async () => {
    const err = await optimize({
      csvText: csv,
      candidates: cands,
      walkForward: { inSample: 104, outOfSample: 52 },
      workers: 2,
      pboBlocks: 8,
      measureParallel: false,
      onTrial: () => Promise.reject(new Error('disk full')),
    }).catch((e: unknown) => e);
    expect((err as Error).message).to.equal('disk full');
  });

  it('when every trial is stored, then a re-run with the stored trials runs none again and reports the same windows', async () => {
    expect([...stored.keys()].sort()).to.deep.equal(cands.map((c) => c.id).sort());
    const again = await optimize({
      csvText: csv,
      candidates: cands,
      walkForward: { inSample: 104, outOfSample: 52 },
      workers: 2,
      pboBlocks: 8,
      done: stored,
      onTrial: () => expect.fail('no trial may run again'),
    });
    expect(again.trials_resumed).to.equal(4);
    expect(again.windows).to.deep.equal(first.windows);
  });

  it('when trials run on one worker instead of two, then their returns are identical (determinism across threads)', async () => {
    const solo = new Map<string, TrialResult>();
    await optimize({ csvText: csv, candidates: cands.slice(0, 2), walkForward: { inSample: 104, outOfSample: 52 }, workers: 1, pboBlocks: 8, onTrial: (t) => void solo.set(t.id, t) });
    for (const c of cands.slice(0, 2)) expect(solo.get(c.id)?.returns).to.deep.equal(stored.get(c.id)?.returns);
  });

  it('when the LEAPS grid is built, then each candidate changes delta band, tenor and roll rule and has a distinct id', () => {
    const g = leapsGrid();
    expect(new Set(g.map((c) => c.id)).size).to.equal(g.length);
    expect(g[0]?.protocol.reinvest).to.deep.equal({ leapsDeltaMin: 0.7, leapsDeltaMax: 0.8, leapsMinMonths: 12, leapsMaxMonths: 24 });
  });
});
