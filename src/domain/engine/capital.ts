/**
 * Capital moves at the weekly close (PROTOCOL §1): fork, merge (waits for open options) and the
 * quarterly reinvestment with its LEAPS choice. The rules live in ../ledger.ts and ../leaps.ts;
 * the core names them so both drivers take them from one place.
 */
export { planFork, planMerge, planReinvest, mergeWaitsFor, type ForkPlan } from '../ledger';
export { leapsCall, leapsContracts, leapsExpiry, type ChainCall } from '../leaps';
