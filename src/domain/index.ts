/** The pure protocol rules (PROTOCOL.md): no I/O, no clock, no randomness; safe in workflows. */
export * from './money';
export * from './calendar';
export * from './config';
export * from './pricing';
export * from './indicators';
export * from './weekTypes';
export * from './levels';
export * from './ledger';
export * from './signals';
export * from './risk';
