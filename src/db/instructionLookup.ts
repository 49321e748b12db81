/**
 * What the API's door reads for a submission, in ONE statement shared by the submissions of one
 * event-loop turn (batch.ts), straight on the pool (client.ts): the request hash of an instruction
 * already recorded (the idempotency pre-check, by all_use_order_id, deterministic from client and
 * client_order_id) and the halted scopes (a halted system refuses new instructions at the door).
 * Was two statements per turn; every submission pays this read (bench:api, bench:e2e).
 */
import { batched, perClient } from './batch';
import { hotQuery, type PrismaClient } from './client';
import type { HaltedScope } from './control';

export interface DoorRead {
  /** The recorded instruction's request hash, or null when no instruction has this id. */
  requestHash: string | null;
  /** Every halted scope (control_state), read fresh for every batch. */
  halted: HaltedScope[];
}

const byId = perClient((prisma: PrismaClient) =>
  batched(
    async (ids: string[]) => {
      // One array parameter: a fixed statement shape whatever the batch size.
      const [row] = await hotQuery<{ known: { id: string; requestHash: string }[]; halted: HaltedScope[] }>(
        prisma,
        `SELECT (SELECT coalesce(json_agg(json_build_object('id', id, 'requestHash', request_hash)), '[]') FROM instructions WHERE id = ANY($1::text[])) AS known,
                (SELECT coalesce(json_agg(json_build_object('scope', scope, 'reason', reason)), '[]') FROM control_state WHERE halted) AS halted`,
        [ids],
        'door-read',
      );
      const hashes = new Map(row!.known.map((r) => [r.id, r.requestHash]));
      return new Map(ids.map((id): [string, DoorRead] => [id, { requestHash: hashes.get(id) ?? null, halted: row!.halted }]));
    },
    { requestHash: null, halted: [] },
  ),
);

export const doorRead = (prisma: PrismaClient, allUseOrderId: string): Promise<DoorRead> => byId(prisma)(allUseOrderId);
