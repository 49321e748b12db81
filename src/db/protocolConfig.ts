/**
 * The protocol configuration as data: versioned rows in `protocol_config_versions`, never
 * updated. A global row holds a whole configuration; family and account rows hold overrides
 * merged onto it (account over family over global). With no global row the base is the
 * worker's configuration (the defaults of src/domain/config.ts in production), version 0.
 *
 * Every change is validated as the configuration it produces (all problems listed), written
 * with its audit row in one transaction, and named by its version in each decision that uses it.
 */
import { Prisma } from '@prisma/client';
import { diffConfigs, type ConfigDifference } from '../domain/configChange';
import { DEFAULT_PROTOCOL, parseProtocolConfig, withOverrides, type DeepPartial, type ProtocolConfig } from '../domain/config';
import type { PrismaClient } from './client';

export interface ConfigScope {
  familyId?: string;
  accountId?: string;
}

export interface ConfigVersionRow {
  version: number;
  scope: string;
  config: unknown;
  actor: string;
  reason: string;
  createdAt: string;
}

type ScopeKey = { scopeKind: 'global' | 'family' | 'account'; scopeId: string };
const scopeKey = (s: ConfigScope = {}): ScopeKey =>
  s.accountId ? { scopeKind: 'account', scopeId: s.accountId } : s.familyId ? { scopeKind: 'family', scopeId: s.familyId } : { scopeKind: 'global', scopeId: '' };
const scopeLabel = (k: ScopeKey) => (k.scopeKind === 'global' ? 'global' : `${k.scopeKind}:${k.scopeId}`);

const latest = (prisma: PrismaClient, k: ScopeKey, atOrBefore?: number) =>
  prisma.protocolConfigVersion.findFirst({ where: { ...k, ...(atOrBefore !== undefined ? { version: { lte: atOrBefore } } : {}) }, orderBy: { version: 'desc' } });

/**
 * The configuration in force for a scope (as of `atOrBefore`, default now): global (or `base`)
 * with the family's and then the account's overrides merged on. `version` is the highest
 * version among the rows merged, 0 when none exists.
 */
export async function resolveProtocolConfig(prisma: PrismaClient, base: ProtocolConfig, scope: ConfigScope = {}, atOrBefore?: number): Promise<{ version: number; config: ProtocolConfig }> {
  const rows = await Promise.all([
    latest(prisma, { scopeKind: 'global', scopeId: '' }, atOrBefore),
    scope.familyId ? latest(prisma, { scopeKind: 'family', scopeId: scope.familyId }, atOrBefore) : null,
    scope.accountId ? latest(prisma, { scopeKind: 'account', scopeId: scope.accountId }, atOrBefore) : null,
  ]);
  const [global, family, account] = rows;
  let config = global ? parseProtocolConfig(global.config) : base;
  if (family) config = withOverrides(config, family.config as DeepPartial<ProtocolConfig>);
  if (account) config = withOverrides(config, account.config as DeepPartial<ProtocolConfig>);
  return { version: Math.max(0, ...rows.map((r) => r?.version ?? 0)), config };
}

/** The interface the optimiser and the operator tools use: resolved over the built-in defaults. */
export function currentProtocolConfig(prisma: PrismaClient, scope?: ConfigScope): Promise<{ version: number; config: ProtocolConfig }> {
  return resolveProtocolConfig(prisma, DEFAULT_PROTOCOL, scope);
}

/**
 * A new version. Global: `config` is a whole (or partial, filled with defaults) configuration.
 * Family/account: `config` is an override. Throws ProtocolConfigError listing every problem;
 * nothing is written then.
 */
export async function setProtocolConfig(prisma: PrismaClient, p: { config: unknown; actor: string; reason: string; scope?: ConfigScope }): Promise<{ version: number; changes: ConfigDifference[] }> {
  if (!p.actor.trim()) throw new Error('a configuration change needs an actor (who)');
  if (!p.reason.trim()) throw new Error('a configuration change needs a reason (why)');
  const key = scopeKey(p.scope);
  const before = await currentProtocolConfig(prisma, p.scope);
  // Validate what the change produces, in its scope: an override must still make a valid whole.
  const stored = key.scopeKind === 'global' ? parseProtocolConfig(p.config) : p.config;
  const after =
    key.scopeKind === 'global'
      ? (stored as ProtocolConfig)
      : withOverrides((await currentProtocolConfig(prisma, key.scopeKind === 'account' ? { familyId: p.scope?.familyId } : {})).config, stored as DeepPartial<ProtocolConfig>);
  const changes = diffConfigs(before.config, after);
  const version = await prisma.$transaction(async (tx) => {
    const row = await tx.protocolConfigVersion.create({ data: { ...key, config: stored as Prisma.InputJsonValue, actor: p.actor, reason: p.reason } });
    await tx.auditLog.create({
      data: { actor: p.actor, action: 'PROTOCOL_CONFIG_SET', target: scopeLabel(key), outcome: 'OK', detail: { version: row.version, reason: p.reason, changes } as unknown as Prisma.InputJsonValue },
    });
    return row.version;
  });
  return { version, changes };
}

/** Every version, newest first (optionally one scope). */
export async function protocolConfigHistory(prisma: PrismaClient, scope?: ConfigScope, limit = 100): Promise<ConfigVersionRow[]> {
  const rows = await prisma.protocolConfigVersion.findMany({ where: scope ? scopeKey(scope) : {}, orderBy: { version: 'desc' }, take: Math.min(limit, 1000) });
  return rows.map((r) => ({
    version: r.version,
    scope: scopeLabel({ scopeKind: r.scopeKind as ScopeKey['scopeKind'], scopeId: r.scopeId }),
    config: r.config,
    actor: r.actor,
    reason: r.reason,
    createdAt: r.createdAt.toISOString(),
  }));
}

/** What changed in a scope's configuration between two versions (default: the one before the latest, and the latest). */
export async function protocolConfigDiff(prisma: PrismaClient, p: { from?: number; to?: number; scope?: ConfigScope } = {}): Promise<{ from: number; to: number; changes: ConfigDifference[] }> {
  const newest = (await prisma.protocolConfigVersion.aggregate({ _max: { version: true } }))._max.version ?? 0;
  const to = p.to ?? newest;
  const from = p.from ?? Math.max(0, to - 1);
  const [a, b] = await Promise.all([resolveProtocolConfig(prisma, DEFAULT_PROTOCOL, p.scope, from), resolveProtocolConfig(prisma, DEFAULT_PROTOCOL, p.scope, to)]);
  return { from, to, changes: diffConfigs(a.config, b.config) };
}
