/** The optimisation workflow's contract, shared by workflows/optimization.ts, activities/feedback.ts and the CLI. */
export interface OptimizationInput {
  /** stable id: trials are stored under it, so a re-run with the same id resumes */
  runId: string;
  kind: 'PROTOCOL' | 'LEAPS';
  /** path of the daily-bar CSV, readable by the worker */
  dataPath: string;
  /** back-test options (BacktestOptions, partial) */
  options?: Record<string, unknown>;
  walkForward?: { inSample: number; outOfSample: number };
  /** worker threads (default: every core of the worker's machine) */
  workers?: number;
}

export interface OptimizationProgress {
  runId: string;
  phase: 'RUNNING' | 'DONE' | 'FAILED';
  trialsDone: number;
  trialsTotal: number;
}

export const OPTIMIZATION_PROGRESS_QUERY = 'progress';
export const optimizationWorkflowId = (runId: string): string => `optimization-${runId}`;
