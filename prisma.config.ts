// Prisma 6.19 CLI configuration: JS engine + pg adapter, so every command works offline
// (PLATFORM.md). allowExitOnIdle stops the CLI hanging ~10 s on exit.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

const connectionString = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/all_use';
process.env.DATABASE_URL = connectionString;

export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  engine: 'js',
  experimental: { adapter: true },
  adapter: async () => new PrismaPg({ connectionString, allowExitOnIdle: true }),
});
