/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate the requests
 * (zod-to-openapi), with the seed's example bodies as examples. Served at
 * GET /api/v1/openapi.json and rendered as HTML at GET /api/v1/docs (docsPage.ts).
 */
import { OpenApiGeneratorV31, OpenAPIRegistry, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  cancelResultSchema,
  dataResponseSchema,
  errorSchema,
  instructionAckSchema,
  notificationAckSchema,
  notificationStatusListSchema,
  notificationStatusSchema,
  orderStatusSchema,
  performanceSchema,
  positionsSchema,
  requestDataSchema,
  SEED,
  strategyNotificationSchema,
  tokenRequestSchema,
  tokenResponseSchema,
} from '../contracts/api';
import { tradeInstructionSchema } from '../contracts/instruction';
import { webhookCreatedSchema, webhookCreateSchema, webhookEventBodySchema, webhookListSchema } from '../contracts/webhookApi';

const BASE = '/api/v1/starlab_interface';
const json = (schema: z.ZodType, example?: unknown) => ({ content: { 'application/json': { schema, ...(example !== undefined ? { example } : {}) } } });
const error = (description: string): ResponseConfig => ({ description, ...json(errorSchema) });
const validation = z
  .object({ status: z.literal('VALIDATION_FAILED'), message: z.string(), validation_errors: z.array(z.object({ field: z.string(), message: z.string() })) })
  .meta({ id: 'ValidationFailed' });
const common = {
  400: { description: 'VALIDATION_FAILED: one {field, message} per problem; nothing was started or stored', ...json(validation) },
  401: error('UNAUTHENTICATED, INVALID_CREDENTIALS, TOKEN_EXPIRED or CREDENTIALS_REVOKED'),
  403: error('INSUFFICIENT_SCOPE, IP_NOT_ALLOWED or STRATEGY_NOT_ALLOWED'),
  413: error('PAYLOAD_TOO_LARGE: body over 64 KiB'),
  415: error('UNSUPPORTED_MEDIA_TYPE: body is not application/json'),
  429: error('RATE_LIMITED: see the Retry-After header'),
  500: error('INTERNAL'),
  503: error('TEMPORAL_UNAVAILABLE or BROKER_UNAVAILABLE: retry later'),
} satisfies Record<number, ResponseConfig>;
const security: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }];
const idParam = (name: string, example: string) => z.object({ [name]: z.string().meta({ example }) });

let cached: object | undefined;

export function openApiDocument(): object {
  if (cached) return cached;
  const reg = new OpenAPIRegistry();
  reg.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'an API key (auk_…) or an access token from /api/v1/oauth/token' });
  reg.registerComponent('securitySchemes', 'apiKey', { type: 'apiKey', in: 'header', name: 'X-API-Key' });

  reg.registerPath({
    method: 'post',
    path: `${BASE}/trading/submit_trade_instruction`,
    tags: ['trading'],
    security,
    summary: 'Submit a trade instruction (scope trade)',
    description:
      'Validates, then starts the instruction durably. Risk checks run after the ack; a failed one ends the order REJECTED with reject_reason. The same client_order_id with the same body answers 200 with the first ack; with another body 409 DUPLICATE_CLIENT_ORDER_ID.',
    request: { body: { required: true, ...json(tradeInstructionSchema.meta({ id: 'TradeInstruction' }), SEED.instruction) } },
    responses: {
      201: { description: 'RECEIVED', ...json(instructionAckSchema, SEED.ack) },
      200: { description: 'RECEIVED (a replay of an instruction already received; nothing started)', ...json(instructionAckSchema) },
      409: error('DUPLICATE_CLIENT_ORDER_ID'),
      ...common,
    },
  });
  reg.registerPath({
    method: 'get',
    path: `${BASE}/trading/order_status/{all_use_order_id}`,
    tags: ['trading'],
    security,
    summary: 'Status of an instruction (scope read)',
    request: { params: idParam('all_use_order_id', 'au_0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0') },
    responses: { 200: { description: 'the order', ...json(orderStatusSchema, SEED.orderStatus) }, 404: error('NOT_FOUND (also for another client’s order)'), ...common },
  });
  reg.registerPath({
    method: 'get',
    path: `${BASE}/trading/positions/{starlab_strategy_id}`,
    tags: ['trading'],
    security,
    summary: 'Open positions of a strategy (scope read)',
    description: 'market_value and unrealized_pnl at the current mark: the broker’s price when a market-data path is connected, else the last fill price of the contract (mark_source says which).',
    request: { params: idParam('starlab_strategy_id', SEED.instruction.starlab_strategy_id) },
    responses: { 200: { description: 'positions', ...json(positionsSchema, SEED.positions) }, 404: error('NOT_FOUND'), ...common },
  });
  reg.registerPath({
    method: 'get',
    path: `${BASE}/trading/performance/{starlab_strategy_id}`,
    tags: ['trading'],
    security,
    summary: 'Performance of a strategy (scope read)',
    description:
      'realized_pnl is net of commissions as Interactive Brokers reports it (opening commissions in the cost, closing ones off the proceeds). A position counts as a trade when it is closed by an order or ended by the broker (expired worthless, assigned, exercised), winning or losing; assigned stock is listed under the strategy that sold the option, at the strike.',
    request: { params: idParam('starlab_strategy_id', SEED.instruction.starlab_strategy_id) },
    responses: { 200: { description: 'performance', ...json(performanceSchema, SEED.performance) }, 404: error('NOT_FOUND'), ...common },
  });
  reg.registerPath({
    method: 'post',
    path: `${BASE}/trading/cancel_order/{all_use_order_id}`,
    tags: ['trading'],
    security,
    summary: 'Request cancellation (scope trade)',
    request: { params: idParam('all_use_order_id', 'au_0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0') },
    responses: {
      200: { description: 'CANCEL_REQUESTED', ...json(cancelResultSchema, SEED.cancel) },
      409: { description: 'FAILED: the order is already final', ...json(cancelResultSchema, { status: 'FAILED', message: 'order is already FILLED' }) },
      404: error('NOT_FOUND'),
      ...common,
    },
  });
  reg.registerPath({
    method: 'post',
    path: `${BASE}/data_notifications/request_data`,
    tags: ['data_notifications'],
    security,
    summary: 'Request data (scope data)',
    description: 'POSITIONS and WEEK_TYPE_HISTORY come from ALL-USE’s database; QUOTE, OPTION_CHAIN and DAILY_BARS answer 503 BROKER_UNAVAILABLE until a market-data path is connected.',
    request: { body: { required: true, ...json(requestDataSchema, { data_type: 'POSITIONS', starlab_strategy_id: SEED.instruction.starlab_strategy_id }) } },
    responses: { 200: { description: 'the data', ...json(dataResponseSchema) }, 404: error('NOT_FOUND'), ...common },
  });
  reg.registerPath({
    method: 'post',
    path: `${BASE}/data_notifications/notify_validated_strategy`,
    tags: ['data_notifications'],
    security,
    summary: 'Notify ALL-USE of a validated research strategy (scope data; never trades)',
    request: {
      body: {
        required: true,
        ...json(strategyNotificationSchema, {
          starlab_strategy_id: 'WIS_MSFT_2025Q2_007',
          scheme_type: 'WIS',
          title: 'MSFT weekly 0.30-delta puts',
          symbols: ['MSFT'],
          metrics: { sharpe: 1.4, max_drawdown: -0.08 },
        }),
      },
    },
    responses: { 201: { description: 'stored', ...json(notificationAckSchema) }, ...common },
  });
  reg.registerPath({
    method: 'get',
    path: `${BASE}/data_notifications/notify_validated_strategy/{notification_id}`,
    tags: ['data_notifications'],
    security,
    summary: 'Status of one of your notifications (scope data): RECEIVED, or ACCEPTED / DISMISSED by an operator with the reason',
    request: { params: idParam('notification_id', 'ntf_0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0') },
    responses: { 200: { description: 'the status', ...json(notificationStatusSchema) }, 404: error('NOT_FOUND (also for another client’s notification)'), ...common },
  });
  reg.registerPath({
    method: 'get',
    path: `${BASE}/data_notifications/notify_validated_strategy`,
    tags: ['data_notifications'],
    security,
    summary: 'Your notifications, newest first (scope data); page with ?limit= and ?cursor=<next_cursor>',
    request: { query: z.object({ limit: z.string().optional(), cursor: z.string().optional() }) },
    responses: { 200: { description: 'a page', ...json(notificationStatusListSchema) }, ...common },
  });
  const webhookDoc =
    'Every status change of your instructions (RECEIVED, SUBMITTED, PARTIALLY_FILLED, FILLED, CANCELLED, REJECTED; POSITION_EXPIRED and POSITION_ASSIGNED of their positions) is POSTed to each endpoint, in sequence order per instruction, at least once (dedupe by X-AllUse-Event-Id), signed: X-AllUse-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>. Reject a t more than 300 s from your clock. HTTPS only (plain http to loopback for development). See docs/WEBHOOKS.md.';
  reg.registerPath({
    method: 'post',
    path: `${BASE}/webhooks`,
    tags: ['webhooks'],
    security,
    summary: 'Register a webhook endpoint (scope read); the answer carries its signing secret, once',
    description: webhookDoc,
    request: { body: { required: true, ...json(webhookCreateSchema) } },
    responses: { 201: { description: 'registered', ...json(webhookCreatedSchema) }, ...common },
  });
  reg.registerPath({
    method: 'get',
    path: `${BASE}/webhooks`,
    tags: ['webhooks'],
    security,
    summary: 'Your webhook endpoints (never their secrets)',
    responses: { 200: { description: 'endpoints', ...json(webhookListSchema) }, ...common },
  });
  reg.registerPath({
    method: 'delete',
    path: `${BASE}/webhooks/{id}`,
    tags: ['webhooks'],
    security,
    summary: 'Remove one of your webhook endpoints',
    request: { params: idParam('id', 'whe_0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0') },
    responses: { 204: { description: 'removed' }, 404: error('NOT_FOUND'), ...common },
  });
  reg.registerWebhook({
    method: 'post',
    path: 'instructionStatus',
    tags: ['webhooks'],
    summary: 'What ALL-USE POSTs to your endpoint',
    description: webhookDoc,
    request: { body: { required: true, ...json(webhookEventBodySchema) } },
    responses: { 200: { description: 'any 2xx acknowledges the event; anything else (or no answer within 10 s) is retried with exponential backoff, then dead-lettered' } },
  });
  reg.registerPath({
    method: 'post',
    path: '/api/v1/oauth/token',
    tags: ['auth'],
    summary: 'OAuth 2.0 client credentials: exchange client_id/client_secret for a Bearer token',
    request: { body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: tokenRequestSchema } } } },
    responses: {
      200: { description: 'access token', ...json(tokenResponseSchema) },
      400: common[400],
      401: error('INVALID_CLIENT or CREDENTIALS_REVOKED'),
      403: error('IP_NOT_ALLOWED'),
      429: common[429],
    },
  });

  cached = new OpenApiGeneratorV31(reg.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'ALL-USE STAR-LAB API',
      version: '1.0.0',
      description: 'Trading and Data/Notification API for STAR-LAB (architecture §6.1). Errors: {"error":{"code","message","details"?}}; 400 is always VALIDATION_FAILED.',
    },
    servers: [{ url: '/' }],
  });
  return cached;
}
