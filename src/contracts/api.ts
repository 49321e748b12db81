/**
 * The STAR-LAB API's other bodies (architecture §6.1): responses in the seed's shapes and
 * the Data/Notification requests. Each zod schema is validator, type and OpenAPI source;
 * `SEED` holds the seed document's example bodies, used as OpenAPI examples and in tests.
 */
import { z } from 'zod';
import { isoDate, ORDER_STATUSES, POSITION_TYPES, SCHEME_TYPES } from './instruction';

const ident = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_.:\-]+$/, 'letters, digits and _ . : - only');
const ticker = z.string().regex(/^[A-Z][A-Z.]{0,9}$/, 'must be an upper-case ticker (1-10 letters)');

export const validationErrorSchema = z.object({ field: z.string(), message: z.string() });

export const instructionAckSchema = z
  .object({
    all_use_order_id: z.string(),
    client_order_id: z.string(),
    status: z.enum(['RECEIVED', 'VALIDATION_FAILED']),
    message: z.string(),
    validation_errors: z.array(validationErrorSchema),
  })
  .meta({ id: 'InstructionAck' });
export type InstructionAck = z.infer<typeof instructionAckSchema>;

export const orderStatusSchema = z
  .object({
    all_use_order_id: z.string(),
    client_order_id: z.string(),
    starlab_strategy_id: z.string(),
    status: z.enum(ORDER_STATUSES),
    filled_quantity: z.number().int(),
    average_fill_price: z.number().nullable(),
    commission: z.number(),
    timestamp: z.string().describe('ISO 8601, UTC, seconds'),
    broker_order_id: z.string().nullable(),
    reject_reason: z.string().nullable().optional().describe('the coded risk or broker reason when REJECTED or CANCELLED'),
  })
  .meta({ id: 'OrderStatus' });
export type OrderStatusBody = z.infer<typeof orderStatusSchema>;

export const positionSchema = z
  .object({
    symbol: z.string(),
    position_type: z.enum(POSITION_TYPES),
    quantity: z.number().int().describe('contracts or shares, always positive: the side is in position_type'),
    average_entry_price: z.number(),
    market_value: z.number().describe('signed: negative for a short position'),
    unrealized_pnl: z.number(),
    all_use_order_id_open: z.string().nullable(),
    expiration_date: z.string().optional().describe('options only (an addition to the seed shape)'),
    strike_price: z.number().optional().describe('options only (an addition to the seed shape)'),
    mark_source: z.enum(['BROKER', 'LAST_FILL', 'NONE']).optional().describe('where the mark behind market_value came from (an addition)'),
  })
  .meta({ id: 'Position' });
export type PositionBody = z.infer<typeof positionSchema>;
export const positionsSchema = z.array(positionSchema).meta({ id: 'Positions' });

export const performanceSchema = z
  .object({
    starlab_strategy_id: z.string(),
    realized_pnl: z
      .number()
      .describe(
        "realised P&L net of commissions, as Interactive Brokers reports it: each position's cost includes its opening commission, each closing execution's proceeds are net of its own; an option that expires, is assigned or is exercised closes at price 0 (its premium realised) and assigned/exercised stock is held at the strike. Positions end as the broker reports them (reconciliation, docs/RECONCILIATION.md).",
      ),
    unrealized_pnl: z.number(),
    total_trades: z.number().int().describe('orders that closed (part of) a position, and positions the broker ended (expired, assigned, exercised), each counted once, winning or losing'),
    winning_trades: z.number().int(),
    losing_trades: z.number().int(),
    commissions_paid: z.number(),
  })
  .meta({ id: 'Performance' });
export type PerformanceBody = z.infer<typeof performanceSchema>;

export const cancelResultSchema = z.object({ status: z.enum(['CANCEL_REQUESTED', 'FAILED']), message: z.string() }).meta({ id: 'CancelResult' });

export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) }).meta({ id: 'Error' });

export const tokenRequestSchema = z
  .object({
    grant_type: z.literal('client_credentials'),
    client_id: z.string().optional(),
    client_secret: z.string().optional(),
  })
  .meta({ id: 'TokenRequest', description: 'form fields; client_id/client_secret may come as HTTP Basic instead' });
export const tokenResponseSchema = z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int(), scope: z.string() }).meta({ id: 'TokenResponse' });
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

// ---- Data/Notification API (§6.1.1) ----

export const DATA_TYPES = ['QUOTE', 'OPTION_CHAIN', 'DAILY_BARS', 'WEEK_TYPE_HISTORY', 'POSITIONS'] as const;
export type DataType = (typeof DATA_TYPES)[number];

export const requestDataSchema = z
  .discriminatedUnion('data_type', [
    z.object({ data_type: z.literal('QUOTE'), symbol: ticker }).strict(),
    z.object({ data_type: z.literal('OPTION_CHAIN'), symbol: ticker, expiration_date: isoDate.optional() }).strict(),
    z.object({ data_type: z.literal('DAILY_BARS'), symbol: ticker, start_date: isoDate, end_date: isoDate }).strict(),
    z
      .object({
        data_type: z.literal('WEEK_TYPE_HISTORY'),
        symbol: ticker.optional(),
        from_week: z
          .string()
          .regex(/^\d{4}-W\d{2}$/, 'must be YYYY-Www')
          .optional(),
        to_week: z
          .string()
          .regex(/^\d{4}-W\d{2}$/, 'must be YYYY-Www')
          .optional(),
      })
      .strict(),
    z.object({ data_type: z.literal('POSITIONS'), starlab_strategy_id: ident(100) }).strict(),
  ])
  .meta({ id: 'DataRequest' });
export type DataRequest = z.infer<typeof requestDataSchema>;

export const dataResponseSchema = z
  .object({
    data_type: z.enum(DATA_TYPES),
    as_of: z.string(),
    data: z.unknown(),
    source: z.enum(['store', 'broker']).optional().describe('market data only: answered from the market-data store (fresh) or asked of the broker'),
  })
  .meta({ id: 'DataResponse' });

export const strategyNotificationSchema = z
  .object({
    starlab_strategy_id: ident(100),
    scheme_type: z.enum(SCHEME_TYPES),
    title: z.string().min(1).max(200),
    description: z.string().max(10_000).optional(),
    symbols: z.array(ticker).min(1).max(50),
    validation_period: z.object({ start_date: isoDate, end_date: isoDate }).strict().optional(),
    metrics: z.record(z.string().max(64), z.number()).optional().describe('e.g. sharpe, max_drawdown, win_rate'),
    parameters: z.record(z.string().max(64), z.union([z.string().max(200), z.number(), z.boolean()])).optional(),
  })
  .strict()
  .meta({ id: 'StrategyNotification' });
export type StrategyNotification = z.infer<typeof strategyNotificationSchema>;

export const notificationAckSchema = z.object({ notification_id: z.string(), status: z.literal('RECEIVED'), message: z.string() }).meta({ id: 'NotificationAck' });

/** GET /notify_validated_strategy/{notification_id}: what ALL-USE's operators made of it. */
export const notificationStatusSchema = z
  .object({
    notification_id: z.string(),
    starlab_strategy_id: z.string(),
    status: z.enum(['RECEIVED', 'ACCEPTED', 'DISMISSED']).describe('RECEIVED until an operator accepts or dismisses it'),
    reason: z.string().nullable().describe("the operator's reason once decided"),
    received_at: z.string(),
    decided_at: z.string().nullable(),
  })
  .meta({ id: 'NotificationStatus' });

export const notificationListQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).optional(), cursor: z.string().max(500).optional() }).strict();

export const notificationStatusListSchema = z.object({ items: z.array(notificationStatusSchema), next_cursor: z.string().nullable() }).meta({ id: 'NotificationStatusList' });

/** The seed document's example bodies (§6.1.2), verbatim apart from its placeholders. */
export const SEED = {
  instruction: {
    starlab_strategy_id: 'DIS_AAPL_20250507_001',
    scheme_type: 'DIS',
    symbol: 'AAPL',
    trade_action: 'BUY_TO_OPEN_CALL',
    quantity: 1,
    order_type: 'LIMIT',
    limit_price: 150.25,
    expiration_date: '2030-01-18',
    strike_price: 150.0,
    time_in_force: 'DAY',
    client_order_id: 'unique_starlab_order_ref_123',
    account_tag: 'STARLAB_DIS_FUND',
  },
  ack: {
    all_use_order_id: 'au_uuid_order_789',
    client_order_id: 'unique_starlab_order_ref_123',
    status: 'RECEIVED',
    message: 'Trade instruction received and queued for execution.',
    validation_errors: [],
  },
  orderStatus: {
    all_use_order_id: 'au_uuid_order_789',
    client_order_id: 'unique_starlab_order_ref_123',
    starlab_strategy_id: 'DIS_AAPL_20250507_001',
    status: 'FILLED',
    filled_quantity: 1,
    average_fill_price: 150.2,
    commission: 0.65,
    timestamp: '2025-05-07T14:30:00Z',
    broker_order_id: 'broker_specific_id_xyz',
  },
  positions: [{ symbol: 'AAPL', position_type: 'LONG_CALL', quantity: 1, average_entry_price: 150.2, market_value: 15500.0, unrealized_pnl: 480.0, all_use_order_id_open: 'au_uuid_order_789' }],
  performance: {
    starlab_strategy_id: 'DIS_AAPL_20250507_001',
    realized_pnl: 120.5,
    unrealized_pnl: 480.0,
    total_trades: 5,
    winning_trades: 3,
    losing_trades: 2,
    commissions_paid: 3.25,
  },
  cancel: { status: 'CANCEL_REQUESTED', message: 'cancellation requested' },
} as const;
