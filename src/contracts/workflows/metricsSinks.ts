/**
 * The sink through which workflow code reports metrics (it cannot touch prom-client inside
 * Temporal's sandbox); the worker injects the implementation (src/worker.ts).
 */
import type { Sinks } from '@temporalio/workflow';

export interface MetricsSinks extends Sinks {
  metrics: { workflowFailed(workflowType: string): void };
}
