/**
 * The one Prisma client of a process, created lazily over the pg driver adapter
 * (Prisma 6.19 "client" engine: no native query engine to download, PLATFORM.md).
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from '@prisma/client';

export { Prisma, PrismaClient };

const clients = new Map<string, PrismaClient>();

export function getPrisma(databaseUrl: string): PrismaClient {
  let client = clients.get(databaseUrl);
  if (!client) {
    client = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 10 }) });
    clients.set(databaseUrl, client);
  }
  return client;
}

export async function closePrisma(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((c) => c.$disconnect()));
}

/** True when `err` is a unique-constraint violation (P2002). */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}
