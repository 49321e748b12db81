/**
 * The contract of the tripleForkRebalance workflow: input, result and the workflow id with its
 * inverse. Sandbox-safe.
 */

export interface RebalanceInput {
  familyId: string;
  /** ISO week id, e.g. 2025-W19 */
  week: string;
  /** the week's closing day (YYYY-MM-DD) */
  asOf: string;
}

export interface RebalanceResult {
  fork: { childFamilyId: string; applied: string[] } | null;
  merged: { intoFamilyId: string; applied: string[] } | null;
  reinvested: string[];
}

const PREFIX = 'triple-fork:';
export const tripleForkWorkflowId = (familyId: string, week: string): string => `${PREFIX}${familyId}:${week}`;
/** Inverse of tripleForkWorkflowId (family ids may contain ':' only through the week suffix). */
export function parseTripleForkWorkflowId(id: string): { familyId: string; week: string } | null {
  if (!id.startsWith(PREFIX)) return null;
  const rest = id.slice(PREFIX.length);
  const at = rest.lastIndexOf(':');
  return at > 0 ? { familyId: rest.slice(0, at), week: rest.slice(at + 1) } : null;
}
