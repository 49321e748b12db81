/**
 * marketDataCollect: one collection run, started by the market-data Schedules (src/schedules.ts):
 * daily bars after the close, chain snapshots at set session times, quotes of open positions
 * while the market is open, and the retention of intraday partitions. The run's start time is
 * the snapshot/quote key, so a retried activity stores nothing twice.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { CollectResult, MarketDataActivities } from '../activities/marketData';

export type CollectKind = 'bars' | 'chains' | 'quotes' | 'retention';

export interface MarketDataCollectInput {
  kind: CollectKind;
  /** default: the protocol's underlyings (+ held symbols for bars) */
  symbols?: string[];
}

const acts = proxyActivities<MarketDataActivities>({
  startToCloseTimeout: '20m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', maximumInterval: '1m', maximumAttempts: 10 },
});

export async function marketDataCollect(input: MarketDataCollectInput): Promise<CollectResult | { dropped: string[] }> {
  // The scheduled start time (or this run's start): the same for every retry of this run.
  const slot = new Date(workflowInfo().startTime.getTime() - (workflowInfo().startTime.getTime() % 1000)).toISOString();
  switch (input.kind) {
    case 'bars':
      return acts.mdCollectDailyBars({ symbols: input.symbols });
    case 'chains':
      return acts.mdCollectChains({ slot, symbols: input.symbols });
    case 'quotes':
      return acts.mdCollectQuotes({ slot });
    case 'retention':
      return { dropped: await acts.mdRetention() };
  }
}
