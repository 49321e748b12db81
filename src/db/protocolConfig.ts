/**
 * STAND-IN (issue 16) for issue 13's versioned protocol configuration in PostgreSQL, with exactly
 * the interface issue 13 publishes; the integrator replaces this file with issue 13's. Every
 * change is a new row (a version); the current configuration of a scope is its latest version,
 * else the global one, else the defaults (version 0).
 */
import { DEFAULT_PROTOCOL, protocolSchema, ProtocolConfigError, type ProtocolConfig } from '../domain/config';
import type { PrismaClient } from './client';

export interface ConfigScope {
  familyId?: string;
  accountId?: string;
}

const scopeKey = (s?: ConfigScope): string => (s?.accountId ? `account:${s.accountId}` : s?.familyId ? `family:${s.familyId}` : 'global');

export async function setProtocolConfig(prisma: PrismaClient, p: { config: unknown; actor: string; reason: string; scope?: ConfigScope }): Promise<{ version: number }> {
  const r = protocolSchema.safeParse(p.config);
  if (!r.success) throw new ProtocolConfigError(r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  const row = await prisma.protocolConfigVersion.create({ data: { scope: scopeKey(p.scope), config: r.data as object, actor: p.actor, reason: p.reason } });
  return { version: row.version };
}

export async function currentProtocolConfig(prisma: PrismaClient, scope?: ConfigScope): Promise<{ version: number; config: ProtocolConfig }> {
  for (const key of [...new Set([scopeKey(scope), 'global'])]) {
    const row = await prisma.protocolConfigVersion.findFirst({ where: { scope: key }, orderBy: { version: 'desc' } });
    if (row) return { version: row.version, config: protocolSchema.parse(row.config) };
  }
  return { version: 0, config: DEFAULT_PROTOCOL };
}
