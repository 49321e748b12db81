/**
 * Records the protocol-level changes of a family's positions (src/db/protocolLevels.ts) and
 * mirrors them into the metrics at once: the change counter and the level gauge the
 * AllUseProtocolLevel3 alert reads.
 */
import type { PositionLevel } from '../../src/contracts/workflows/positionMonitor';
import { accountPositions, getFamily } from '../../src/db/accounts';
import { recordLevelChanges, type LevelChange } from '../../src/db/protocolLevels';
import { accountProtocolLevel, protocolLevelChangesTotal } from '../../src/metrics';
import type { ProtocolCtx } from './context';

export async function recordLevels(ctx: ProtocolCtx, familyId: string, levels: readonly PositionLevel[]): Promise<LevelChange[]> {
  const f = await getFamily(ctx.prisma, familyId);
  if (!f) return [];
  const accounts = f.accounts.map((a) => a.id);
  const open = new Set((await accountPositions(ctx.prisma, accounts)).map((p) => `${p.accountId}:${p.symbol}:${p.expiry}:${p.right}${p.strikeCents}`));
  const changes = await recordLevelChanges(ctx.prisma, accounts, levels, open);
  for (const c of changes) {
    protocolLevelChangesTotal.inc({ from: String(c.from), to: String(c.to) });
    const others = levels.filter((l) => l.accountId === c.accountId && l.symbol === c.symbol).map((l) => l.level as number);
    accountProtocolLevel.set({ account: c.accountId, symbol: c.symbol }, Math.max(0, ...others));
    ctx.logger.log(c.to >= 3 ? 'error' : 'warn', 'protocol level changed', { ...c });
  }
  return changes;
}
