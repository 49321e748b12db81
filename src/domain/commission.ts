/**
 * The broker's commission on one order, as Interactive Brokers' fixed pricing charges it (and the
 * simulator reports it): options a fee per contract, shares a fee per share capped at 1 % of the
 * trade's value, and a minimum per order. One function for the simulator and the backtester, so a
 * back-tested fill costs what a live one does (the parity check compares them to the cent).
 */
import type { Cents } from './money';

export interface CommissionRates {
  perContractCents: Cents;
  /** per share, in 1/1000 USD (5 = $0.005) */
  perShareMils: number;
  minimumCents: Cents;
}

export const IB_FIXED_RATES: CommissionRates = { perContractCents: 65, perShareMils: 5, minimumCents: 100 };

export function orderCommissionCents(secType: 'OPT' | 'STK', quantity: number, priceCents: Cents, rates: CommissionRates = IB_FIXED_RATES): Cents {
  const q = Math.abs(quantity);
  if (q === 0) return 0;
  const raw = secType === 'OPT' ? rates.perContractCents * q : Math.min((rates.perShareMils * q) / 10, (q * priceCents) / 100);
  return Math.round(Math.max(rates.minimumCents, raw));
}
