/**
 * The API's idempotency pre-check: the request hash of an instruction already recorded,
 * looked up by all_use_order_id (deterministic from client and client_order_id).
 * Concurrent submissions share one query (batch.ts).
 */
import { batched, perClient } from './batch';
import type { PrismaClient } from './client';

const byId = perClient((prisma: PrismaClient) =>
  batched(async (ids: string[]) => {
    // Raw SQL, one array parameter: a fixed query shape whatever the batch size (see apiClients.ts).
    const rows = await prisma.$queryRaw<{ id: string; requestHash: string }[]>`SELECT id, request_hash AS "requestHash" FROM instructions WHERE id = ANY(${ids})`;
    return new Map(rows.map((r) => [r.id, r.requestHash as string | null]));
  }, null),
);

export const recordedRequestHash = (prisma: PrismaClient, allUseOrderId: string): Promise<string | null> => byId(prisma)(allUseOrderId);
