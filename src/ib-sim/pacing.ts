/**
 * IB's market-data limits as the gateway enforces them, for every connection together:
 * historical-data pacing (error 162 "pacing violation": more than N requests in the window,
 * an identical request within 15 s, more than 6 for one contract within 2 s) and the number
 * of simultaneous market-data lines (error 101 "max number of tickers"). Configurable so tests
 * can use small numbers; counters so a test can prove none was ever hit.
 */
export interface MarketDataLimits {
  /** historical requests allowed per window (IB: 60 per 10 min) */
  historicalPerWindow: number;
  historicalWindowMs: number;
  /** an identical historical request within this many ms is a violation (IB: 15 s) */
  identicalMs: number;
  /** requests for one contract within perContractWindowMs (IB: 6 within 2 s) */
  perContract: number;
  perContractWindowMs: number;
  /** simultaneous market-data lines: streams and snapshots in flight (IB default 100) */
  lines: number;
  /** how long a snapshot holds its line before it is answered (IB: up to ~11 s; default 0) */
  snapshotMs: number;
}

export const IB_LIMITS: MarketDataLimits = {
  historicalPerWindow: 60,
  historicalWindowMs: 600_000,
  identicalMs: 15_000,
  perContract: 6,
  perContractWindowMs: 2_000,
  lines: 100,
  snapshotMs: 0,
};

export class PacingViolation extends Error {
  constructor(
    readonly code: 101 | 162,
    message: string,
  ) {
    super(message);
  }
}

export interface PacingStats {
  historical_requests: number;
  historical_violations: number;
  line_violations: number;
  lines_in_use: number;
  max_lines_in_use: number;
  snapshots: number;
}

export class SimPacing {
  limits: MarketDataLimits;
  private readonly history: { at: number; key: string; contract: string }[] = [];
  private linesHeld = 0;
  readonly stats: PacingStats = { historical_requests: 0, historical_violations: 0, line_violations: 0, lines_in_use: 0, max_lines_in_use: 0, snapshots: 0 };

  constructor(
    limits: Partial<MarketDataLimits> = {},
    private readonly now: () => number = () => Date.now(),
  ) {
    this.limits = { ...IB_LIMITS, ...limits };
  }

  /** Admits a historical request or throws a 162 pacing violation (the request is not counted). */
  historical(key: string, contract: string): void {
    const t = this.now();
    const l = this.limits;
    const keep = Math.max(l.historicalWindowMs, l.identicalMs, l.perContractWindowMs);
    while (this.history.length > 0 && t - this.history[0]!.at >= keep) this.history.shift();
    const inWindow = this.history.filter((h) => t - h.at < l.historicalWindowMs).length;
    const same = this.history.some((h) => h.key === key && t - h.at < l.identicalMs);
    const perContract = this.history.filter((h) => h.contract === contract && t - h.at < l.perContractWindowMs).length;
    const why =
      inWindow >= l.historicalPerWindow
        ? `more than ${l.historicalPerWindow} requests within ${l.historicalWindowMs / 1000} s`
        : same
          ? `identical request within ${l.identicalMs / 1000} s`
          : perContract >= l.perContract
            ? `more than ${l.perContract} requests for one contract within ${l.perContractWindowMs / 1000} s`
            : null;
    if (why) {
      this.stats.historical_violations++;
      throw new PacingViolation(162, `Historical Market Data Service error message:Pacing violation (${why})`);
    }
    this.history.push({ at: t, key, contract });
    this.stats.historical_requests++;
  }

  /**
   * Takes one market-data line or throws 101; `streams` = lines held by streaming subscriptions.
   * A snapshot holds its line until releaseLine; a new stream is counted by its subscription.
   */
  takeLine(streams: number, snapshot: boolean): void {
    if (streams + this.linesHeld >= this.limits.lines) {
      this.stats.line_violations++;
      throw new PacingViolation(101, `Max number of tickers has been reached (${this.limits.lines})`);
    }
    if (!snapshot) return;
    this.linesHeld++;
    this.stats.snapshots++;
    this.stats.lines_in_use = streams + this.linesHeld;
    this.stats.max_lines_in_use = Math.max(this.stats.max_lines_in_use, this.stats.lines_in_use);
  }

  releaseLine(): void {
    this.linesHeld = Math.max(0, this.linesHeld - 1);
    this.stats.lines_in_use = this.linesHeld;
  }
}
