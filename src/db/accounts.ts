/**
 * Account families (PROTOCOL §1): a root family holds Gen/Rev/Com, a forked one Gen/Com.
 * Creation is idempotent by family id, and the lump sum arrives as keyed DEPOSIT entries
 * (domain `initialSplit`), so a retried create never deposits twice.
 */
import Decimal from 'decimal.js';
import { accountId, initialSplit, leapsId, mergeWaitsFor, receiveAtCost, type LedgerEntry } from '../domain/ledger';
import { fromDecimal } from '../domain/money';
import type { AccountKind, ProtocolConfig } from '../domain/config';
import type { PrismaClient } from './client';
import { postLedger } from './ledger';

export interface AccountView {
  id: string;
  kind: AccountKind;
  baseCents: number;
  cashCents: number;
  status: string;
}
export interface FamilyView {
  id: string;
  name: string;
  parentFamilyId: string | null;
  status: string;
  /** trades on the simulator only, for an A/B experiment; left out of the real books' reports */
  shadow: boolean;
  createdAt: string;
  accounts: AccountView[];
}

type FamilyRow = {
  id: string;
  name: string;
  parentFamilyId: string | null;
  status: string;
  shadow: boolean;
  createdAt: Date;
  accounts: { id: string; kind: string; baseCents: bigint; cashCents: bigint; status: string }[];
};
const view = (f: FamilyRow): FamilyView => ({
  id: f.id,
  name: f.name,
  parentFamilyId: f.parentFamilyId,
  status: f.status,
  shadow: f.shadow,
  createdAt: f.createdAt.toISOString(),
  // The protocol's accounts; LEAPS sleeves are accounts of the family too, read by leapsSleeves.
  accounts: f.accounts
    .filter((a) => a.kind !== LEAPS_KIND)
    .map((a) => ({ id: a.id, kind: a.kind as AccountKind, baseCents: Number(a.baseCents), cashCents: Number(a.cashCents), status: a.status }))
    .sort((a, b) => ['GEN', 'REV', 'COM'].indexOf(a.kind) - ['GEN', 'REV', 'COM'].indexOf(b.kind)),
});

/** Account kind of a LEAPS sleeve (`<account>:LEAPS`): an account of the family with its own ledger. */
export const LEAPS_KIND = 'LEAPS';

/** Creates the LEAPS sleeve of `account` (in the account's family) unless it exists. */
export async function ensureLeapsSleeve(prisma: PrismaClient, account: string): Promise<string> {
  const parent = await prisma.account.findUnique({ where: { id: account }, select: { familyId: true } });
  if (!parent) throw new Error(`unknown account ${account}`);
  const id = leapsId(account);
  await prisma.account.createMany({ data: [{ id, familyId: parent.familyId, kind: LEAPS_KIND, baseCents: 0n, cashCents: 0n }], skipDuplicates: true });
  return id;
}

/** The family's LEAPS sleeves with the account each belongs to. */
export async function leapsSleeves(prisma: PrismaClient, familyId: string): Promise<{ id: string; parentAccountId: string; cashCents: number; status: string }[]> {
  const rows = await prisma.account.findMany({ where: { familyId, kind: LEAPS_KIND }, orderBy: { id: 'asc' } });
  return rows.map((r) => ({ id: r.id, parentAccountId: r.id.slice(0, -':LEAPS'.length), cashCents: Number(r.cashCents), status: r.status }));
}

/** Creates the family and its accounts unless they exist (cash 0: money arrives through the ledger). */
export async function ensureFamily(
  prisma: PrismaClient,
  f: { id: string; name: string; parentFamilyId?: string; shadow?: boolean; kinds: readonly AccountKind[]; bases: Partial<Record<AccountKind, number>> },
): Promise<boolean> {
  // A shadow family's forks are shadow too: nothing descended from one may reach a real broker.
  const shadow = f.shadow ?? (f.parentFamilyId ? ((await prisma.accountFamily.findUnique({ where: { id: f.parentFamilyId }, select: { shadow: true } }))?.shadow ?? false) : false);
  const created = await prisma.accountFamily.createMany({ data: [{ id: f.id, name: f.name, parentFamilyId: f.parentFamilyId ?? null, shadow }], skipDuplicates: true });
  await prisma.account.createMany({
    data: f.kinds.map((k) => ({ id: accountId(f.id, k), familyId: f.id, kind: k, baseCents: BigInt(f.bases[k] ?? 0), cashCents: 0n })),
    skipDuplicates: true,
  });
  return created.count === 1;
}

export class FamilyConflictError extends Error {
  constructor(readonly familyId: string) {
    super(`account family ${familyId} already exists with a different lump sum`);
    this.name = 'FamilyConflictError';
  }
}

/** Operator create: family + Gen/Rev/Com, the lump sum split by the configured shares as DEPOSITs. */
export async function openFamily(
  prisma: PrismaClient,
  p: { id: string; name: string; lumpSumCents: number; protocol: ProtocolConfig; shadow?: boolean },
): Promise<{ family: FamilyView; created: boolean }> {
  const deposits = initialSplit(p.id, p.lumpSumCents, p.protocol.accounts, 'initial');
  const existing = await getFamily(prisma, p.id);
  if (existing) {
    const total = existing.accounts.reduce((s, a) => s + a.baseCents, 0);
    if (total !== p.lumpSumCents || existing.name !== p.name || existing.shadow !== (p.shadow ?? false)) throw new FamilyConflictError(p.id);
  }
  const bases = Object.fromEntries(deposits.map((d) => [d.to.slice(p.id.length + 1), d.amountCents])) as Partial<Record<AccountKind, number>>;
  const created = await ensureFamily(prisma, { id: p.id, name: p.name, shadow: p.shadow ?? false, kinds: ['GEN', 'REV', 'COM'], bases });
  await postLedger(prisma, p.id, deposits, undefined, { lumpSumCents: p.lumpSumCents });
  return { family: (await getFamily(prisma, p.id))!, created };
}

export async function getFamily(prisma: PrismaClient, id: string): Promise<FamilyView | null> {
  const f = await prisma.accountFamily.findUnique({ where: { id }, include: { accounts: true } });
  return f ? view(f) : null;
}

/** Families (optionally of one status); `shadow: false` leaves out the experiments' shadow families. */
export async function listFamilies(prisma: PrismaClient, status?: string, opts: { shadow?: boolean } = {}): Promise<FamilyView[]> {
  const rows = await prisma.accountFamily.findMany({
    where: { ...(status ? { status } : {}), ...(opts.shadow !== undefined ? { shadow: opts.shadow } : {}) },
    include: { accounts: true },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map(view);
}

export async function setBase(prisma: PrismaClient, account: string, baseCents: number): Promise<void> {
  await prisma.account.update({ where: { id: account }, data: { baseCents: BigInt(baseCents) } });
}

export async function closeFamily(prisma: PrismaClient, id: string): Promise<void> {
  await prisma.$transaction([prisma.accountFamily.update({ where: { id }, data: { status: 'MERGED' } }), prisma.account.updateMany({ where: { familyId: id }, data: { status: 'CLOSED' } })]);
}

/**
 * Closes a merged family into `intoAccount` (the parent's Com-Acc) in one transaction: its shares
 * move there at their cost basis (receiveAtCost), its accounts are left holding nothing and are
 * CLOSED, the family MERGED. Refuses while the family holds an open option (the merge waits for
 * it: mergeWaitsFor). Idempotent: moved rows are at zero, a second run moves nothing.
 */
export async function mergeFamilyInto(prisma: PrismaClient, familyId: string, intoAccount: string): Promise<{ moved: { from: string; symbol: string; quantity: number; avgPrice: string }[] }> {
  return prisma.$transaction(async (tx) => {
    const accounts = (await tx.account.findMany({ where: { familyId }, select: { id: true } })).map((a) => a.id);
    const held = await tx.position.findMany({ where: { ownerKind: 'ACCOUNT', ownerId: { in: accounts }, quantity: { not: 0 } }, orderBy: { id: 'asc' } });
    const waiting = mergeWaitsFor(held.map((p) => ({ account: p.ownerId, symbol: p.symbol, secType: p.secType as 'STK' | 'OPT', quantity: p.quantity, avgPrice: p.avgPrice.toString() })));
    if (waiting.length) throw new Error(`merge of ${familyId} must wait: open options ${waiting.map((w) => `${w.account} ${w.symbol} ${w.quantity}`).join(', ')}`);
    const moved: { from: string; symbol: string; quantity: number; avgPrice: string }[] = [];
    for (const p of held) {
      const where = { ownerKind: 'ACCOUNT', ownerId: intoAccount, symbol: p.symbol, secType: p.secType, expiry: p.expiry, strike: p.strike, right: p.right };
      // Same key and lock as a fill on that position (instructions.ts applyFillToPosition).
      const key = ['ACCOUNT', intoAccount, p.symbol, p.secType, p.expiry, Number(p.strike), p.right].join('|');
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
      const row = await tx.position.findUnique({ where: { ownerKind_ownerId_symbol_secType_expiry_strike_right: where } });
      const prev = row ? { quantity: row.quantity, avgPrice: row.avgPrice.toString(), realizedPnlCents: Number(row.realizedPnlCents) } : { quantity: 0, avgPrice: '0', realizedPnlCents: 0 };
      const next = receiveAtCost(prev, { quantity: p.quantity, avgPrice: p.avgPrice.toString() }, 1);
      const data = { quantity: next.quantity, avgPrice: new Decimal(next.avgPrice).toDecimalPlaces(4).toString(), realizedPnlCents: BigInt(next.realizedPnlCents) };
      if (row) await tx.position.update({ where: { id: row.id }, data });
      else await tx.position.create({ data: { id: `pos_${key}`, ...where, ...data, openInstructionId: p.openInstructionId } });
      await tx.position.update({ where: { id: p.id }, data: { quantity: 0 } });
      moved.push({ from: p.ownerId, symbol: p.symbol, quantity: p.quantity, avgPrice: p.avgPrice.toString() });
    }
    await tx.accountFamily.update({ where: { id: familyId }, data: { status: 'MERGED' } });
    await tx.account.updateMany({ where: { familyId }, data: { status: 'CLOSED' } });
    return { moved };
  });
}

export interface AccountPosition {
  accountId: string;
  symbol: string;
  secType: 'STK' | 'OPT';
  expiry: string;
  strikeCents: number;
  right: string;
  quantity: number;
  avgPrice: string;
}

/** Open positions (quantity ≠ 0) of the given accounts, as the trade-instruction fills left them. */
export async function accountPositions(prisma: PrismaClient, accountIds: readonly string[]): Promise<AccountPosition[]> {
  const rows = await prisma.position.findMany({
    where: { ownerKind: 'ACCOUNT', ownerId: { in: [...accountIds] }, quantity: { not: 0 } },
    orderBy: [{ ownerId: 'asc' }, { symbol: 'asc' }, { expiry: 'asc' }],
  });
  return rows.map((r) => ({
    accountId: r.ownerId,
    symbol: r.symbol,
    secType: r.secType as 'STK' | 'OPT',
    expiry: r.expiry,
    strikeCents: fromDecimal(r.strike.toString(), 'HALF_EVEN'),
    right: r.right,
    quantity: r.quantity,
    avgPrice: r.avgPrice.toString(),
  }));
}

/**
 * Settles an expired option of an account in our book, the way the broker did: the option row
 * goes to zero and, when assigned, shares arrive at the strike with the ASSIGNMENT ledger entry
 * in the same transaction; the entry's key makes a second settlement a no-op.
 */
export async function settleExpired(prisma: PrismaClient, p: { familyId: string; week: string; position: AccountPosition; shares: number; entry: LedgerEntry | null }): Promise<boolean> {
  const { position: o } = p;
  return prisma.$transaction(async (tx) => {
    const opt = { ownerKind: 'ACCOUNT', ownerId: o.accountId, symbol: o.symbol, secType: 'OPT', expiry: o.expiry, right: o.right };
    if (p.entry) {
      const r = await tx.ledgerEntry.createMany({
        data: [
          {
            key: p.entry.key,
            familyId: p.familyId,
            fromAccountId: p.entry.from,
            toAccountId: p.entry.to,
            amountCents: BigInt(p.entry.amountCents),
            reason: p.entry.reason,
            week: p.week,
            detail: { shares: p.shares },
          },
        ],
        skipDuplicates: true,
      });
      if (r.count === 0) return false;
      await tx.account.updateMany({ where: { id: p.entry.from }, data: { cashCents: { decrement: BigInt(p.entry.amountCents) } } });
      await tx.account.updateMany({ where: { id: p.entry.to }, data: { cashCents: { increment: BigInt(p.entry.amountCents) } } });
      const strike = new Decimal(o.strikeCents).div(100);
      const key = ['ACCOUNT', o.accountId, o.symbol, 'STK', '', '0', ''].join('|');
      const where = { ownerKind: 'ACCOUNT', ownerId: o.accountId, symbol: o.symbol, secType: 'STK', expiry: '', strike: '0', right: '' };
      // The same lock as a fill on this position (src/db/instructions.ts): no lost update.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
      const row = await tx.position.findUnique({ where: { ownerKind_ownerId_symbol_secType_expiry_strike_right: where } });
      const old = row?.quantity ?? 0;
      const qty = old + p.shares;
      // Same-direction delivery averages the cost; crossing zero starts again at the strike.
      const avg =
        old !== 0 && Math.sign(old) === Math.sign(p.shares)
          ? new Decimal(row!.avgPrice.toString())
              .times(Math.abs(old))
              .plus(strike.times(Math.abs(p.shares)))
              .div(Math.abs(qty))
          : strike;
      if (row) await tx.position.update({ where: { id: row.id }, data: { quantity: qty, avgPrice: avg.toDecimalPlaces(4).toString() } });
      else await tx.position.create({ data: { id: `pos_${key}`, ...where, quantity: qty, avgPrice: avg.toDecimalPlaces(4).toString() } });
    }
    await tx.position.updateMany({ where: { ...opt, strike: new Decimal(o.strikeCents).div(100).toString() }, data: { quantity: 0 } });
    return true;
  });
}
