import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CsvError, parseBarsCsv } from '../../src/backtest/csv';

const fixture = (name: string): string => readFileSync(path.join(__dirname, '..', 'fixtures', 'backtest', name), 'utf8');
const load = (name: string) => parseBarsCsv(fixture(name), { maxGapDays: 7 });

describe('backtest/csv', () => {
  const refused: [string, number, string][] = [
    ['missing-column.csv', 1, 'missing column(s): low'],
    ['invalid-date.csv', 3, "invalid date '2020-02-30'"],
    ['unsorted.csv', 3, 'dates not sorted: 2020-01-06'],
    ['duplicate.csv', 3, 'duplicate date 2020-01-06'],
    ['non-numeric.csv', 3, "high is not a number: 'abc'"],
    ['negative.csv', 3, 'open must be positive: -10'],
    ['high-below-low.csv', 3, 'high 9 < low 11'],
    ['close-above-high.csv', 2, 'close 12 outside [low, high]'],
    ['gap.csv', 3, 'gap of 11 days without a bar before 2020-01-17 (max 7)'],
    ['weekend.csv', 3, '2020-01-11 is not a trading day'],
    ['short-row.csv', 3, 'expected 6 fields, found 5'],
    ['header-only.csv', 2, 'no data rows'],
  ];
  for (const [file, line, reason] of refused)
    it(`when ${file} is loaded, then it is refused at line ${line} with "${reason}"`, () => {
      try {
        load(file);
        expect.fail('accepted a bad file');
      } catch (e) {
        expect(e).to.be.instanceOf(CsvError);
        expect((e as CsvError).line).to.equal(line);
        expect((e as CsvError).reason).to.contain(reason);
        expect((e as CsvError).message).to.match(new RegExp(`^line ${line}: `));
      }
    });

  it('when a good file is loaded, then prices are exact cents', () =>
    expect(load('good.csv')).to.deep.equal([
      { date: '2020-01-06', open: 1000, high: 1100, low: 900, close: 1000 },
      { date: '2020-01-07', open: 1000, high: 1100, low: 900, close: 1000 },
    ]));
  it('when the file spans the September 2001 closure (7 days without a bar), then it is accepted', () => expect(load('sept-2001.csv')).to.have.length(4));
  it('when a file has CRLF line ends and six-decimal prices, then they are read and rounded half-up to the cent', () =>
    expect(parseBarsCsv('date,open,high,low,close\r\n2020-01-06,1469.250000,1478.005000,1438.359985,1455.219971\r\n', { maxGapDays: 7 })[0]).to.deep.equal({
      date: '2020-01-06',
      open: 146925,
      high: 147801,
      low: 143836,
      close: 145522,
    }));
  it('when the real S&P 500 file is loaded, then every row passes', () => {
    const bars = parseBarsCsv(readFileSync(path.join(__dirname, '..', '..', 'node_modules', 'vega-datasets', 'data', 'sp500-2000.csv'), 'utf8'), { maxGapDays: 7 });
    expect(bars).to.have.length(5105);
    expect(bars[0]?.date).to.equal('2000-01-03');
  });
});
