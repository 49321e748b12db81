/**
 * Report activities: load the period's rows, compute, store in the reports table. Idempotent:
 * a second run for the same kind and period overwrites the same row with the same figures.
 */
import type { PrismaClient } from '../src/db/client';
import type { Logger } from '../src/logger';
import { systemClock, type Clock } from '../src/contracts/clock';
import { nyToday, periodOf } from '../src/reports/period';
import { produceReport } from '../src/reports/load';
import type { MarketData } from '../src/contracts/broker';
import { marketMarker } from '../src/marks';

export interface ReportRequest {
  kind: 'daily' | 'weekly';
  /** A date inside the period (YYYY-MM-DD); unset = today in New York. */
  date?: string;
}
export interface ReportSummary {
  kind: string;
  from: string;
  to: string;
  accounts: number;
  strategies: number;
}

export function createReportActivities({ prisma, logger, clock = systemClock, marketData }: { prisma: PrismaClient; logger: Logger; clock?: Clock; marketData?: MarketData }) {
  // Open positions at market marks: the broker's quotes, a flagged model price where it has none.
  const marker = marketData ? marketMarker(marketData) : undefined;
  return {
    async generateReport(req: ReportRequest): Promise<ReportSummary> {
      const { from, to } = periodOf(req.kind, req.date ?? nyToday(clock.now()));
      const r = await produceReport(prisma, req.kind, from, to, clock.now(), marker);
      logger.info('report stored', { kind: req.kind, from, to });
      return { kind: req.kind, from, to, accounts: r.accounts.length, strategies: r.strategies.length };
    },
  };
}
