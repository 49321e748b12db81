/**
 * Deterministic ids: the same client and client_order_id always give the same
 * all_use_order_id, so a retried submission lands on the same workflow.
 */
import { createHash } from 'node:crypto';
import type { TradeInstruction } from './instruction';

/** `au_` + a UUID-shaped digest of (client, client_order_id). */
export function allUseOrderId(clientName: string, clientOrderId: string): string {
  const h = createHash('sha256').update(`${clientName}\u0000${clientOrderId}`).digest('hex');
  return `au_${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Hash of the canonical body (keys sorted), to tell a replay from a conflicting reuse. */
export function requestHash(body: TradeInstruction): string {
  const canonical = JSON.stringify(Object.fromEntries(Object.entries(body).sort(([a], [b]) => a.localeCompare(b))));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}
