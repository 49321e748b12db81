/**
 * The feedback tests' data: 2000-2007 of the S&P 500 that ships with vega-datasets (~400 weeks,
 * enough for 4 walk-forward windows of 104 + 52 weeks), as CSV text with its header.
 */
import { readFileSync } from 'node:fs';

export const sp500Before2008 = (): string =>
  readFileSync('node_modules/vega-datasets/data/sp500-2000.csv', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('date') || l.slice(0, 4) < '2008')
    .join('\n');
