/**
 * The chaos run's load: N instructions with up to `inFlight` at once (submitted → workflow
 * ended), behind a gate the fault schedule moves so every fault lands while instructions flow.
 */
import { randomUUID } from 'node:crypto';
import type { ChaosClient, Outcome, Submitted } from './client';

/** Lets instruction k start once k < limit; the fault schedule raises the limit. */
export class Gate {
  private waiters: { k: number; go: () => void }[] = [];
  constructor(private limit: number) {}
  open(limit: number): void {
    this.limit = Math.max(this.limit, limit);
    const ready = this.waiters.filter((w) => w.k < this.limit);
    this.waiters = this.waiters.filter((w) => w.k >= this.limit);
    for (const w of ready) w.go();
  }
  pass(k: number): Promise<void> {
    return k < this.limit ? Promise.resolve() : new Promise((go) => this.waiters.push({ k, go }));
  }
}

export interface Result {
  body: Record<string, unknown>;
  ack?: Submitted;
  outcome?: Outcome;
}

export interface LoadState {
  submitted: number;
  inFlight: number;
  done: number;
  results: Result[];
}

/** A market buy of one AAPL share for one of `strategies` CHAOS strategies (the same body on every resubmission). */
export function instructionBody(tag: string, k: number, strategies: number): Record<string, unknown> {
  return {
    starlab_strategy_id: `CHAOS_${k % strategies}`,
    scheme_type: 'DIS',
    symbol: 'AAPL',
    trade_action: 'BUY_STOCK',
    quantity: 1,
    order_type: 'MARKET',
    time_in_force: 'DAY',
    client_order_id: `chaos_${tag}_${randomUUID()}`,
    account_tag: 'CHAOS',
  };
}

/** One instruction end to end: submit (resubmitting while APIs are down), then wait for its workflow's end. */
export async function runOne(client: ChaosClient, body: Record<string, unknown>, k: number): Promise<Result> {
  const ack = await client.submit(body, k);
  return { body, ...(ack ? { ack } : {}), ...(ack ? { outcome: await client.outcome(ack.id) } : {}) };
}

export async function runLoad(client: ChaosClient, n: number, inFlight: number, gate: Gate, state: LoadState): Promise<void> {
  let next = 0;
  const strategies = Math.max(1, Math.min(25, Math.floor(n / 4)));
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) {
        const k = next++;
        await gate.pass(k);
        state.submitted++;
        state.inFlight++;
        try {
          state.results.push(await runOne(client, instructionBody(String(k), k, strategies), k));
        } finally {
          state.inFlight--;
          state.done++;
        }
      }
    }),
  );
}
