/**
 * Reconciliation activities: read the broker's account, compare it with the books
 * (src/domain/reconcile.ts), book the explained differences (keyed, src/db/books.ts), and for
 * the unexplained ones set reduce-only on the affected scopes, raise the alert gauge and store
 * the report. Idempotent: bookings are keyed, the run's report is stored once under its id.
 */
import type { PrismaClient } from '../src/db/client';
import type { Logger } from '../src/logger';
import type { Broker, BrokerExecution, BrokerPosition } from '../src/contracts/broker';
import type { ReconciliationSummary } from '../src/contracts/workflows/reconciliation';
import { reconcile, type BrokerExecutionIn, type BrokerPositionIn, type ContractRef, type Difference } from '../src/domain/reconcile';
import {
  applyBookings,
  bookCashCents,
  closedPositions,
  bookInstructions,
  bookPositions,
  getRun,
  inBooksTransaction,
  knownExecIds,
  latestRun,
  reconciliationCases,
  recordOpeningBalance,
  recordReconciliationAudit,
  saveRun,
} from '../src/db/books';
import { setReduceOnlyMode } from '../src/control';
import { dispatchFromActivity } from './webhooks';
import { reconciliationRunsTotal, reconciliationUnexplained } from '../src/metrics';

export interface BrokerAccountSnapshot {
  asOf: string;
  positions: BrokerPosition[];
  cashCents: number;
  executions: BrokerExecution[];
}

export interface ReconciliationReport extends ReconciliationSummary {
  differences_detail: Difference[];
  booked: string[];
  openingBalanceCents: number | null;
  /** orphaned-order cases tradeInstruction recorded (audit action RECONCILIATION_CASE) since the previous run */
  cases: Awaited<ReturnType<typeof reconciliationCases>>;
}

const contractOf = (x: { symbol: string; secType: 'STK' | 'OPT'; expiry?: string; strike?: number; right?: 'C' | 'P' }): ContractRef =>
  x.secType === 'OPT'
    ? { symbol: x.symbol, secType: 'OPT', expiry: x.expiry ?? '', strike: String(x.strike ?? 0), right: x.right ?? '' }
    : { symbol: x.symbol, secType: 'STK', expiry: '', strike: '0', right: '' };

const sameAccount = (a: { positions: BrokerPosition[]; cashCents: number }, b: { positions: BrokerPosition[]; cashCents: number }): boolean =>
  a.cashCents === b.cashCents && JSON.stringify(a.positions) === JSON.stringify(b.positions);

export function createReconcileActivities({ prisma, broker, logger }: { prisma: PrismaClient; broker: Broker; logger: Logger }) {
  return {
    /**
     * Positions and cash, the executions since a week before the last run, then positions and
     * cash again: equal twice means no fill slipped between the reads (else read again).
     */
    async readBrokerAccount(): Promise<BrokerAccountSnapshot> {
      const md = broker.marketData;
      if (!md?.executionsSince || !md.accountCash) throw new Error('the broker has no account data (positions, cash, executions) to reconcile with');
      const last = await latestRun(prisma);
      const since = last ? new Date(Date.parse(last.brokerTime) - 7 * 24 * 3600_000) : new Date(0);
      const read = async () => ({ positions: (await md.positions()).filter((p) => p.quantity !== 0), cashCents: Math.round((await md.accountCash!()) * 100) });
      for (let attempt = 1; ; attempt++) {
        const before = await read();
        const executions = await md.executionsSince(since);
        const after = await read();
        const asOf = (await md.now()).toISOString();
        if (sameAccount(before, after) || attempt >= 5) {
          if (attempt >= 5) logger.warn('broker account kept changing while read; reconciling the last read');
          return { asOf, ...after, executions };
        }
      }
    },

    /**
     * `final: false` is a dry look: when it finds an unexplained difference it changes nothing and
     * answers `recheck` (a fill between the broker read and the books read looks like one), so the
     * workflow reads the broker again; the final pass books, sets reduce-only and reports.
     */
    async reconcileBooks(p: { runId: string; trigger: string; account: BrokerAccountSnapshot; final?: boolean }): Promise<ReconciliationSummary & { recheck?: boolean }> {
      const done = await getRun(prisma, p.runId);
      if (done) return summaryOf(done.body as ReconciliationReport);
      const log = logger.child({ reconciliation: p.runId });
      const a = p.account;
      const executions: BrokerExecutionIn[] = a.executions.map((e) => ({
        execId: e.execId,
        orderId: e.orderId,
        orderRef: e.orderRef,
        time: e.time,
        contract: contractOf(e),
        side: e.side,
        shares: e.shares,
        price: e.price,
        ...(e.commission !== undefined ? { commission: e.commission } : {}),
        ...(e.realizedPnl !== undefined ? { realizedPnl: e.realizedPnl } : {}),
      }));
      const positions: BrokerPositionIn[] = a.positions.map((x) => ({ contract: contractOf(x), quantity: x.quantity, avgCost: x.avgCost }));
      // One snapshot of the books: a fill recorded between two reads would look like a difference.
      const { known, books, instructions, cash, closed } = await inBooksTransaction(
        prisma,
        async (tx) => {
          const known = await knownExecIds(
            tx,
            executions.map((e) => e.execId),
          );
          const refs = [...new Set(executions.filter((e) => !known.has(e.execId) && e.orderRef).map((e) => e.orderRef))];
          return {
            known,
            books: await bookPositions(tx),
            instructions: await bookInstructions(tx, refs),
            cash: await bookCashCents(tx, new Map(executions.filter((e) => e.commission !== undefined).map((e) => [e.execId, e.commission!]))),
            closed: await closedPositions(
              tx,
              executions.filter((e) => !known.has(e.execId) && e.orderId === 0 && !e.orderRef).map((e) => e.contract),
            ),
          };
        },
        { isolationLevel: 'RepeatableRead' },
      );
      const r = reconcile({
        asOf: a.asOf,
        brokerPositions: positions,
        brokerCashCents: a.cashCents,
        brokerExecutions: executions,
        bookPositions: books,
        bookCashCents: cash,
        knownExecIds: known,
        instructions,
        closedPositions: closed,
      });
      if (r.unexplained > 0 && p.final === false) {
        log.warn('reconciliation: unexplained difference on the first look; reading the broker again', { unexplained: r.unexplained });
        return { runId: p.runId, trigger: p.trigger, brokerTime: a.asOf, differences: r.differences.length, explained: r.explained, unexplained: r.unexplained, reduce_only: [], recheck: true };
      }
      if (r.openingBalanceCents !== null && (await recordOpeningBalance(prisma, r.openingBalanceCents, p.runId))) log.info('books opening balance recorded', { cents: r.openingBalanceCents });
      const reasonOf = new Map(r.differences.flatMap((d) => d.bookings.map((b) => [b.key, d.kind] as const)));
      const { applied: booked, webhooks } = await applyBookings(
        prisma,
        r.differences.filter((d) => d.explained).flatMap((d) => d.bookings),
        p.runId,
        (b) => reasonOf.get(b.key) ?? 'RECONCILIATION',
      );
      for (const t of webhooks) await dispatchFromActivity(t); // after the commit: the events are recorded either way
      for (const d of r.differences) {
        if (d.explained) log.info('reconciliation: explained difference', { kind: d.kind, message: d.message });
        else log.error('reconciliation: UNEXPLAINED difference', { kind: d.kind, message: d.message, broker: d.broker, books: d.books });
      }
      // Nothing is overwritten: an unexplained difference stops new risk on what it touches until an operator looks.
      for (const scope of r.reduceOnlyScopes) {
        const why = r.differences
          .filter((d) => !d.explained && d.scopes.includes(scope))
          .map((d) => d.message)
          .join('; ');
        await setReduceOnlyMode({ prisma }, { actor: 'reconciliation', on: true, scope, reason: `reconciliation ${p.runId}: ${why}`.slice(0, 500) });
      }
      reconciliationUnexplained.set(r.unexplained);
      reconciliationRunsTotal.inc({ outcome: r.unexplained ? 'unexplained' : r.explained ? 'explained' : 'clean' });
      const last = await latestRun(prisma);
      const report: ReconciliationReport = {
        runId: p.runId,
        trigger: p.trigger,
        brokerTime: a.asOf,
        differences: r.differences.length,
        explained: r.explained,
        unexplained: r.unexplained,
        reduce_only: r.reduceOnlyScopes,
        differences_detail: r.differences,
        booked,
        openingBalanceCents: r.openingBalanceCents,
        cases: await reconciliationCases(prisma, last ? new Date(last.createdAt) : undefined),
      };
      await saveRun(prisma, {
        id: p.runId,
        trigger: p.trigger,
        brokerTime: a.asOf,
        differences: report.differences,
        explained: r.explained,
        unexplained: r.unexplained,
        reduceOnly: r.reduceOnlyScopes,
        body: report,
      });
      await recordReconciliationAudit(prisma, p.runId, r.unexplained ? 'UNEXPLAINED' : 'OK', {
        trigger: p.trigger,
        differences: report.differences,
        explained: r.explained,
        unexplained: r.unexplained,
        reduce_only: r.reduceOnlyScopes,
        booked: booked.length,
      });
      log.info('reconciliation done', { differences: report.differences, explained: r.explained, unexplained: r.unexplained, reduce_only: r.reduceOnlyScopes, booked: booked.length });
      return summaryOf(report);
    },
  };
}

const summaryOf = (r: ReconciliationReport): ReconciliationSummary => ({
  runId: r.runId,
  trigger: r.trigger,
  brokerTime: r.brokerTime,
  differences: r.differences,
  explained: r.explained,
  unexplained: r.unexplained,
  reduce_only: r.reduce_only,
});

export type ReconcileActivities = ReturnType<typeof createReconcileActivities>;
