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

export interface ProtocolDeps {
  prisma: PrismaClient;
  broker: Broker;
  logger: Logger;
  protocol?: ProtocolConfig;
  clock?: Clock;
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
  md(): MarketData;
}

export function protocolCtx(d: ProtocolDeps): ProtocolCtx {
  return {
    prisma: d.prisma,
    broker: d.broker,
    logger: d.logger.child({ component: 'protocol' }),
    protocol: d.protocol ?? DEFAULT_PROTOCOL,
    clock: d.clock ?? systemClock,
    config: (scope) => resolveProtocolConfig(d.prisma, d.protocol ?? DEFAULT_PROTOCOL, scope),
    md() {
      if (!d.broker.marketData) throw ApplicationFailure.nonRetryable('the broker has no market data port', 'NoMarketData');
      return d.broker.marketData;
    },
  };
}

/** Broker decimal → integer cents: the one conversion (src/domain/money.ts `priceCents`; a quote has at most 2 decimals). */
export const toCents = priceCents;
/** YYYYMMDD ↔ YYYY-MM-DD: the vocabulary's (src/domain/instrument.ts). */
export { isoOfYmd as isoOf, ymdOfIso as ymdOf } from '../../src/domain/instrument';
/** The ALL-USE "client" that owns internal orders (instructions table, all_use_order_id). */
export const INTERNAL_CLIENT = 'ALL-USE';
