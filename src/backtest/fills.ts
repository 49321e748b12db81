/** The limit the backtest assumes an order fills at, by the chosen fill model (options.fillModel). */
import type { ProtocolConfig } from '../domain/config';
import type { Cents } from '../domain/money';
import { limitPriceForAttempt } from '../domain/signals';
import type { BacktestOptions } from './options';

export function assumedFill(o: BacktestOptions, bid: Cents, ask: Cents, side: 'BUY' | 'SELL', s: ProtocolConfig['signals']): Cents | 'SKIP' {
  if (o.fillModel === 'attempt') return limitPriceForAttempt(o.fillAttempt, bid, ask, side, s);
  // As a broker fills a limit order: once the limit reaches the touch, at the touch.
  for (let n = 0; n <= s.maxReprices; n++) {
    const px = limitPriceForAttempt(n, bid, ask, side, s);
    if (px === 'SKIP') break;
    if (side === 'SELL' ? px <= bid : px >= ask) return side === 'SELL' ? bid : ask;
  }
  return 'SKIP';
}
