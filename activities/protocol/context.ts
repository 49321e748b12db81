/**
 * What every Protocol Engine activity needs: the database, the broker's market data, a logger
 * and the protocol configuration (the stored versions over the worker's base: defaults unless
 * the worker injects one), plus the
 * decimal → cents boundary for broker prices.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { PrismaClient } from '../../src/db/client';
import { resolveProtocolConfig, type ConfigScope } from '../../src/db/protocolConfig';
import { DEFAULT_PROTOCOL, type ProtocolConfig } from '../../src/domain/config';
import { priceCents } from '../../src/domain/money';
import { systemClock, type Clock } from '../../src/contracts/clock';
import type { Logger } from '../../src/logger';
import type { Broker, MarketData } from '../../src/contracts/broker';
import { MarketMemo, memoizedMarketData } from './marketMemo';

export interface ProtocolDeps {
  prisma: PrismaClient;
  broker: Broker;
  logger: Logger;
  protocol?: ProtocolConfig;
  clock?: Clock;
  /** The worker's memo of market data shared by its families' cycles (a new one per call when absent). */
  marketMemo?: MarketMemo;
}

export interface ProtocolCtx {
  prisma: PrismaClient;
  broker: Broker;
  logger: Logger;
  protocol: ProtocolConfig;
  /** business time (entry days, timestamps written to the books) */
  clock: Clock;
  /** The configuration in force for a family or account now (versioned rows over `protocol`), and its version. */
  config(scope: ConfigScope): Promise<{ version: number; config: ProtocolConfig }>;
  /** The broker's market data, asked afresh: what a decision at this instant must see (a level check, a limit price). */
  md(): MarketData;
  /**
   * The same through the worker's memo (activities/protocol/marketMemo.ts): what every family
   * asks for alike (the week's bars and chains, the entry's chain) costs one broker request per
   * as-of bar, not one per family.
   */
  shared(): MarketData;
}

export function protocolCtx(d: ProtocolDeps): ProtocolCtx {
  const memo = d.marketMemo ?? new MarketMemo();
  let shared: MarketData | undefined;
  const md = (): MarketData => {
    if (!d.broker.marketData) throw ApplicationFailure.nonRetryable('the broker has no market data port', 'NoMarketData');
    return d.broker.marketData;
  };
  return {
    prisma: d.prisma,
    broker: d.broker,
    logger: d.logger.child({ component: 'protocol' }),
    protocol: d.protocol ?? DEFAULT_PROTOCOL,
    clock: d.clock ?? systemClock,
    config: (scope) => resolveProtocolConfig(d.prisma, d.protocol ?? DEFAULT_PROTOCOL, scope),
    md,
    shared() {
      shared ??= memoizedMarketData(md(), memo, d.clock ?? systemClock, (d.protocol ?? DEFAULT_PROTOCOL).market);
      return shared;
    },
  };
}

/** Broker decimal → integer cents: the one conversion (src/domain/money.ts `priceCents`; a quote has at most 2 decimals). */
export const toCents = priceCents;
/** YYYYMMDD ↔ YYYY-MM-DD: the vocabulary's (src/domain/instrument.ts). */
export { isoOfYmd as isoOf, ymdOfIso as ymdOf } from '../../src/domain/instrument';
/** The ALL-USE "client" that owns internal orders (instructions table, all_use_order_id). */
export const INTERNAL_CLIENT = 'ALL-USE';
