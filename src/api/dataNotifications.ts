/**
 * STAR-LAB Data/Notification API (architecture §6.1.1), scope `data`. Positions and
 * week-type history come from the database; quotes, chains and bars from the broker's
 * market-data port (503 BROKER_UNAVAILABLE when it is absent or fails).
 * Notifications are stored for operators and never trade.
 */
import { Router, type Request, type Response } from 'express';
import { notificationAckSchema, notificationListQuery, notificationStatusSchema, requestDataSchema, strategyNotificationSchema, type DataRequest } from '../contracts/api';
import { toValidationErrors } from '../contracts/instruction';
import { writeAudit } from '../db/audit';
import { poolOf, type PrismaClient } from '../db/client';
import { notificationItem, queryNotifications, storeNotification, weekTypeHistory, type NotificationItem } from '../db/notifications';
import { MarketDataQuery } from '../marketdata/query';
import { marketDataSettings } from '../marketdata/settings';
import { createLogger } from '../logger';
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

const statusOf = (n: NotificationItem) => ({
  notification_id: n.id,
  starlab_strategy_id: n.starlab_strategy_id ?? '',
  status: n.status === 'NEW' ? ('RECEIVED' as const) : (n.status as 'ACCEPTED' | 'DISMISSED'),
  reason: n.decision_reason,
  received_at: n.created_at,
  decided_at: n.decided_at,
});

export function dataNotificationsRouter({ prisma, marks, marketData }: { prisma: PrismaClient; marks: MarkProvider; marketData?: MarketData }): Router {
  const r = Router();
  r.use(requireScope('data', prisma));
  const pool = poolOf(prisma);
  const settings = marketDataSettings();
  const log = createLogger('request-data');
  const store = pool ? new MarketDataQuery(pool, { freshQuoteMs: settings.freshQuoteMs, freshChainMs: settings.freshChainMs }) : undefined;

  r.post('/request_data', async (req: Request, res: Response) => {
    const parsed = requestDataSchema.safeParse(req.body);
    if (!parsed.success) throw invalid(parsed.error);
    const q: DataRequest = parsed.data;
    const client = caller(res);
    let data: unknown;
    let source: string | undefined;
    switch (q.data_type) {
      case 'POSITIONS':
        if (!strategyAllowed(client, q.starlab_strategy_id) || !(await strategyKnown(prisma, null, q.starlab_strategy_id))) throw notFound('strategy');
        data = await strategyPositions(prisma, marks, null, q.starlab_strategy_id);
        break;
      case 'WEEK_TYPE_HISTORY':
        data = await weekTypeHistory(prisma, { symbol: q.symbol, fromWeek: q.from_week, toWeek: q.to_week });
        break;
      case 'QUOTE':
      case 'OPTION_CHAIN':
      case 'DAILY_BARS':
        ({ data, source } = await marketDataAnswer(marketData, q, store, log));
        break;
    }
    res.json({ data_type: q.data_type, as_of: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), data, ...(source ? { source } : {}) });
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

  // STAR-LAB reads the status of its own notifications: RECEIVED until an operator accepts or dismisses it.
  r.get('/notify_validated_strategy/:id', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const item = /^ntf_[0-9a-f-]{36}$/.test(id) ? await notificationItem(prisma, id, caller(res).name) : null;
    if (!item) throw notFound('notification');
    res.json(notificationStatusSchema.parse(statusOf(item)));
  });
  r.get('/notify_validated_strategy', async (req: Request, res: Response) => {
    const q = notificationListQuery.safeParse(req.query);
    if (!q.success) throw invalid(q.error);
    let page;
    try {
      page = await queryNotifications(prisma, { clientName: caller(res).name, limit: q.data.limit, cursor: q.data.cursor });
    } catch (err) {
      throw validationFailed([{ field: 'cursor', message: (err as Error).message }]);
    }
    res.json({ items: page.items.map(statusOf), next_cursor: page.next_cursor });
  });
  return r;
}
