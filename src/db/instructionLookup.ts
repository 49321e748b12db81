/**
 * The API's idempotency pre-check: the request hash of an instruction already recorded,
 * looked up by all_use_order_id (deterministic from client and client_order_id).
 * Concurrent submissions share one query (batch.ts).
 */
import { batched, perClient } from './batch';
import { hotQuery, type PrismaClient } from './client';

const byId = perClient((prisma: PrismaClient) =>
  batched(async (ids: string[]) => {
    // Straight on the pool, one array parameter: a fixed statement shape whatever the batch size (client.ts).
    const rows = await hotQuery<{ id: string; requestHash: string }>(prisma, 'SELECT id, request_hash AS "requestHash" FROM instructions WHERE id = ANY($1::text[])', [ids]);
    return new Map(rows.map((r) => [r.id, r.requestHash as string | null]));
  }, null),
);

export const recordedRequestHash = (prisma: PrismaClient, allUseOrderId: string): Promise<string | null> => byId(prisma)(allUseOrderId);
