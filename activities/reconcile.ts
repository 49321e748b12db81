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
import { Context } from '@temporalio/activity';
import { isTerminal } from '../src/contracts/orderStatus';
import {
  isUnexplained,
  persistentOnly,
  reconcile,
  undecidedKeys,
  type BrokerExecutionIn,
  type ReconcileResult,
  type BrokerPositionIn,
  type ContractRef,
  type Difference,
} from '../src/domain/reconcile';
import {
  applyBookings,
  bookCashCents,
  bookFillsSince,
  instructionProgress,
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
  /** the broker's clock when the reads began (absent in snapshots of older histories) */
  readStartedAt?: string;
  /** this worker's clock then: which fills the books recorded since (their rows' creation) */
  readStartedWallAt?: string;
  /** execIds listed before positions and cash were read (the rest came while they were read) */
  settledExecIds?: string[];
}

/** How long before the read's start a fill row is still looked at (clock skew between the worker and PostgreSQL). */
const RECENT_FILL_MARGIN_MS = 60_000;

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

export function createReconcileActivities({ prisma, broker, logger }: { prisma: PrismaClient; broker: Broker; logger: Logger }) {
  return {
    /**
     * The broker's snapshot with its time: the executions since a week before the last run,
     * then positions and cash, then the executions again. Under load fills keep coming, so no
     * two reads agree for long; instead the snapshot says which executions it holds for certain
     * (listed before) and which came while positions and cash were read (listed after only).
     */
    async readBrokerAccount(): Promise<BrokerAccountSnapshot> {
      const md = broker.marketData;
      if (!md?.executionsSince || !md.accountCash) throw new Error('the broker has no account data (positions, cash, executions) to reconcile with');
      const last = await latestRun(prisma);
      const since = last ? new Date(Date.parse(last.brokerTime) - 7 * 24 * 3600_000) : new Date(0);
      const readStartedWallAt = new Date().toISOString();
      const readStartedAt = (await md.now()).toISOString();
      const settled = await md.executionsSince(since);
      const positions = (await md.positions()).filter((p) => p.quantity !== 0);
      const cashCents = Math.round((await md.accountCash()) * 100);
      const executions = await md.executionsSince(since);
      const asOf = (await md.now()).toISOString();
      return { asOf, positions, cashCents, executions, readStartedAt, readStartedWallAt, settledExecIds: settled.map((e) => e.execId) };
    },

    /**
     * Compares the books with the broker's snapshot as of its time (src/domain/reconcile.ts).
     * `final: false` is a dry look: when a difference is undecided (unexplained or deferred) it
     * changes nothing and answers `recheck` with the undecided keys, so the workflow reads the
     * broker again; the final look (given the keys undecided on every earlier look: only those
     * can be unexplained) books, sets reduce-only and reports.
     */
    async reconcileBooks(p: {
      runId: string;
      trigger: string;
      account: BrokerAccountSnapshot;
      final?: boolean;
      /** the last look of a run with rechecks: the keys undecided in every earlier look (only those can be unexplained now) */
      undecidedInEveryLook?: string[];
    }): Promise<ReconciliationSummary & { recheck?: boolean; undecided?: string[] }> {
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
      const brokerCommission = new Map(executions.filter((e) => e.commission !== undefined).map((e) => [e.execId, e.commission!]));
      const { known, books, instructions, progress, cash, closed, recentFills } = await inBooksTransaction(
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
            progress: await instructionProgress(tx, refs),
            cash: await bookCashCents(tx, brokerCommission),
            recentFills: a.readStartedWallAt
              ? await bookFillsSince(tx, new Date(Date.parse(a.readStartedWallAt) - RECENT_FILL_MARGIN_MS), new Set(executions.map((e) => e.execId)), brokerCommission)
              : [],
            closed: await closedPositions(
              tx,
              executions.filter((e) => !known.has(e.execId) && e.orderId === 0 && !e.orderRef).map((e) => e.contract),
            ),
          };
        },
        { isolationLevel: 'RepeatableRead' },
      );
      // A fill of an instruction whose workflow still runs is on its way to the books, not missed.
      const running = await runningInstructions(progress, log);
      // A workflow that ended after the books were read may have recorded the fill just before:
      // then the books hold it now (later than this snapshot) and it is in flight too.
      const ended = executions.filter((e) => !known.has(e.execId) && running.get(e.orderRef) === false);
      const recordedSince = await knownExecIds(
        prisma,
        ended.map((e) => e.execId),
      );
      for (const e of ended) if (recordedSince.has(e.execId)) running.set(e.orderRef, true);
      for (const [id, inFlight] of running) {
        const i = instructions.get(id);
        if (i && inFlight) instructions.set(id, { ...i, inFlight: true });
      }
      const looked = reconcile({
        asOf: a.asOf,
        brokerPositions: positions,
        brokerCashCents: a.cashCents,
        brokerExecutions: executions,
        bookPositions: books,
        bookCashCents: cash,
        knownExecIds: known,
        instructions,
        closedPositions: closed,
        ...(a.readStartedAt && a.settledExecIds ? { snapshot: { readStartedAt: a.readStartedAt, settledExecIds: new Set(a.settledExecIds) }, recentBookFills: recentFills } : {}),
      });
      const r = p.undecidedInEveryLook ? persistentOnly(looked, new Set(p.undecidedInEveryLook)) : looked;
      if ((r.unexplained > 0 || r.deferred > 0) && p.final === false) {
        log.warn('reconciliation: difference not decided on this look; reading the broker again', { unexplained: r.unexplained, deferred: r.deferred, in_flight: r.inFlight });
        return { ...counts(p, a.asOf, r), reduce_only: [], recheck: true, undecided: undecidedKeys(r) };
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
        else if (d.timing) log.warn('reconciliation: difference deferred (may be timing)', { kind: d.kind, message: d.message, broker: d.broker, books: d.books });
        else log.error('reconciliation: UNEXPLAINED difference', { kind: d.kind, message: d.message, broker: d.broker, books: d.books });
      }
      // Nothing is overwritten: an unexplained difference stops new risk on what it touches until an operator looks.
      for (const scope of r.reduceOnlyScopes) {
        const why = r.differences
          .filter((d) => isUnexplained(d) && d.scopes.includes(scope))
          .map((d) => d.message)
          .join('; ');
        await setReduceOnlyMode({ prisma }, { actor: 'reconciliation', on: true, scope, reason: `reconciliation ${p.runId}: ${why}`.slice(0, 500) });
      }
      reconciliationUnexplained.set(r.unexplained);
      reconciliationRunsTotal.inc({ outcome: r.unexplained ? 'unexplained' : r.explained ? 'explained' : 'clean' });
      const last = await latestRun(prisma);
      const report: ReconciliationReport = {
        ...counts(p, a.asOf, r),
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
        deferred: r.deferred,
        in_flight: r.inFlight,
        booked: booked.length,
      });
      log.info('reconciliation done', {
        differences: report.differences,
        explained: r.explained,
        unexplained: r.unexplained,
        deferred: r.deferred,
        in_flight: r.inFlight,
        reduce_only: r.reduceOnlyScopes,
        booked: booked.length,
      });
      return summaryOf(report);
    },
  };
}

/** The summary's figures of one look (reduce_only apart: a look that books nothing sets none). */
const counts = (p: { runId: string; trigger: string }, brokerTime: string, r: ReconcileResult): Omit<ReconciliationSummary, 'reduce_only'> => ({
  runId: p.runId,
  trigger: p.trigger,
  brokerTime,
  differences: r.differences.length,
  explained: r.explained,
  unexplained: r.unexplained,
  deferred: r.deferred,
  in_flight: r.inFlight,
});

const summaryOf = (r: ReconciliationReport): ReconciliationSummary => ({
  runId: r.runId,
  trigger: r.trigger,
  brokerTime: r.brokerTime,
  differences: r.differences,
  explained: r.explained,
  unexplained: r.unexplained,
  reduce_only: r.reduce_only,
  // Runs stored before these counts existed had neither.
  deferred: (r as Partial<ReconciliationReport>).deferred ?? 0,
  in_flight: (r as Partial<ReconciliationReport>).in_flight ?? 0,
});

/**
 * Whether each non-final instruction's workflow still runs (Temporal, through the worker's own
 * client). Not found or closed: nobody will record its fills, so the books missed them. When
 * Temporal cannot say, the fill counts as in flight: it is not booked now and sets nothing.
 */
async function runningInstructions(progress: ReadonlyMap<string, { status: string; workflowId: string }>, log: Logger): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  const open = [...progress].filter(([, p]) => !isTerminal(p.status));
  if (!open.length) return out;
  let client;
  try {
    client = Context.current().client;
  } catch {
    client = undefined;
  }
  await Promise.all(
    open.map(async ([id, p]) => {
      if (!client) return void out.set(id, true);
      try {
        const d = await client.workflow.getHandle(p.workflowId).describe();
        out.set(id, d.status.name === 'RUNNING');
      } catch (err) {
        const notFound = err instanceof Error && err.name === 'WorkflowNotFoundError';
        if (!notFound) log.warn('reconciliation: could not tell whether an instruction is in flight; counting it in flight', { instruction: id, err });
        out.set(id, !notFound);
      }
    }),
  );
  return out;
}

export type ReconcileActivities = ReturnType<typeof createReconcileActivities>;
