/**
 * Order statuses of GET /order_status, in the seed's words, and which of them are final.
 * Kept free of zod so workflows (Temporal's sandbox) import it without the schemas.
 */
export const ORDER_STATUSES = ['PENDING_SUBMIT', 'SUBMITTED', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'REJECTED'] as const;
export const TERMINAL_STATUSES = ['FILLED', 'CANCELLED', 'REJECTED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** True for a final status; takes any string because database rows carry plain strings. */
export const isTerminal = (s: string): boolean => (TERMINAL_STATUSES as readonly string[]).includes(s);
