/** The daily risk and compliance report (src/reports/compliance.ts), stored; idempotent per date. */
import type { PrismaClient } from '../src/db/client';
import type { Logger } from '../src/logger';
import { produceComplianceReport } from '../src/reports/compliance';
import { nyToday } from '../src/reports/period';

export function createComplianceActivities({ prisma, logger }: { prisma: PrismaClient; logger: Logger }) {
  return {
    async generateComplianceReport(req: { date?: string }): Promise<{ from: string; to: string; refusals: number; denied: number }> {
      const d = req.date ?? nyToday();
      const r = await produceComplianceReport(prisma, d, d, true);
      logger.info('compliance report stored', { date: d, refusals: r.refusals.total, denied: r.denied_access.total });
      return { from: d, to: d, refusals: r.refusals.total, denied: r.denied_access.total };
    },
  };
}
