/**
 * The process's Prometheus metrics: one Registry, the metric objects the rest of the app updates,
 * `metricsText()` for the /metrics route and `httpMetrics()` for Express.
 *
 * Names and labels are a contract: deploy/prometheus/alerts.yml and deploy/grafana/dashboards/*.json
 * query them by name (test/unit/deploy-prometheus.test.ts checks that every dashboard query names a
 * metric defined here). Rename one and the alert or panel silently goes blank.
 *
 * Label values must come from small, fixed sets (route patterns, status codes, reason codes,
 * account ids): each distinct value is a new time series kept in Prometheus.
 */
import http from 'node:http';
import { waitingFor } from './waitFor';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The one registry of this process; not prom-client's global one, so nothing registers by accident. */
export const registry = new Registry();
// process_* and nodejs_* (CPU, memory, event-loop lag, GC): the system-health dashboard uses them.
collectDefaultMetrics({ register: registry });

const reg = [registry];

// --- HTTP (API) ---
/** http_requests_total{route,method,status}: route is the matched pattern ("/v1/instructions/:id"), or "unmatched". */
export const httpRequestsTotal = new Counter({
  name: 'http_requests_total',
  help: 'HTTP requests answered, by route pattern, method and status code',
  labelNames: ['route', 'method', 'status'] as const,
  registers: reg,
});
/** http_request_duration_seconds{route,method}: time from request to response finished. */
export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration in seconds, by route pattern and method',
  labelNames: ['route', 'method'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: reg,
});

// --- Instructions and risk ---
/** alluse_instructions_total{source,scheme,status}: source = starlab|internal, scheme = DIS|WIS|MIS|..., status = accepted|rejected|filled|... */
export const instructionsTotal = new Counter({
  name: 'alluse_instructions_total',
  help: 'Trade instructions by source, scheme and resulting status',
  labelNames: ['source', 'scheme', 'status'] as const,
  registers: reg,
});
/** alluse_risk_rejections_total{reason}: reason is the risk check's code (e.g. NOTIONAL_EXCEEDS_BUYING_POWER), never its message. */
export const riskRejectionsTotal = new Counter({
  name: 'alluse_risk_rejections_total',
  help: 'Orders refused by a risk check, by reason code',
  labelNames: ['reason'] as const,
  registers: reg,
});

// --- Broker: set by the worker (the broker adapter runs there), which serves them with serveMetrics()
// on port 9465 (scrape job alluse-worker-app). Every process that loads this module exports these
// unlabeled gauges as 0, so alerts select the worker's scrape job, not any instance. ---
/** alluse_broker_connected: 1 while the TWS/Gateway session is up, else 0. */
export const brokerConnected = new Gauge({ name: 'alluse_broker_connected', help: 'Broker connection up (1) or down (0)', registers: reg });
/** alluse_broker_reconnects_total: every successful reconnect after a drop. */
export const brokerReconnectsTotal = new Counter({ name: 'alluse_broker_reconnects_total', help: 'Broker reconnects', registers: reg });
/** alluse_broker_messages_per_second: requests sent to the broker over the last second (IB paces at ~50/s). */
export const brokerMessagesPerSecond = new Gauge({
  name: 'alluse_broker_messages_per_second',
  help: 'Messages sent to the broker in the last second',
  registers: reg,
});
/** alluse_broker_pacing_limit: the messages/s limit the adapter throttles to; alerts use messages/limit. */
export const brokerPacingLimit = new Gauge({ name: 'alluse_broker_pacing_limit', help: 'Broker pacing limit, messages per second', registers: reg });
/** alluse_broker_pacing_backlog_seconds: how long a message sent now would wait in the pacing queue (over 10 s, orders are refused with PACING_LIMIT). */
export const brokerPacingBacklog = new Gauge({ name: 'alluse_broker_pacing_backlog_seconds', help: 'Wait of a new broker message in the pacing queue, seconds', registers: reg });
/** alluse_order_ack_latency_seconds: placeOrder sent → first orderStatus from the broker. */
export const orderAckLatency = new Histogram({
  name: 'alluse_order_ack_latency_seconds',
  help: 'Seconds from order submission to broker acknowledgement',
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  registers: reg,
});
/** alluse_order_fill_latency_seconds: placeOrder sent → fully filled (limit orders can rest for minutes). */
export const orderFillLatency = new Histogram({
  name: 'alluse_order_fill_latency_seconds',
  help: 'Seconds from order submission to complete fill',
  buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800],
  registers: reg,
});

// --- Accounts (triple fork). account = ALL-USE account id (Gen-Acc, Rev-Acc, Com-Acc ids), a small set. ---
const accountGauge = (name: string, help: string): Gauge<'account'> => new Gauge({ name, help, labelNames: ['account'] as const, registers: reg });
/** alluse_account_equity_dollars{account} */
export const accountEquity = accountGauge('alluse_account_equity_dollars', 'Account net liquidation value, dollars');
/** alluse_account_cash_dollars{account} */
export const accountCash = accountGauge('alluse_account_cash_dollars', 'Account cash, dollars');
/** alluse_account_buffer_dollars{account}: the cash buffer the protocol keeps. */
export const accountBuffer = accountGauge('alluse_account_buffer_dollars', 'Account cash buffer, dollars');
/** alluse_account_buffer_floor_dollars{account}: the minimum buffer; below it is an alert. */
export const accountBufferFloor = accountGauge('alluse_account_buffer_floor_dollars', 'Minimum cash buffer, dollars');
/** alluse_account_protocol_level{account,symbol}: PROTOCOL.md level 0-3 of each position; 3 pages a human. */
export const accountProtocolLevel = new Gauge({
  name: 'alluse_account_protocol_level',
  help: 'Protocol level (0-3) of a position',
  labelNames: ['account', 'symbol'] as const,
  registers: reg,
});

/** alluse_protocol_level_changes_total{from,to}: recorded changes of a position's protocol level (src/db/protocolLevels.ts). */
export const protocolLevelChangesTotal = new Counter({
  name: 'alluse_protocol_level_changes_total',
  help: 'Changes of a position protocol level, by from and to level',
  labelNames: ['from', 'to'] as const,
  registers: reg,
});

// --- Protocol and workflows ---
/** alluse_week_types_total{week,type}: week = ISO week ("2026-W48"), type = week classification. One series per week: bounded by time. */
export const weekTypesTotal = new Counter({
  name: 'alluse_week_types_total',
  help: 'Week type classifications',
  labelNames: ['week', 'type'] as const,
  registers: reg,
});
/** alluse_workflow_failures_total{workflow_type}: a workflow ended failed/timed out/terminated. */
export const workflowFailuresTotal = new Counter({
  name: 'alluse_workflow_failures_total',
  help: 'Workflows that ended in failure, by workflow type',
  labelNames: ['workflow_type'] as const,
  registers: reg,
});
/** The workflow types of workflows/ (ARCHITECTURE.md). */
export const WORKFLOW_TYPES = ['tradeInstruction', 'weeklyCycle', 'tripleForkRebalance', 'positionMonitor'] as const;
// Start each known type at 0: increase() only sees a failure if the series existed before it,
// so without this the first failure after a restart would never raise AllUseWorkflowFailing.
for (const workflow_type of WORKFLOW_TYPES) workflowFailuresTotal.inc({ workflow_type }, 0);
/**
 * alluse_workflows_stuck{workflow_type}: open workflows past their expected duration, set by whoever
 * sweeps open executions (Temporal's own metrics cannot tell "slow" from "waiting for the market").
 */
export const workflowsStuck = new Gauge({
  name: 'alluse_workflows_stuck',
  help: 'Open workflows running longer than expected, by workflow type',
  labelNames: ['workflow_type'] as const,
  registers: reg,
});
/** alluse_trading_halted: 1 while an operator halt is in force. */
export const tradingHalted = new Gauge({ name: 'alluse_trading_halted', help: 'Trading halted (1) or not (0)', registers: reg });
/** alluse_reduce_only: 1 while only position-reducing orders are allowed. */
export const reduceOnly = new Gauge({ name: 'alluse_reduce_only', help: 'Reduce-only mode (1) or not (0)', registers: reg });
/**
 * alluse_weekly_cycle_last_run_timestamp_seconds: unix time the weekly cycle last completed; alert if
 * older than 8 days. The owning process must set it at start from the database (the last completed
 * cycle): a fresh process reports 0, which reads as "never ran" and raises the alert after 10 minutes.
 */
export const weeklyCycleLastRun = new Gauge({
  name: 'alluse_weekly_cycle_last_run_timestamp_seconds',
  help: 'Unix time of the last completed weekly cycle',
  registers: reg,
});

// --- Books and reconciliation (src/reconcile.ts) ---
/** alluse_reconciliation_unexplained_differences: differences the last reconciliation could not explain; > 0 pages. */
export const reconciliationUnexplained = new Gauge({
  name: 'alluse_reconciliation_unexplained_differences',
  help: 'Differences between the books and the broker the last reconciliation could not explain',
  registers: reg,
});
/** alluse_reconciliation_runs_total{outcome}: reconciliations by outcome (clean, explained, unexplained). */
export const reconciliationRunsTotal = new Counter({
  name: 'alluse_reconciliation_runs_total',
  help: 'Reconciliations of the books with the broker, by outcome',
  labelNames: ['outcome'] as const,
  registers: reg,
});
// --- Market data (issue 15) ---
/** alluse_md_rows_total{kind}: rows newly stored (kind: bar, chain, quote). */
export const mdRowsTotal = new Counter({ name: 'alluse_md_rows_total', help: 'Market-data rows newly stored, by kind', labelNames: ['kind'] as const, registers: reg });
/** alluse_md_quarantined_total{kind}: rows that failed a validation rule and went to quarantine. */
export const mdQuarantinedTotal = new Counter({ name: 'alluse_md_quarantined_total', help: 'Market-data rows quarantined, by kind', labelNames: ['kind'] as const, registers: reg });
/** Per collected symbol (a small, configured set): set by the data-quality check. */
const mdSymbolGauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['symbol'] as const, registers: reg });
export const mdStaleTradingDays = mdSymbolGauge('alluse_md_stale_trading_days', 'Trading days between the last stored daily bar and the last closed session');
export const mdGapDays = mdSymbolGauge('alluse_md_gap_days', 'Trading days with no stored daily bar between the first and the last');
export const mdQuarantinedRows = mdSymbolGauge('alluse_md_quarantined_rows', 'Rows of the symbol in quarantine');

/** Exposition text of every metric of this process (Prometheus text format 0.0.4). */
export function metricsText(): Promise<string> {
  return registry.metrics();
}
/** The Content-Type to send with metricsText(). */
export const metricsContentType = registry.contentType;

/** Route label: the matched pattern with its router mount path; "unmatched" for 404s so raw URLs never become labels. */
export function routeLabel(req: Request): string {
  const route: unknown = req.route; // Express types it any
  const p: unknown = route !== null && typeof route === 'object' && 'path' in route ? route.path : undefined;
  if (p === undefined) return 'unmatched';
  return `${req.baseUrl}${typeof p === 'string' ? p : p instanceof RegExp ? p.toString() : JSON.stringify(p)}` || '/';
}

/** Express middleware: counts and times every request by route pattern. Mount it before the routers. */
export function httpMetrics(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    let done = false;
    const record = (): void => {
      if (done) return;
      done = true;
      // Read at the end: req.route is set only once a router has matched the request.
      const route = routeLabel(req);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      httpRequestsTotal.inc({ route, method: req.method, status: String(res.statusCode) });
      httpRequestDuration.observe({ route, method: req.method }, seconds);
    };
    res.on('finish', record);
    res.on('close', record); // client went away before the response finished
    next();
  };
}

/**
 * A bare HTTP server answering GET /metrics with metricsText(), for processes without Express:
 * the worker serves its registry this way on 9465 (9464 is Temporal's Runtime exporter, which
 * serves only temporal_* metrics). In a container pass host '0.0.0.0' so Prometheus can reach it.
 */
export function serveMetrics(opts: { port: number; host?: string }): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    // An internal port: readiness of the process's start-up (what it still waits for, src/waitFor.ts).
    if (req.method === 'GET' && req.url?.split('?')[0] === '/readyz') {
      const w = waitingFor();
      res.writeHead(w.length ? 503 : 200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: w.length ? 'not_ready' : 'ready', waiting_for: w }));
      return;
    }
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metricsText().then(
      (text) => res.writeHead(200, { 'Content-Type': metricsContentType }).end(text),
      (e: unknown) => res.writeHead(500).end(String(e)),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve(server));
  });
}
