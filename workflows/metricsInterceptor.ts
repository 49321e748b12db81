/**
 * Counts workflows that end in failure, by type. Workflow code cannot touch prom-client (it
 * runs in Temporal's sandbox), so it reports through a sink the worker injects (src/worker.ts);
 * sinks are not called while replaying history, so each failure counts once.
 */
import {
  ContinueAsNew,
  isCancellation,
  proxySinks,
  workflowInfo,
  type Next,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
} from '@temporalio/workflow';
import type { MetricsSinks } from '../src/contracts/workflows/metricsSinks';

const { metrics } = proxySinks<MetricsSinks>();

class FailureCounter implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      if (!(err instanceof ContinueAsNew) && !isCancellation(err)) metrics.workflowFailed(workflowInfo().workflowType);
      throw err;
    }
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new FailureCounter()] });
