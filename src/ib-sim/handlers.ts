/**
 * Handlers for ids, time, orders, executions, positions and account summary.
 * Order events themselves are produced by OrderBook; these only parse and route.
 */
import { Field, Fields } from './codec';
import { commissionReport, completedOrder, errMsg, executionData, openOrder, orderStatus, OUT, position } from './messages';
import { parseExecFilter, parsePlaceOrder } from './parse';
import type { Connection, GatewayServer, Handler } from './server';
import type { Execution } from './types';
import type { ExecFilter } from './parse';

const IN = {
  PLACE_ORDER: 3,
  CANCEL_ORDER: 4,
  REQ_OPEN_ORDERS: 5,
  REQ_EXECUTIONS: 7,
  REQ_IDS: 8,
  REQ_AUTO_OPEN_ORDERS: 15,
  REQ_ALL_OPEN_ORDERS: 16,
  REQ_MANAGED_ACCTS: 17,
  REQ_CURRENT_TIME: 49,
  REQ_GLOBAL_CANCEL: 58,
  REQ_COMPLETED_ORDERS: 99,
  REQ_POSITIONS: 61,
  REQ_ACCOUNT_SUMMARY: 62,
  CANCEL_ACCOUNT_SUMMARY: 63,
  CANCEL_POSITIONS: 64,
} as const;

function matches(e: Execution, f: ExecFilter): boolean {
  const side = f.side === 'BUY' ? 'BOT' : f.side === 'SELL' ? 'SLD' : f.side;
  return (
    (f.clientId === undefined || e.clientId === f.clientId) &&
    (f.account === undefined || e.account === f.account) &&
    (f.time === undefined || e.time.getTime() >= f.time) &&
    (f.symbol === undefined || e.contract.symbol === f.symbol) &&
    (f.secType === undefined || e.contract.secType === f.secType) &&
    (side === undefined || e.side === side)
  );
}

export function orderHandlers(srv: GatewayServer): Array<[number, Handler]> {
  const { core } = srv;
  const book = core.book;
  const summaryRows = (c: Connection, reqId: number, tags: string[]) => {
    const s = core.account.summary();
    const rows = tags.includes('All') ? Object.keys(s) : tags.filter((t) => t in s);
    c.send(rows.map((tag) => [OUT.ACCOUNT_SUMMARY, 1, reqId, srv.account, tag, (s[tag] ?? 0).toFixed(2), 'USD']));
  };
  // Positions and account summary stream until cancelled; each change is pushed to subscribers.
  // Flushed on the next turn so a fill's EXECUTION_DATA/ORDER_STATUS go out first, as with TWS.
  // Position frames are captured at each change; the account summary is sent once per batch.
  let pending: Field[][] | undefined;
  core.account.listeners.push((p) => {
    const frame = position(srv.account, p.contract, p.quantity, p.avgCost);
    if (pending) return void pending.push(frame);
    pending = [frame];
    setImmediate(() => {
      const frames = pending ?? [];
      pending = undefined;
      for (const c of srv.conns) {
        if (c.positionsSub) c.send(frames);
        for (const [reqId, tags] of c.accountSummary) {
          summaryRows(c, reqId, tags);
          c.send([[OUT.ACCOUNT_SUMMARY_END, 1, reqId]]);
        }
      }
    });
  });
  const sendOpenOrders = (c: Connection, clientId?: number) => {
    c.send([...book.working(clientId).flatMap((o) => [openOrder(o), orderStatus(o)]), [OUT.OPEN_ORDER_END, 1]]);
  };
  return [
    [IN.REQ_IDS, (c) => c.send([[OUT.NEXT_VALID_ID, 1, book.nextValidId()]])],
    [IN.REQ_CURRENT_TIME, (c) => c.send([[OUT.CURRENT_TIME, 1, Math.floor(core.clock.now().getTime() / 1000)]])],
    [IN.REQ_MANAGED_ACCTS, (c) => c.send([[OUT.MANAGED_ACCTS, 1, srv.account]])],
    [
      IN.PLACE_ORDER,
      (c, t) => {
        const req = parsePlaceOrder(t, core.market, srv.account, core.clock.now());
        core.log.info('order received', {
          orderId: req.orderId,
          clientId: c.clientId,
          symbol: req.contract.localSymbol,
          action: req.action,
          qty: req.quantity,
          type: req.orderType,
          lmt: req.limitPrice,
          orderRef: req.orderRef,
        });
        book.place(c.clientId ?? 0, req);
      },
    ],
    [IN.CANCEL_ORDER, (c, t) => book.cancel(c.clientId ?? 0, new Fields(t, 2).int('orderId'))],
    [IN.REQ_GLOBAL_CANCEL, () => book.cancelAll()],
    // IB: clientId 0 sees every client's orders; others see their own.
    [IN.REQ_OPEN_ORDERS, (c) => sendOpenOrders(c, c.clientId === 0 ? undefined : c.clientId)],
    [IN.REQ_ALL_OPEN_ORDERS, (c) => sendOpenOrders(c)],
    [IN.REQ_AUTO_OPEN_ORDERS, (c) => sendOpenOrders(c)],
    // Filled, cancelled and rejected orders: how a restarted adapter learns the fate of an orderRef
    // that has no working order and no execution. (IB lists the API client's and TWS's own orders.)
    [IN.REQ_COMPLETED_ORDERS, (c) => c.send([...book.completed().map(completedOrder), [OUT.COMPLETED_ORDERS_END]])],
    [
      IN.REQ_EXECUTIONS,
      (c, t) => {
        const reqId = new Fields(t, 2).int('reqId');
        const f = parseExecFilter(t);
        const ex = core.book.executions.filter((e) => matches(e, f));
        c.send([...ex.flatMap((e) => [executionData(reqId, e), commissionReport(e)]), [OUT.EXECUTION_DATA_END, 1, reqId]]);
      },
    ],
    [
      IN.REQ_POSITIONS,
      (c) => {
        c.positionsSub = true;
        c.send([...core.account.all().map((p) => position(srv.account, p.contract, p.quantity, p.avgCost)), [OUT.POSITION_END, 1]]);
      },
    ],
    [
      IN.CANCEL_POSITIONS,
      (c) => {
        c.positionsSub = false;
      },
    ],
    [
      IN.REQ_ACCOUNT_SUMMARY,
      (c, t) => {
        const f = new Fields(t, 2);
        const reqId = f.int('reqId');
        f.str(); // group: the simulator has one account
        const tags = f
          .str()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (c.accountSummary.has(reqId)) return c.send([errMsg(reqId, 322, `Duplicate ticker id ${reqId}`)]);
        c.accountSummary.set(reqId, tags);
        summaryRows(c, reqId, tags);
        c.send([[OUT.ACCOUNT_SUMMARY_END, 1, reqId]]);
      },
    ],
    [
      IN.CANCEL_ACCOUNT_SUMMARY,
      (c, t) => {
        c.accountSummary.delete(new Fields(t, 2).int('reqId'));
      },
    ],
  ];
}
