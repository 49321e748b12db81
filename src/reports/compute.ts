/**
 * Pure report computation: plain rows in, one report object out (integer cents throughout).
 * Definitions, so every reader computes the same figures:
 * - cash(d): the ledger balance of the account at the end of day d (entries into it minus out);
 * - transfers: DEPOSIT, WITHDRAWAL, FORK, MERGE, REINVEST (money moving, not earned);
 * - capital moves: ASSIGNMENT, TRADE (cash turned into holdings at cost, or back);
 * - premium: PREMIUM entries into the account; realised P&L = premium − COMMISSION entries out;
 * - book equity(d) = cash(d) + the capital moved into holdings so far (holdings at cost);
 * - closing equity = cash(to) + open positions at their marks; unrealised = Σ q × (mark − avg) × mult
 *   (positions are known only as of now, so for a past range "unrealised" is as of generation);
 * - the equity curve is book equity per day with closing equity on the last day; drawdown is the
 *   largest fall from a running peak of that curve.
 */
import Decimal from 'decimal.js';
import { addDays, toEpochDay } from '../domain/calendar';

export type ReportKind = 'daily' | 'weekly' | 'range';
const TRANSFERS = new Set(['DEPOSIT', 'WITHDRAWAL', 'FORK', 'MERGE', 'REINVEST']);
const CAPITAL = new Set(['ASSIGNMENT', 'TRADE']);

export interface ReportInput {
  kind: ReportKind;
  from: string; // YYYY-MM-DD, inclusive
  to: string; // YYYY-MM-DD, inclusive
  generatedAt: string;
  families: { id: string; name: string; parentFamilyId: string | null; status: string }[];
  accounts: { id: string; familyId: string; kind: string; status: string }[];
  /** Every ledger entry up to `to` (earlier ones give the opening balances). */
  ledger: { key: string; familyId: string; fromAccountId: string | null; toAccountId: string | null; amountCents: number; reason: string; date: string }[];
  weekTypes: { accountId: string; symbol: string; week: string; type: string }[];
  /** Protocol-level changes and other protocol events (audit rows PROTOCOL_*). */
  events: { at: string; accountId: string | null; action: string; detail: unknown }[];
  /** Open and closed positions; price fields are decimal strings as stored. */
  positions: {
    ownerKind: string;
    ownerId: string;
    symbol: string;
    secType: string;
    /** Options: YYYYMMDD, strike and right ('' / '0' for stock). */
    expiry?: string;
    strike?: string;
    right?: string;
    quantity: number;
    avgPrice: string;
    multiplier: number;
    /** Per-share market mark; null = none (valued at cost, markSource null). */
    mark: string | null;
    /** BROKER = the broker's quote; MODEL = Black-Scholes when the broker had no quote (src/marks.ts). */
    markSource?: 'BROKER' | 'MODEL' | null;
    realizedPnlCents: number;
  }[];
  /** STAR-LAB fills within the period, with their instruction. */
  fills: { strategy: string; clientName: string; scheme: string; secType: string; side: 'BUY' | 'SELL'; shares: number; price: string; multiplier: number; commission: string | null }[];
  /** STAR-LAB instructions created within the period. */
  instructions: { strategy: string; clientName: string; scheme: string; status: string }[];
}

export interface EquityPoint {
  date: string;
  equityCents: number;
}
export interface Drawdown {
  maxCents: number;
  maxPct: number;
  series: { date: string; drawdownCents: number }[];
}
export interface Figures {
  openingCashCents: number;
  cashCents: number;
  equityCents: number;
  premiumCents: number;
  commissionsCents: number;
  realisedPnlCents: number;
  unrealisedPnlCents: number;
  netTransfersCents: number;
  curve: EquityPoint[];
  drawdown: Drawdown;
}
export interface AccountReport extends Figures {
  accountId: string;
  familyId: string;
  kind: string;
  weekTypes: Record<string, number>;
}
export interface FamilyReport extends Figures {
  familyId: string;
  name: string;
  forks: { count: number; cents: number };
  merges: { count: number; cents: number };
  reinvestments: { count: number; cents: number };
  weekTypes: Record<string, number>;
}
export interface StrategyReport {
  clientName: string;
  strategy: string;
  scheme: string;
  instructions: Record<string, number>;
  fills: number;
  premiumCollectedCents: number;
  premiumPaidCents: number;
  commissionsCents: number;
  realisedPnlToDateCents: number;
  unrealisedPnlCents: number;
}
export interface Report {
  kind: ReportKind;
  from: string;
  to: string;
  generatedAt: string;
  totals: Figures;
  families: FamilyReport[];
  accounts: AccountReport[];
  strategies: StrategyReport[];
  weekTypes: { accountId: string; symbol: string; week: string; type: string }[];
  events: ReportInput['events'];
  /** Open positions with the mark they were valued at and where it came from (COST = no mark). */
  positions: PositionMark[];
}
export interface PositionMark {
  ownerKind: string;
  ownerId: string;
  symbol: string;
  secType: string;
  expiry: string;
  strike: string;
  right: string;
  quantity: number;
  avgPrice: string;
  mark: string;
  markSource: 'BROKER' | 'MODEL' | 'COST';
  unrealisedPnlCents: number;
}

/** price × quantity × multiplier in cents, exact to the cent (half-even). */
export const valueCents = (price: string, quantity: number, multiplier: number): number =>
  new Decimal(price).times(quantity).times(multiplier).times(100).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toNumber();

export function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; toEpochDay(d) <= toEpochDay(to); d = addDays(d, 1)) out.push(d);
  return out;
}

export function drawdownOf(curve: EquityPoint[]): Drawdown {
  let peak = -Infinity;
  let maxCents = 0;
  let maxPct = 0;
  const series = curve.map((p) => {
    peak = Math.max(peak, p.equityCents);
    const dd = peak - p.equityCents;
    if (dd > maxCents) {
      maxCents = dd;
      maxPct = peak > 0 ? Math.round((dd / peak) * 10_000) / 100 : 0;
    }
    return { date: p.date, drawdownCents: dd };
  });
  return { maxCents, maxPct, series };
}

const bump = (m: Record<string, number>, k: string, n = 1) => void (m[k] = (m[k] ?? 0) + n);

function accountFigures(input: ReportInput, ids: Set<string>, days: string[]): Figures {
  // Signed effect of one entry on the group: internal moves between two of its accounts cancel.
  const signed = (e: ReportInput['ledger'][number]) => (e.toAccountId && ids.has(e.toAccountId) ? e.amountCents : 0) - (e.fromAccountId && ids.has(e.fromAccountId) ? e.amountCents : 0);
  let openingCash = 0;
  let premium = 0;
  let commissions = 0;
  let transfers = 0;
  const cashByDay = new Map<string, number>();
  const capitalByDay = new Map<string, number>();
  let capitalBefore = 0;
  for (const e of input.ledger) {
    const s = signed(e);
    if (s === 0) continue;
    if (e.date < input.from) {
      openingCash += s;
      if (CAPITAL.has(e.reason)) capitalBefore -= s;
      continue;
    }
    if (e.date > input.to) continue;
    cashByDay.set(e.date, (cashByDay.get(e.date) ?? 0) + s);
    if (CAPITAL.has(e.reason)) capitalByDay.set(e.date, (capitalByDay.get(e.date) ?? 0) - s);
    if (e.reason === 'PREMIUM' && s > 0) premium += s;
    if (e.reason === 'COMMISSION' && s < 0) commissions -= s;
    if (TRANSFERS.has(e.reason)) transfers += s;
  }
  const positions = input.positions.filter((p) => p.ownerKind === 'ACCOUNT' && ids.has(p.ownerId) && p.quantity !== 0);
  const holdings = positions.reduce((t, p) => t + valueCents(p.mark ?? p.avgPrice, p.quantity, p.multiplier), 0);
  const unrealised = positions.reduce((t, p) => t + valueCents(p.mark ?? p.avgPrice, p.quantity, p.multiplier) - valueCents(p.avgPrice, p.quantity, p.multiplier), 0);
  let cash = openingCash;
  let capital = capitalBefore;
  const curve = days.map((date) => {
    cash += cashByDay.get(date) ?? 0;
    capital += capitalByDay.get(date) ?? 0;
    return { date, equityCents: cash + capital };
  });
  const equity = cash + holdings;
  if (curve.length) curve[curve.length - 1]!.equityCents = equity;
  return {
    openingCashCents: openingCash,
    cashCents: cash,
    equityCents: equity,
    premiumCents: premium,
    commissionsCents: commissions,
    realisedPnlCents: premium - commissions,
    unrealisedPnlCents: unrealised,
    netTransfersCents: transfers,
    curve,
    drawdown: drawdownOf(curve),
  };
}

function strategyReports(input: ReportInput): StrategyReport[] {
  const by = new Map<string, StrategyReport>();
  const get = (clientName: string, strategy: string, scheme: string) => {
    const k = `${clientName}:${strategy}`;
    let r = by.get(k);
    if (!r) {
      r = { clientName, strategy, scheme, instructions: {}, fills: 0, premiumCollectedCents: 0, premiumPaidCents: 0, commissionsCents: 0, realisedPnlToDateCents: 0, unrealisedPnlCents: 0 };
      by.set(k, r);
    }
    return r;
  };
  for (const i of input.instructions) bump(get(i.clientName, i.strategy, i.scheme).instructions, i.status);
  for (const f of input.fills) {
    const r = get(f.clientName, f.strategy, f.scheme);
    r.fills++;
    r.commissionsCents += f.commission ? valueCents(f.commission, 1, 1) : 0;
    if (f.secType !== 'OPT') continue;
    if (f.side === 'SELL') r.premiumCollectedCents += valueCents(f.price, f.shares, f.multiplier);
    else r.premiumPaidCents += valueCents(f.price, f.shares, f.multiplier);
  }
  for (const p of input.positions.filter((x) => x.ownerKind === 'STRATEGY')) {
    const r = by.get(p.ownerId);
    if (!r) continue; // no activity in the period
    r.realisedPnlToDateCents += p.realizedPnlCents;
    if (p.quantity !== 0 && p.mark) r.unrealisedPnlCents += valueCents(p.mark, p.quantity, p.multiplier) - valueCents(p.avgPrice, p.quantity, p.multiplier);
  }
  return [...by.values()].sort((a, b) => `${a.clientName}:${a.strategy}`.localeCompare(`${b.clientName}:${b.strategy}`));
}

export function computeReport(input: ReportInput): Report {
  const days = daysOf(input.from, input.to);
  const inPeriod = (e: ReportInput['ledger'][number]) => e.date >= input.from && e.date <= input.to;
  const typesOf = (ids: Set<string>) => {
    const m: Record<string, number> = {};
    for (const w of input.weekTypes) if (ids.has(w.accountId)) bump(m, w.type);
    return m;
  };
  const accounts: AccountReport[] = input.accounts.map((a) => ({
    accountId: a.id,
    familyId: a.familyId,
    kind: a.kind,
    ...accountFigures(input, new Set([a.id]), days),
    weekTypes: typesOf(new Set([a.id])),
  }));
  const families: FamilyReport[] = input.families.map((f) => {
    const ids = new Set(input.accounts.filter((a) => a.familyId === f.id).map((a) => a.id));
    const moves = (reason: string) => {
      const es = input.ledger.filter((e) => e.familyId === f.id && e.reason === reason && inPeriod(e));
      return { count: es.length, cents: es.reduce((t, e) => t + e.amountCents, 0) };
    };
    return { familyId: f.id, name: f.name, ...accountFigures(input, ids, days), forks: moves('FORK'), merges: moves('MERGE'), reinvestments: moves('REINVEST'), weekTypes: typesOf(ids) };
  });
  const all = new Set(input.accounts.map((a) => a.id));
  return {
    kind: input.kind,
    from: input.from,
    to: input.to,
    generatedAt: input.generatedAt,
    totals: accountFigures(input, all, days),
    families,
    accounts,
    strategies: strategyReports(input),
    weekTypes: input.weekTypes,
    events: input.events,
    positions: input.positions
      .filter((p) => p.quantity !== 0)
      .map((p) => ({
        ownerKind: p.ownerKind,
        ownerId: p.ownerId,
        symbol: p.symbol,
        secType: p.secType,
        expiry: p.expiry ?? '',
        strike: p.strike ?? '0',
        right: p.right ?? '',
        quantity: p.quantity,
        avgPrice: p.avgPrice,
        mark: p.mark ?? p.avgPrice,
        markSource: p.mark ? (p.markSource ?? 'BROKER') : 'COST',
        unrealisedPnlCents: valueCents(p.mark ?? p.avgPrice, p.quantity, p.multiplier) - valueCents(p.avgPrice, p.quantity, p.multiplier),
      })),
  };
}
