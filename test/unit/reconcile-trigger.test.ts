/**
 * The worker reconciles at start-up and after every broker reconnect, each with its own
 * deterministic workflow id: a repeated start of the same session is not a second run.
 */
import { expect } from 'chai';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { reconcileOnConnect } from '../../src/reconcileTrigger';
import type { Broker } from '../../src/contracts/broker';
import { createLogger } from '../../src/logger';

describe('reconciliation trigger (src/reconcileTrigger.ts)', () => {
  it('when the worker starts and the broker reconnects twice, then one run per session with ids by boot and session', async () => {
    const started: Array<{ type: string; id: string; trigger: string }> = [];
    const client = {
      workflow: {
        start: async (type: string, o: { workflowId: string; args: [{ trigger: string }] }) => {
          if (started.some((s) => s.id === o.workflowId)) throw new WorkflowExecutionAlreadyStartedError('exists', o.workflowId, type);
          started.push({ type, id: o.workflowId, trigger: o.args[0].trigger });
        },
      },
    } as unknown as Client;
    const listeners: Array<(n: number) => void> = [];
    const broker = { onReconnect: (l: (n: number) => void) => (listeners.push(l), () => listeners.splice(listeners.indexOf(l), 1)) } as unknown as Broker;
    const logger = createLogger('test', 'error');
    const stop = reconcileOnConnect({ client, broker, taskQueue: 'q', logger, bootId: 'boot1' });
    for (const n of [1, 2, 2, 3]) listeners.forEach((l) => l(n)); // session 1 = the first connect; 2 twice: one run
    await new Promise((r) => setImmediate(r));
    expect(started).to.deep.equal([
      { type: 'reconciliation', id: 'reconcile:startup:boot1', trigger: 'startup' },
      { type: 'reconciliation', id: 'reconcile:reconnect:boot1:2', trigger: 'reconnect' },
      { type: 'reconciliation', id: 'reconcile:reconnect:boot1:3', trigger: 'reconnect' },
    ]);
    stop();
    expect(listeners).to.have.length(0);
  });
});
