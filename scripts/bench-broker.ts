/**
 * `npm run bench:broker`: drives BENCH_ORDERS (default 3000) orders through the IB adapter
 * against the in-process gateway simulator with the pacing limit on, then checks the
 * simulator's record: every ref placed exactly once. Last line: one JSON object.
 */
import { createIbBroker } from '../activities/broker/ib-adapter';
import type { BrokerOrderRequest } from '../src/contracts/broker';
import { createLogger } from '../src/logger';
import { startSimulator } from '../src/ib-sim';

async function main(): Promise<void> {
  const n = Number(process.env.BENCH_ORDERS ?? 3000);
  const limit = Number(process.env.BENCH_LIMIT ?? 45); // the adapter's own budget
  const gatewayLimit = 50; // IB's pacing limit, enforced by the simulator (error 100 above it)
  const sim = await startSimulator({ port: 0, prices: { AAPL: 150, MSFT: 400 }, clock: 'open', pacingLimit: gatewayLimit });
  const broker = createIbBroker({
    host: '127.0.0.1',
    port: sim.port,
    clientId: 11,
    account: 'DU1234567',
    logger: createLogger('bench-broker', process.env.LOG_LEVEL ?? 'error'),
    maxMsgsPerSec: limit,
    ackTimeoutMs: 60_000,
  });
  await broker.connect();
  const run = `bench-${Date.now().toString(36)}`;
  const reqs: BrokerOrderRequest[] = Array.from({ length: n }, (_, i) => ({
    orderRef: `${run}-${i}`,
    symbol: i % 2 ? 'AAPL' : 'MSFT',
    secType: 'STK',
    action: i % 3 ? 'BUY' : 'SELL',
    quantity: 1 + (i % 5),
    orderType: 'MKT',
    tif: 'DAY',
  }));
  const msgs0 = broker.stats().msgsSent;
  const t0 = performance.now();
  let done = 0;
  // BENCH_DROP=1: the gateway drops every connection once, halfway (reconnect + resync under load).
  const dropAt = process.env.BENCH_DROP === '1' ? Math.floor(n / 2) : -1;
  const progress = setInterval(() => process.stderr.write(`\r${done}/${n} placed`), 2000);
  // Everything at once: the shared limiter is what paces them.
  const results = await Promise.allSettled(reqs.map((r) => broker.placeOrder(r).finally(() => ++done === dropAt && sim.fault({ drop_connections: true }))));
  const elapsedS = (performance.now() - t0) / 1000;
  clearInterval(progress);
  process.stderr.write(`\r${done}/${n} placed in ${elapsedS.toFixed(1)} s\n`);
  const stats = broker.stats();
  // Let trailing fills/commissions arrive, then compare with what the simulator received.
  await Promise.all(reqs.map((r) => broker.waitForUpdate(r.orderRef, 10_000)));
  const perRef = new Map<string, number>();
  for (const o of sim.orders()) if (o.orderRef.startsWith(run)) perRef.set(o.orderRef, (perRef.get(o.orderRef) ?? 0) + 1);
  const failed = results.filter((r) => r.status === 'rejected').length;
  const lost = reqs.filter((r) => !perRef.has(r.orderRef)).length;
  const duplicated = [...perRef.values()].filter((c) => c > 1).length;
  await broker.disconnect();
  await sim.close();
  if (failed) process.stderr.write(`${failed} placeOrder calls failed\n`);
  const out = {
    orders_per_s: +(n / elapsedS).toFixed(2),
    limit_msgs_per_s: gatewayLimit,
    adapter_budget_msgs_per_s: limit,
    msgs_per_s: +((stats.msgsSent - msgs0) / elapsedS).toFixed(2),
    pacing_errors: stats.pacingErrors,
    orders_lost: lost,
    orders_duplicated: duplicated,
  };
  if (dropAt > 0) process.stderr.write(`reconnects: ${stats.reconnects}\n`);
  console.log(JSON.stringify(out));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
