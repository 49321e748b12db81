/**
 * The backtest's book: accounts, their positions and the one cash ledger (domain postEntries), with
 * the trades every rule ends in. Each trade passes the domain risk check before it is posted.
 */
import { cashBuffer, postEntries, postEntry, leapsId, type LedgerEntry, type LedgerReason } from '../domain/ledger';
import { checkOrder, type OpenPosition, type RiskCode } from '../domain/risk';
import { emptyWeekTypeCounts, type WeekInput, type WeekType } from '../domain/weekTypes';
import { type AccountConfig, type AccountKind, type ProtocolConfig } from '../domain/config';
import { type Cents } from '../domain/money';
import { type IsoDate } from '../domain/calendar';
import type { TradeAction } from '../contracts/instruction';
import { settleOption } from '../domain/engine';
import { assignmentFeeCents, interestCents } from './honest';
import { modelCents, yearsBetween } from './market';
import type { BacktestRunOptions } from './options';
import type { Decision } from '../contracts/parity';
import { weekOf } from '../domain/calendar';
import { isSell, isStock } from '../domain/instrument';
import { IB_FIXED_RATES, orderCommissionCents, type CommissionRates } from '../domain/commission';

export interface Option {
  right: 'C' | 'P';
  strike: Cents;
  expiry: IsoDate;
  qty: number;
  entrySpot: Cents;
}
export interface Account {
  id: string;
  /** its LEAPS sleeve's cash account, leapsId(id) (kept: read every week) */
  sleeve: string;
  kind: AccountKind;
  family: Family;
  cfg: AccountConfig;
  shares: number;
  basis: Cents;
  opt: Option | null;
  leaps: Option[];
  level: 0 | 1 | 2 | 3 | null;
  rolled: boolean;
  weekInput: WeekInput | null;
  lastType: WeekType | null;
  premiumSinceReinvest: Cents;
  /** net option premium of this week (attributed to the week's type) */
  weekPremium: Cents;
  types: Record<WeekType, number>;
}
export interface Family {
  id: string;
  parent: string | null;
  base: Cents;
  closed: boolean;
  accounts: Account[];
}

export class Book {
  readonly balances: Record<string, Cents> = {};
  readonly keys = new Set<string>();
  readonly families: Family[] = [];
  // Methods below, not arrow fields or hooks set per run: one function for every book, so code
  // optimised in one trial still fits the next (a worker runs many).
  readonly rejects: Partial<Record<RiskCode, number>> = {};
  premium = 0;
  commissions = 0;

  /** commission rates of every trade: the broker's, at the protocol's per-contract rate */
  private readonly rates: CommissionRates;
  constructor(
    readonly p: ProtocolConfig,
    readonly o: BacktestRunOptions,
  ) {
    this.rates = { ...IB_FIXED_RATES, perContractCents: p.market.commissionPerContractCents };
  }

  /** Parity names of the families (src/contracts/parity.ts): '' for the root, 'F1', 'F2'... for forks in the order they were founded. */
  private readonly roles = new Map<string, string>();
  /** The parity name of an account ('GEN', 'F1/COM') or of its LEAPS sleeve ('REV:LEAPS'). */
  roleOf(id: string): string {
    const sleeve = id.endsWith(':LEAPS');
    const acct = sleeve ? id.slice(0, -':LEAPS'.length) : id;
    const cut = acct.lastIndexOf(':');
    const fam = this.roles.get(acct.slice(0, cut)) ?? acct.slice(0, cut);
    return `${fam ? `${fam}/` : ''}${acct.slice(cut + 1)}${sleeve ? ':LEAPS' : ''}`;
  }
  /** Reports one decision to the run's observer (parity hook). */
  decide(d: Decision): void {
    this.o.onDecision?.(d);
  }
  /** Whether anyone observes decisions: without an observer (trials, the CLI) they are not even built. */
  get observed(): boolean {
    return this.o.onDecision !== undefined;
  }

  /** the market's long-dated volatility estimate per day, set by the engine (else LEAPS use the day's vol) */
  longVol: { at: ReadonlyMap<IsoDate, number>; series: readonly number[]; floor: number } | null = null;
  /** the volatility LEAPS are priced and marked at on a day */
  leapsVol(day: IsoDate, vol: number): number {
    return this.longVol ? (this.longVol.series[this.longVol.at.get(day) ?? 0] ?? this.longVol.floor) : vol;
  }

  post(entries: readonly LedgerEntry[]): LedgerEntry[] {
    return postEntries(this.balances, this.keys, entries);
  }
  cash(id: string): Cents {
    return this.balances[id] ?? 0;
  }
  /** The cash accounts an account reports at a weekly close: its own, and its LEAPS sleeve once the sleeve is in use (as live lists it). */
  cashIds(a: Account): string[] {
    return a.leaps.length > 0 || this.cash(a.sleeve) !== 0 ? [a.id, a.sleeve] : [a.id];
  }

  addFamily(id: string, parent: string | null, kinds: readonly AccountKind[]): Family {
    const fam: Family = { id, parent, base: 0, closed: false, accounts: [] };
    this.roles.set(id, parent === null ? '' : `F${this.families.filter((f) => f.parent !== null).length + 1}`);
    for (const kind of kinds)
      fam.accounts.push({
        id: `${id}:${kind}`,
        sleeve: leapsId(`${id}:${kind}`),
        kind,
        family: fam,
        cfg: this.p.accounts[kind],
        shares: 0,
        basis: 0,
        opt: null,
        leaps: [],
        level: null,
        rolled: false,
        weekInput: null,
        lastType: null,
        premiumSinceReinvest: 0,
        weekPremium: 0,
        types: emptyWeekTypeCounts(),
      });
    this.families.push(fam);
    this.active = null;
    return fam;
  }
  private active: Account[] | null = null;
  /** Accounts of open families (cached: read several times a week, changed only by a fork or merge). */
  get accounts(): Account[] {
    this.active ??= this.families.filter((f) => !f.closed).flatMap((f) => f.accounts);
    return this.active;
  }
  close(f: Family): void {
    f.closed = true;
    this.active = null;
  }

  /** Mark-to-model value at a day's close: cash + shares − short option (+ LEAPS sleeve when asked). */
  value(a: Account, spot: Cents, day: IsoDate, vol: number, withLeaps = true): Cents {
    let v = this.cash(a.id) + a.shares * spot - (a.opt ? this.optionValue(a.opt, spot, day, vol) : 0);
    if (withLeaps) {
      v += this.cash(a.sleeve);
      for (const l of a.leaps) v += this.optionValue(l, spot, day, this.leapsVol(day, vol));
    }
    return v;
  }
  private optionValue(x: Option, spot: Cents, day: IsoDate, vol: number): Cents {
    return Math.round(modelCents(this.o, x.right, x.strike, spot, yearsBetween(day, x.expiry), vol) * this.p.market.contractMultiplier * x.qty);
  }

  /** Risk-checks then posts one option or stock trade; returns the rejection code or null. */
  trade(
    a: Account,
    t: {
      action: TradeAction;
      qty: number;
      price: Cents;
      mid: Cents;
      ladder?: readonly Cents[];
      strike?: Cents;
      expiry?: IsoDate;
      right?: 'C' | 'P';
      spot: Cents;
      day: IsoDate;
      vol: number;
      tag: string;
      from?: string;
    },
  ): RiskCode | null {
    const m = this.p.market.contractMultiplier;
    const stock = isStock(t.action);
    const payer = t.from ?? a.id;
    const r = checkOrder(
      { symbol: this.o.symbol, action: t.action, quantity: t.qty, strikeCents: t.strike, expiry: t.expiry, limitPriceCents: t.price, midCents: t.mid },
      {
        killSwitch: { global: false, account: false },
        reduceOnly: false,
        allowedSymbols: [this.o.symbol],
        chainHasContract: true,
        cashCents: this.cash(payer),
        bufferCents: payer === a.id ? cashBuffer(this.value(a, t.spot, t.day, t.vol, false), a.cfg.cashBuffer) : 0,
        sharesHeld: a.shares,
        callsCovering: a.opt?.right === 'C' ? a.opt.qty : 0,
        openPositions: this.positionsOf(a),
        alluse: { coveredCallContracts: 0, symbolExposureCents: 0, concentrationLimitCents: Number.MAX_SAFE_INTEGER },
        pacingBacklogMs: 0,
        multiplier: m,
      },
      this.p.risk,
    );
    if (!r.ok) {
      this.rejects[r.code] = (this.rejects[r.code] ?? 0) + 1;
      return r.code;
    }
    const amount = t.price * t.qty * (stock ? 1 : m);
    const sell = isSell(t.action);
    const reason: LedgerReason = stock || t.from ? 'TRADE' : 'PREMIUM';
    const key = `${t.day}:${a.id}:${t.tag}`;
    const entries: LedgerEntry[] = [
      sell ? { from: 'MARKET', to: payer, amountCents: amount, reason, key: `${reason}:${key}` } : { from: payer, to: 'MARKET', amountCents: amount, reason, key: `${reason}:${key}` },
    ];
    const fee = orderCommissionCents(stock ? 'STK' : 'OPT', t.qty, t.price, this.rates);
    if (fee > 0) entries.push({ from: payer, to: 'MARKET', amountCents: fee, reason: 'COMMISSION', key: `COMMISSION:${key}` });
    this.post(entries.filter((e) => e.amountCents > 0));
    this.commissions += fee;
    if (this.observed) {
      const leg = { right: t.right ?? null, strikeCents: t.strike ?? null, expiry: t.expiry ?? null };
      const head = { week: weekOf(t.day), account: this.roleOf(payer), symbol: this.o.symbol, ...leg, action: t.action, quantity: t.qty };
      this.decide({ ...head, kind: 'ORDER', limitLadderCents: [...(t.ladder ?? [t.price])] });
      this.decide({ ...head, kind: 'FILL', priceCents: t.price, commissionCents: fee });
    }
    if (reason === 'PREMIUM') {
      const signed = sell ? amount : -amount;
      this.premium += signed;
      a.premiumSinceReinvest += signed;
      a.weekPremium += signed;
    }
    return null;
  }

  /** The account's positions as the risk check reads them: its short option, its LEAPS, its shares. */
  private positionsOf(a: Account): OpenPosition[] {
    const out: OpenPosition[] = a.opt ? [{ secType: 'OPT', right: a.opt.right, strikeCents: a.opt.strike, expiry: a.opt.expiry, quantity: -a.opt.qty }] : [];
    for (const l of a.leaps) out.push({ secType: 'OPT', right: l.right, strikeCents: l.strike, expiry: l.expiry, quantity: l.qty });
    out.push({ secType: 'STK', quantity: a.shares });
    return out;
  }

  /** assignment and call-away delivery fees (cents), counted apart from option commissions */
  assignmentFees = 0;
  /** interest credited on cash (cents) */
  interest = 0;

  /**
   * Expiry, by the live engine's own rule (domain settleOption): strictly in the money only, so a
   * put is assigned when S < K and a call is called away when S > K; S = K expires. A delivery pays
   * the assignment fee (see options.assignmentFeePerShareMills).
   */
  settle(a: Account, x: Option, close: Cents, day: IsoDate): void {
    const s = settleOption({ right: x.right, strikeCents: x.strike, quantity: -x.qty }, close, this.p.market.contractMultiplier);
    if (this.observed)
      this.decide({
        week: weekOf(day),
        account: this.roleOf(a.id),
        symbol: this.o.symbol,
        right: x.right,
        strikeCents: x.strike,
        expiry: x.expiry,
        kind: s.outcome === 'EXPIRED' ? 'EXPIRY' : 'ASSIGNMENT',
        quantity: x.qty,
      });
    if (s.outcome === 'EXPIRED') return;
    const key = `ASSIGNMENT:${day}:${a.id}`;
    if (s.shares > 0) {
      a.basis = Math.round((a.basis * a.shares - s.cashCents) / (a.shares + s.shares));
      a.shares += s.shares;
      this.post([{ from: a.id, to: 'MARKET', amountCents: -s.cashCents, reason: 'ASSIGNMENT', key }]);
    } else {
      a.shares += s.shares;
      if (a.shares === 0) a.basis = 0;
      this.post([{ from: 'MARKET', to: a.id, amountCents: s.cashCents, reason: 'ASSIGNMENT', key }]);
    }
    const fee = assignmentFeeCents(Math.abs(s.shares), this.o);
    if (fee > 0) {
      this.post([{ from: a.id, to: 'MARKET', amountCents: fee, reason: 'COMMISSION', key: `COMMISSION:${key}` }]);
      this.assignmentFees += fee;
    }
  }

  /** Credits interest on the positive cash of every open account and its LEAPS sleeve for `days` days at `rate`. */
  accrueInterest(day: IsoDate, days: number, rate: number): void {
    for (const a of this.accounts) {
      this.creditInterest(a.id, day, days, rate);
      this.creditInterest(a.sleeve, day, days, rate);
    }
  }
  private creditInterest(id: string, day: IsoDate, days: number, rate: number): void {
    const amount = interestCents(this.cash(id), rate, days);
    if (amount <= 0) return;
    postEntry(this.balances, this.keys, { from: 'MARKET', to: id, amountCents: amount, reason: 'INTEREST', key: `INTEREST:${day}:${id}` });
    this.interest += amount;
  }
}
