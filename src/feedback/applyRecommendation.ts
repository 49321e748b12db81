/**
 * The one place an accepted recommendation touches the protocol configuration, written against
 * issue 13's interface (src/db/protocolConfig.ts: setProtocolConfig / currentProtocolConfig):
 * the proposed overrides are merged onto the current configuration of the scope, validated as a
 * whole, and stored as a new version. Nothing else in the feedback loop changes configuration.
 */
import { withOverrides, type DeepPartial, type ProtocolConfig } from '../domain/config';
import type { PrismaClient } from '../db/client';
import { currentProtocolConfig, setProtocolConfig, type ConfigScope } from '../db/protocolConfig';

export interface ProposedConfig {
  /** overrides onto the current protocol configuration */
  protocol: DeepPartial<ProtocolConfig>;
  scope?: ConfigScope;
}

export async function applyRecommendation(
  prisma: PrismaClient,
  rec: { id: string; proposedConfig: ProposedConfig },
  actor: string,
  reason: string,
): Promise<{ version: number; previousVersion: number }> {
  const scope = rec.proposedConfig.scope;
  const current = await currentProtocolConfig(prisma, scope);
  const next = withOverrides(current.config, rec.proposedConfig.protocol);
  const { version } = await setProtocolConfig(prisma, { config: next, actor, reason: `recommendation ${rec.id}: ${reason}`, ...(scope ? { scope } : {}) });
  return { version, previousVersion: current.version };
}
