import path from 'node:path';

/** The default data set of the feedback commands: the S&P 500, 2000-2020, that ships with vega-datasets. */
export const DEFAULT_DATA = path.join('node_modules', 'vega-datasets', 'data', 'sp500-2000.csv');
