/**
 * Account names of the parity vocabulary (src/contracts/parity.ts), the same rule on both sides:
 * the root family's accounts by kind ('GEN'), the n-th fork's (in order of creation) as
 * 'F<n>/GEN', a LEAPS sleeve as '<account>:LEAPS'.
 */
export class AccountRoles {
  private readonly families: string[] = [];

  constructor(root: string) {
    this.families.push(root);
  }

  /** Registers a fork (idempotent); forks are numbered in the order first seen. */
  family(id: string): string {
    let n = this.families.indexOf(id);
    if (n < 0) n = this.families.push(id) - 1;
    return n === 0 ? '' : `F${n}/`;
  }

  /** `<family>:<KIND>[:LEAPS]` → role. */
  of(accountId: string): string {
    const m = /^(.*):(GEN|REV|COM)(:LEAPS)?$/.exec(accountId);
    if (!m) return accountId;
    return `${this.family(m[1]!)}${m[2]!}${m[3] ?? ''}`;
  }
}
