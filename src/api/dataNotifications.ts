/**
 * STAR-LAB Data/Notification API (architecture §6.1.1), scope `data`. Positions and
 * week-type history come from the database; quotes, chains and bars from the broker's
 * market-data port (503 BROKER_UNAVAILABLE when it is absent or fails).
 * Notifications are stored for operators and never trade.
 */
import { Router, type Request, type Response } from 'express';
import { notificationAckSchema, requestDataSchema, strategyNotificationSchema, type DataRequest } from '../contracts/api';
import { toValidationErrors } from '../contracts/instruction';
import { writeAudit } from '../db/audit';
import type { PrismaClient } from '../db/client';
import { storeNotification, weekTypeHistory } from '../db/notifications';
import { strategyKnown } from '../db/positions';
import { requireScope } from './auth';
import { caller, strategyAllowed } from './clientContext';
import { ApiError, notFound, validationFailed } from './errors';
import type { MarkProvider } from './marks';
import { marketDataAnswer } from './marketDataQuery';
import type { MarketData } from '../contracts/broker';
import { strategyPositions } from './portfolio';
import type { z } from 'zod';

const invalid = (error: z.ZodError) => validationFailed(toValidationErrors(error));

export function dataNotificationsRouter({ prisma, marks, marketData }: { prisma: PrismaClient; marks: MarkProvider; marketData?: MarketData }): Router {
  const r = Router();
  r.use(requireScope('data', prisma));

  r.post('/request_data', async (req: Request, res: Response) => {
    const parsed = requestDataSchema.safeParse(req.body);
    if (!parsed.success) throw invalid(parsed.error);
    const q: DataRequest = parsed.data;
    const client = caller(res);
    let data: unknown;
    switch (q.data_type) {
      case 'POSITIONS':
        if (!strategyAllowed(client, q.starlab_strategy_id) || !(await strategyKnown(prisma, client.name, q.starlab_strategy_id))) throw notFound('strategy');
        data = await strategyPositions(prisma, marks, client.name, q.starlab_strategy_id);
        break;
      case 'WEEK_TYPE_HISTORY':
        data = await weekTypeHistory(prisma, { symbol: q.symbol, fromWeek: q.from_week, toWeek: q.to_week });
        break;
      case 'QUOTE':
      case 'OPTION_CHAIN':
      case 'DAILY_BARS':
        data = await marketDataAnswer(marketData, q);
        break;
    }
    res.json({ data_type: q.data_type, as_of: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), data });
  });

  r.post('/notify_validated_strategy', async (req: Request, res: Response) => {
    const parsed = strategyNotificationSchema.safeParse(req.body);
    if (!parsed.success) throw invalid(parsed.error);
    const client = caller(res);
    if (!strategyAllowed(client, parsed.data.starlab_strategy_id)) throw new ApiError(403, 'STRATEGY_NOT_ALLOWED', `client may not report on strategy ${parsed.data.starlab_strategy_id}`);
    const id = await storeNotification(prisma, client.name, parsed.data);
    await writeAudit(prisma, { actor: client.name, action: 'STRATEGY_NOTIFIED', target: id, outcome: 'OK', detail: { starlab_strategy_id: parsed.data.starlab_strategy_id, ip: req.ip } });
    res.status(201).json(notificationAckSchema.parse({ notification_id: id, status: 'RECEIVED', message: 'Strategy notification stored for ALL-USE operators; no trade is placed from it.' }));
  });
  return r;
}
