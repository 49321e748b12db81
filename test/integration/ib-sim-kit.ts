/**
 * Shared helpers for the simulator tests (a helper module, not a test file: mocha loads only *.test.ts).
 * Drives the REAL @stoqey/ib client over TCP and records every event it emits.
 */
import { EventName, IBApi, type Order, type OrderAction, type OrderType } from '@stoqey/ib';
import type { Json } from './_system';

export interface Recorded {
  event: string;
  args: unknown[];
}

const EVENTS = [
  EventName.nextValidId,
  EventName.managedAccounts,
  EventName.orderStatus,
  EventName.openOrder,
  EventName.openOrderEnd,
  EventName.execDetails,
  EventName.execDetailsEnd,
  EventName.commissionReport,
  EventName.error,
  EventName.info,
  EventName.currentTime,
  EventName.position,
  EventName.positionEnd,
  EventName.accountSummary,
  EventName.accountSummaryEnd,
  EventName.tickPrice,
  EventName.tickSize,
  EventName.tickOptionComputation,
  EventName.tickSnapshotEnd,
  EventName.contractDetails,
  EventName.contractDetailsEnd,
  EventName.securityDefinitionOptionParameter,
  EventName.securityDefinitionOptionParameterEnd,
  EventName.historicalData,
  EventName.disconnected,
  EventName.connected,
  EventName.completedOrder,
  EventName.completedOrdersEnd,
];

export class Client {
  readonly ib: IBApi;
  readonly log: Recorded[] = [];
  private waiters: Array<() => void> = [];

  constructor(port: number, opts: { maxReqPerSec?: number } = {}) {
    this.ib = new IBApi({ host: '127.0.0.1', port, maxReqPerSec: opts.maxReqPerSec });
    for (const ev of EVENTS) {
      (this.ib as unknown as NodeJS.EventEmitter).on(ev, (...args: unknown[]) => {
        this.log.push({ event: ev, args });
        for (const w of this.waiters.splice(0)) w();
      });
    }
  }

  /** Connects and resolves with the first nextValidId. */
  async connect(clientId = 1): Promise<number> {
    this.ib.connect(clientId);
    const [id] = await this.waitFor(EventName.nextValidId);
    return id as number;
  }

  events(event: string, pred: (...args: Json[]) => boolean = () => true): unknown[][] {
    return this.log.filter((r) => r.event === event && pred(...r.args)).map((r) => r.args);
  }

  /** Resolves with the args of the first (past or future) `event` matching `pred`. */
  waitFor(event: string, pred: (...args: Json[]) => boolean = () => true, timeoutMs = 4000): Promise<Json[]> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`timed out waiting for ${event}; saw ${this.summary()}`)), timeoutMs);
      const check = (): void => {
        const hit = this.log.find((r) => r.event === event && pred(...r.args));
        if (hit) {
          clearTimeout(deadline);
          resolve(hit.args);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** Errors with these codes (505 = the client could not decode a message). */
  errors(code?: number): Array<{ message: string; code: number; id: number }> {
    return this.events(EventName.error)
      .map((a) => ({ message: String((a[0] as Error)?.message ?? a[0]), code: a[1] as number, id: a[2] as number }))
      .filter((e) => code === undefined || e.code === code);
  }

  summary(): string {
    return this.log
      .slice(-15)
      .map((r) => `${r.event}(${JSON.stringify(r.args.slice(0, 3)).slice(0, 120)})`)
      .join(', ');
  }

  disconnect(): void {
    this.ib.disconnect();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `pred` until it holds (for simulator-side state), failing after `timeoutMs`. */
export async function until(pred: () => boolean, what = 'condition', timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Contracts and orders as the tests send them through the real client (contracts: the market-data client's own). */
export { stockContract as stk, optionContract as opt } from '../../activities/broker/ib-contracts';
export const ord = (action: OrderAction, qty: number, type: OrderType, lmt?: number, tif = 'DAY'): Order => ({
  action,
  totalQuantity: qty,
  orderType: type,
  lmtPrice: lmt,
  tif: tif as Order['tif'],
  transmit: true,
});
