/**
 * The decision core (issue 13): the protocol's decisions as pure functions of the books, the market
 * observation and the configuration, returning intended actions. The live activities and the
 * backtester are drivers: they gather the inputs and execute what these return.
 */
export * from './types';
export * from './entry';
export * from './roll';
export * from './settle';
export * from './capital';
