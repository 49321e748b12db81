/**
 * Premium analysis per underlying, week by week: implied volatility at entry against the
 * volatility realised over the option's week (the variance risk premium), the expected move, and
 * the premium a short option at the protocol's deltas collects per unit of the loss it then paid
 * out. Implied volatility comes from stored option-chain snapshots where a week has one, else
 * from the model (the back-test's: realised vol of the last `volWindowDays` × `volFactor`), and
 * every figure says which. The ranking orders underlyings by edge per week.
 */
import { toWeekly, type Bar } from '../domain/indicators';
import { bsGreeks, bsPrice, impliedVol } from '../domain/pricing';
import { toEpochDay } from '../domain/calendar';
import { mean, normInv } from './random';

export interface ChainSnapshot {
  /** trading day of the snapshot (the entry day) */
  date: string;
  expiry: string;
  spotCents: number;
  quotes: { right: 'C' | 'P'; strikeCents: number; bidCents: number; askCents: number }[];
}

export interface PremiumOptions {
  /** |delta| of the short options analysed (default: the protocol's band centres: GEN 0.45, REV 0.35 puts; COM 0.25 calls) */
  deltas?: { label: string; right: 'C' | 'P'; delta: number }[];
  volWindowDays?: number;
  volFactor?: number;
  minVol?: number;
  rate?: number;
  /** weeks of history needed before the first analysed week */
  warmupWeeks?: number;
}

export interface DeltaFigures {
  label: string;
  right: 'C' | 'P';
  delta: number;
  /** mean premium per week as a fraction of the strike */
  premium_yield: number;
  /** mean payout at expiry (intrinsic value) as a fraction of the strike */
  payout_yield: number;
  /** premium ÷ payout: above 1 the premium paid for the losses */
  premium_per_risk: number | null;
  /** premium − payout per week, fraction of strike */
  edge: number;
  /** share of weeks the option finished in the money (assignment rate) */
  assignment_rate: number;
}

export interface PremiumAnalysis {
  underlying: string;
  weeks: number;
  /** where the implied volatility came from */
  source: 'chain' | 'model' | 'chain+model';
  chain_weeks: number;
  implied_vol: number;
  realized_vol: number;
  /** implied variance − realised variance (annualised) */
  variance_risk_premium: number;
  /** implied − realised volatility */
  vol_risk_premium: number;
  /** expected one-week move (implied σ √T) as a fraction of spot, and the mean absolute move seen */
  expected_move: number;
  realized_move: number;
  by_delta: DeltaFigures[];
}

const DEFAULT_DELTAS: NonNullable<PremiumOptions['deltas']> = [
  { label: 'GEN put', right: 'P', delta: 0.45 },
  { label: 'REV put', right: 'P', delta: 0.35 },
  { label: 'COM call', right: 'C', delta: 0.25 },
];

/** Strike with the given |delta| under Black-Scholes (r, no dividend). */
export function strikeForDelta(right: 'C' | 'P', delta: number, spot: number, years: number, vol: number, rate: number): number {
  const s = vol * Math.sqrt(years);
  // call delta = N(d1); put delta = N(d1) − 1
  const d1 = right === 'C' ? normInv(delta) : normInv(1 - delta);
  return spot * Math.exp(-(d1 * s - (rate + 0.5 * vol * vol) * years));
}

/** IV of the quote whose model delta is nearest `target` (mid price), or null. */
function chainVol(snap: ChainSnapshot, right: 'C' | 'P', target: number, years: number, rate: number): number | null {
  let best: { iv: number; dist: number } | null = null;
  for (const q of snap.quotes) {
    if (q.right !== right || q.bidCents <= 0 || q.askCents < q.bidCents) continue;
    const iv = impliedVol((q.bidCents + q.askCents) / 200, { right, spot: snap.spotCents / 100, strike: q.strikeCents / 100, years, rate });
    if (iv === null) continue;
    const d = Math.abs(Math.abs(bsGreeks({ right, spot: snap.spotCents / 100, strike: q.strikeCents / 100, years, vol: iv, rate }).delta) - target);
    if (!best || d < best.dist) best = { iv, dist: d };
  }
  return best?.iv ?? null;
}

export function analyzePremium(underlying: string, daily: readonly Bar[], snapshots: readonly ChainSnapshot[] = [], opts: PremiumOptions = {}): PremiumAnalysis {
  const deltas = opts.deltas ?? DEFAULT_DELTAS;
  const win = opts.volWindowDays ?? 20;
  const factor = opts.volFactor ?? 1.2;
  const minVol = opts.minVol ?? 0.08;
  const rate = opts.rate ?? 0.02;
  const warm = opts.warmupWeeks ?? 5;
  const snapsByDate = new Map(snapshots.map((s) => [s.date, s]));
  const dayIndex = new Map(daily.map((b, i) => [b.date, i]));
  const logRet = daily.map((b, i) => (i === 0 ? 0 : Math.log(b.close / (daily[i - 1] as Bar).close)));
  const modelVol = (i: number): number => {
    const r = logRet.slice(Math.max(1, i - win + 1), i + 1);
    const m = mean(r);
    const v = r.length > 1 ? r.reduce((s, x) => s + (x - m) ** 2, 0) / (r.length - 1) : 0;
    return Math.max(minVol, Math.sqrt(v * 252) * factor);
  };
  const weekly = toWeekly(daily);
  const iv: number[] = [];
  const rv2: number[] = [];
  const moves: number[] = [];
  const expMoves: number[] = [];
  let chainWeeks = 0;
  const acc = deltas.map(() => ({ prem: [] as number[], pay: [] as number[], itm: 0 }));
  for (let w = warm; w < weekly.length; w++) {
    const prev = weekly[w - 1] as (typeof weekly)[number];
    const cur = weekly[w] as (typeof weekly)[number];
    const spot = prev.close / 100;
    const end = cur.close / 100;
    const years = Math.max(1, toEpochDay(cur.lastDate) - toEpochDay(prev.lastDate)) / 365;
    const snap = snapsByDate.get(prev.lastDate);
    const fromChain = snap ? chainVol(snap, 'P', 0.4, Math.max(1 / 365, (toEpochDay(snap.expiry) - toEpochDay(snap.date)) / 365), rate) : null;
    if (fromChain !== null) chainWeeks++;
    const vol = fromChain ?? modelVol(dayIndex.get(prev.lastDate) ?? 0);
    iv.push(vol);
    const lr = Math.log(end / spot);
    rv2.push((lr * lr) / years);
    moves.push(Math.abs(end / spot - 1));
    expMoves.push(vol * Math.sqrt(years));
    deltas.forEach((d, k) => {
      const K = strikeForDelta(d.right, d.delta, spot, years, vol, rate);
      const premium = bsPrice({ right: d.right, spot, strike: K, years, vol, rate });
      const payout = Math.max(0, d.right === 'P' ? K - end : end - K);
      const a = acc[k] as (typeof acc)[number];
      a.prem.push(premium / K);
      a.pay.push(payout / K);
      if (payout > 0) a.itm++;
    });
  }
  const n = iv.length;
  const ivMean = mean(iv);
  const rv = Math.sqrt(mean(rv2));
  return {
    underlying,
    weeks: n,
    source: chainWeeks === 0 ? 'model' : chainWeeks === n ? 'chain' : 'chain+model',
    chain_weeks: chainWeeks,
    implied_vol: ivMean,
    realized_vol: rv,
    variance_risk_premium: mean(iv.map((v) => v * v)) - rv * rv,
    vol_risk_premium: ivMean - rv,
    expected_move: mean(expMoves),
    realized_move: mean(moves),
    by_delta: deltas.map((d, k) => {
      const a = acc[k] as (typeof acc)[number];
      const p = mean(a.prem);
      const q = mean(a.pay);
      return { label: d.label, right: d.right, delta: d.delta, premium_yield: p, payout_yield: q, premium_per_risk: q > 0 ? p / q : null, edge: p - q, assignment_rate: n ? a.itm / n : 0 };
    }),
  };
}

/** Underlyings best first: mean edge per week over the analysed deltas, then premium per risk. */
export function rankUnderlyings(xs: readonly PremiumAnalysis[]): { underlying: string; edge: number; premium_per_risk: number | null; source: PremiumAnalysis['source'] }[] {
  return xs
    .map((x) => {
      const ppr = x.by_delta.map((d) => d.premium_per_risk).filter((v): v is number => v !== null);
      return { underlying: x.underlying, edge: mean(x.by_delta.map((d) => d.edge)), premium_per_risk: ppr.length ? mean(ppr) : null, source: x.source };
    })
    .sort((a, b) => b.edge - a.edge || (b.premium_per_risk ?? 0) - (a.premium_per_risk ?? 0));
}
