/**
 * Gathers the context the risk rules need (control state, positions, limits) and asks the
 * pure rules in src/domain for a verdict. A failure is a coded rejection, never an exception.
 */
import type { PrismaClient } from '../src/db/client';
import type { TradeInstructionInput } from '../workflows/tradeInstruction';
import { actionSpec } from './orderSpec';

export type RiskVerdict = { ok: true } | { ok: false; code: string; message: string };

export async function checkInstructionRisk(prisma: PrismaClient, input: TradeInstructionInput): Promise<RiskVerdict> {
  const scopes = ['global', ...(input.accountId ? [`account:${input.accountId}`] : []), ...(input.instruction.account_tag ? [`segment:${input.instruction.account_tag}`] : [])];
  const controls = await prisma.controlState.findMany({ where: { scope: { in: scopes } } });
  const halted = controls.find((c) => c.halted);
  if (halted) return { ok: false, code: 'KILL_SWITCH', message: `KILL_SWITCH: scope=${halted.scope}, reason=${halted.reason ?? 'halted'}` };
  const reduceOnly = controls.find((c) => c.reduceOnly);
  if (reduceOnly && actionSpec(input.instruction.trade_action).opens)
    return { ok: false, code: 'REDUCE_ONLY', message: `REDUCE_ONLY: scope=${reduceOnly.scope}, action=${input.instruction.trade_action}` };
  return { ok: true };
}
