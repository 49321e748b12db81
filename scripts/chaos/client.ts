/**
 * The chaos run's STAR-LAB client: submits an instruction through either API and, like a
 * careful client, resubmits the very same body (same client_order_id, so the same
 * all_use_order_id: src/api/submit.ts answers a replay 200 and starts no second workflow) when
 * an API is down or answers 5xx; then waits for the instruction's workflow to end, retrying
 * while Temporal is away. Every wait is bounded.
 */
import http from 'node:http';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { instructionWorkflowId } from '../../src/contracts/workflows/tradeInstruction';

export interface Submitted {
  id: string;
  /** 201: this submission started the workflow; false: a resubmission was answered as a replay (200). */
  created: boolean;
  /** Submissions it took (> 1: an API was down or failed). */
  attempts: number;
  ackedAt: number;
}

export interface Outcome {
  status: string;
  rejectReason: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ChaosClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  /** Answers other than 201/200/5xx/network errors: each one a finding (409 = a replay judged a conflict). */
  readonly unexpected: string[] = [];

  constructor(
    private readonly apiUrls: readonly string[],
    private readonly apiKey: string,
    private readonly temporal: Client,
    private readonly deadlineMs: number,
  ) {}

  private post(base: string, payload: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${base}/api/v1/starlab_interface/trading/submit_trade_instruction`,
        { method: 'POST', agent: this.agent, timeout: 20_000, headers: { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}`, 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          let text = '';
          res.on('data', (b: Buffer) => (text += b.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Submits until acknowledged (201 or a replay 200); undefined when refused for good or out of time. */
  async submit(body: Record<string, unknown>, k: number): Promise<Submitted | undefined> {
    const payload = JSON.stringify(body);
    const deadline = Date.now() + this.deadlineMs;
    let delay = 200;
    for (let attempt = 1; Date.now() < deadline; attempt++) {
      const base = this.apiUrls[(k + attempt - 1) % this.apiUrls.length]!;
      const r = await this.post(base, payload).catch((err: Error) => ({ status: 0, text: err.message }));
      if (r.status === 201 || r.status === 200) {
        const id = (JSON.parse(r.text) as { all_use_order_id: string }).all_use_order_id;
        return { id, created: r.status === 201, attempts: attempt, ackedAt: Date.now() };
      }
      if (r.status !== 0 && r.status < 500 && r.status !== 429) {
        this.unexpected.push(`${r.status} ${r.text.slice(0, 300)}`);
        return undefined;
      }
      await sleep(delay);
      delay = Math.min(2_000, delay * 2);
    }
    return undefined;
  }

  /** The instruction workflow's end state; undefined if it did not end in time. */
  async outcome(id: string): Promise<Outcome | undefined> {
    const deadline = Date.now() + this.deadlineMs;
    while (Date.now() < deadline) {
      try {
        return (await this.temporal.workflow.getHandle(instructionWorkflowId(id)).result()) as Outcome;
      } catch (err) {
        if (err instanceof WorkflowFailedError) return { status: 'WORKFLOW_FAILED', rejectReason: err.cause?.message ?? err.message };
        // Temporal restarting (unavailable) or a long poll cut: ask again.
        await sleep(500);
      }
    }
    return undefined;
  }

  close(): void {
    this.agent.destroy();
  }
}
