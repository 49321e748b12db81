/**
 * A back-test worker thread: receives the bars once, then runs each candidate it is sent and
 * posts the trial back. Started by TrialPool (pool.ts); never imported elsewhere.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BacktestOptions } from '../backtest/options';
import type { Bar } from '../domain/indicators';
import { candidate, type Candidate } from './grid';
import { TrialRunner } from './trial';
import { threadCpuMs } from './threadCpu';

interface Init {
  /** validated bars (parsed once by the caller, copied to each worker) */
  bars: Bar[];
  options: Partial<BacktestOptions>;
}
type Msg = { type: 'run'; candidate: Candidate } | { type: 'stop' };

const port = parentPort;
if (port) {
  const t0 = performance.now();
  const c0 = threadCpuMs();
  const init = workerData as Init;
  const runner = new TrialRunner(init.bars, init.options);
  // JIT warm-up on the first ~4 years (counted in this worker's start-up time), so the first
  // trial is not slower than the rest and timings compare like with like.
  new TrialRunner(init.bars.slice(0, 1000), init.options).run(candidate('warm-up', {}));
  // The full span's market too (built once per worker, shared by every trial): otherwise the
  // first trial on each worker pays for it, and the workers start out of step.
  runner.prepare(candidate('warm-up', {}));
  const c1 = threadCpuMs();
  port.postMessage({ type: 'ready', setupMs: performance.now() - t0, setupCpuMs: c0 === null || c1 === null ? null : c1 - c0 });
  port.on('message', (m: Msg) => {
    if (m.type === 'stop') return port.close();
    try {
      port.postMessage({ type: 'result', result: runner.run(m.candidate) });
    } catch (e) {
      port.postMessage({ type: 'error', id: m.candidate.id, message: (e as Error).message });
    }
  });
}
