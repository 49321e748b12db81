/**
 * STAR-LAB trade instruction contract (architecture §6.1.2), field names and enums exactly
 * as the seed writes them. One zod schema is validator, type and (later) OpenAPI source.
 */
import { z } from 'zod';

export { ORDER_STATUSES, TERMINAL_STATUSES, isTerminal, type OrderStatus } from './orderStatus';

export const SCHEME_TYPES = ['DIS', 'WIS', 'MIS'] as const;
export const OPTION_ACTIONS = [
  'BUY_TO_OPEN_CALL',
  'SELL_TO_OPEN_CALL',
  'BUY_TO_CLOSE_CALL',
  'SELL_TO_CLOSE_CALL',
  'BUY_TO_OPEN_PUT',
  'SELL_TO_OPEN_PUT',
  'BUY_TO_CLOSE_PUT',
  'SELL_TO_CLOSE_PUT',
] as const;
export const STOCK_ACTIONS = ['BUY_STOCK', 'SELL_STOCK'] as const;
export const TRADE_ACTIONS = [...OPTION_ACTIONS, ...STOCK_ACTIONS] as const;
export const ORDER_TYPES = ['LIMIT', 'MARKET'] as const;
export const TIMES_IN_FORCE = ['DAY', 'GTC'] as const;
export const POSITION_TYPES = ['LONG_CALL', 'SHORT_CALL', 'LONG_PUT', 'SHORT_PUT', 'LONG_STOCK', 'SHORT_STOCK'] as const;
export const SOURCES = ['STARLAB', 'INTERNAL'] as const;

export type SchemeType = (typeof SCHEME_TYPES)[number];
export type TradeAction = (typeof TRADE_ACTIONS)[number];
export type OrderType = (typeof ORDER_TYPES)[number];
export type TimeInForce = (typeof TIMES_IN_FORCE)[number];
export type PositionType = (typeof POSITION_TYPES)[number];
export type Source = (typeof SOURCES)[number];

export const isOptionAction = (a: TradeAction): boolean => (OPTION_ACTIONS as readonly string[]).includes(a);

/** A price with at most 4 decimals, positive, finite: money never passes through a float op. */
const price = z
  .number({ error: 'must be a number' })
  .positive('must be greater than 0')
  .max(1_000_000, 'must be at most 1000000')
  .refine((v) => Number.isFinite(v) && Math.abs(v * 10_000 - Math.round(v * 10_000)) < 1e-6, 'at most 4 decimal places');

const ident = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(max, `at most ${max} characters`)
    .regex(/^[A-Za-z0-9_.:\-]+$/, 'letters, digits and _ . : - only');

/** A STAR-LAB `account_tag`: the name of a capital segment (also checked by `ops segments set`). */
export const accountTagSchema = ident(64);

export const isoDate = z
  .string({ error: 'must be a string' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'not a calendar date');

const instructionObject = z
  .object({
    starlab_strategy_id: ident(100),
    scheme_type: z.enum(SCHEME_TYPES),
    symbol: z.string({ error: 'must be a string' }).regex(/^[A-Z][A-Z.]{0,9}$/, 'must be an upper-case ticker (1-10 letters)'),
    trade_action: z.enum(TRADE_ACTIONS),
    quantity: z.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(10_000, 'must be at most 10000'),
    order_type: z.enum(ORDER_TYPES),
    limit_price: price.optional(),
    expiration_date: isoDate.optional(),
    strike_price: price.optional(),
    time_in_force: z.enum(TIMES_IN_FORCE),
    client_order_id: ident(100),
    account_tag: accountTagSchema.optional(),
  })
  .strict();

/**
 * Rules across fields, checked on the raw body so they are reported even when other
 * fields are invalid (zod skips refinements of an object that already failed).
 */
function crossFieldErrors(raw: Record<string, unknown>): ValidationError[] {
  const out: ValidationError[] = [];
  if (raw.order_type === 'LIMIT' && raw.limit_price === undefined) out.push({ field: 'limit_price', message: 'required when order_type is LIMIT' });
  if (raw.order_type === 'MARKET' && raw.limit_price !== undefined) out.push({ field: 'limit_price', message: 'not allowed when order_type is MARKET' });
  if (typeof raw.trade_action === 'string' && (TRADE_ACTIONS as readonly string[]).includes(raw.trade_action)) {
    const option = isOptionAction(raw.trade_action as TradeAction);
    for (const f of ['expiration_date', 'strike_price'] as const) {
      if (option && raw[f] === undefined) out.push({ field: f, message: 'required for option trades' });
      if (!option && raw[f] !== undefined) out.push({ field: f, message: 'not allowed for stock trades' });
    }
  }
  return out;
}

export const tradeInstructionSchema = instructionObject.superRefine((v, ctx) => {
  for (const e of crossFieldErrors(v)) ctx.addIssue({ code: 'custom', path: [e.field], message: e.message });
});

export type ParseResult = { success: true; data: TradeInstruction } | { success: false; errors: ValidationError[] };

/** Validates a body and reports every problem: field errors and cross-field rules together. */
export function parseTradeInstruction(body: unknown): ParseResult {
  const parsed = tradeInstructionSchema.safeParse(body);
  if (parsed.success) return { success: true, data: parsed.data };
  const errors = toValidationErrors(parsed.error);
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    for (const e of crossFieldErrors(body as Record<string, unknown>)) if (!errors.some((x) => x.field === e.field && x.message === e.message)) errors.push(e);
  }
  return { success: false, errors };
}

export type TradeInstruction = z.infer<typeof tradeInstructionSchema>;

export interface ValidationError {
  field: string;
  message: string;
}

/** zod issues → the seed's `validation_errors` entries, one per problem. */
export function toValidationErrors(error: z.ZodError): ValidationError[] {
  return error.issues.map((i) => {
    let field = i.path.map(String).join('.');
    if (i.code === 'unrecognized_keys') {
      field = (i as { keys: string[] }).keys.join(',');
      return { field, message: 'unknown field' };
    }
    return { field: field || '(body)', message: i.message };
  });
}
