import { expect } from 'chai';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { DEFAULT_PROTOCOL } from '../../src/domain/config';
import {
  addDays,
  entryDaysOfWeek,
  fromEpochDay,
  toEpochDay,
  isEarlyClose,
  isTradingDay,
  marketSession,
  nextEntryDay,
  quarterOf,
  weekOf,
  weekdayOf,
  weeklyExpiry,
  type Weekday,
} from '../../src/domain/calendar';

describe('domain/calendar', () => {
  const days: [string, boolean, string][] = [
    ['2025-05-05', true, 'an ordinary Monday'],
    ['2025-05-03', false, 'a Saturday'],
    ['2025-12-25', false, 'Christmas'],
    ['2025-04-18', false, 'Good Friday'],
    ['2025-06-19', false, 'Juneteenth'],
    ['2001-09-11', false, 'the 9/11 closure'],
    ['2001-09-14', false, 'the last 9/11 closure day'],
    ['2001-09-17', true, 'the reopening'],
    ['2012-10-29', false, 'Hurricane Sandy'],
    ['2012-10-30', false, 'Hurricane Sandy, day 2'],
    ['2018-12-05', false, 'the Bush mourning day'],
    ['2025-01-09', false, 'the Carter mourning day'],
    ['2007-01-02', false, 'the Ford mourning day'],
    ['2004-06-11', false, 'the Reagan mourning day'],
    ['2025-11-28', true, 'the day after Thanksgiving'],
  ];
  for (const [d, open, what] of days) it(`when the day is ${d} (${what}), then trading is ${open}`, () => expect(isTradingDay(d)).to.equal(open));

  const sessions: [string, string, string][] = [
    ['2025-05-05', '2025-05-05T13:30:00.000Z', '2025-05-05T20:00:00.000Z'], // EDT
    ['2025-01-06', '2025-01-06T14:30:00.000Z', '2025-01-06T21:00:00.000Z'], // EST
    ['2025-11-28', '2025-11-28T14:30:00.000Z', '2025-11-28T18:00:00.000Z'], // day after Thanksgiving
    ['2025-12-24', '2025-12-24T14:30:00.000Z', '2025-12-24T18:00:00.000Z'], // Christmas Eve
    ['2025-07-03', '2025-07-03T13:30:00.000Z', '2025-07-03T17:00:00.000Z'], // July 3, a Thursday
  ];
  for (const [d, open, close] of sessions)
    it(`when the session of ${d} is asked, then it runs ${open.slice(11, 16)}–${close.slice(11, 16)} UTC`, () =>
      expect(marketSession(d, DEFAULT_PROTOCOL.market)).to.deep.include({ openUtc: open, closeUtc: close }));
  it('when the market is closed, then there is no session', () => expect(marketSession('2025-12-25', DEFAULT_PROTOCOL.market)).to.equal(null));
  const early: [string, boolean][] = [
    ['2020-07-03', false],
    ['2026-07-03', false],
    ['2019-07-03', true],
    ['2022-12-24', false],
    ['2025-11-26', false],
  ];
  for (const [d, e] of early) it(`when the day is ${d}, then early close is ${e}`, () => expect(isEarlyClose(d)).to.equal(e));

  const expiries: [string, string | null][] = [
    ['2025-05-05', '2025-05-09'],
    ['2025-04-14', '2025-04-17'],
    ['2025-05-10', '2025-05-09'],
    ['2001-09-10', '2001-09-10'],
    ['2025-07-01', '2025-07-03'],
  ];
  for (const [d, e] of expiries) it(`when the week of ${d} is asked, then its expiry is ${e}`, () => expect(weeklyExpiry(d)).to.equal(e));

  const entries: [string, Weekday[], string][] = [
    ['2025-05-05', [4], '2025-05-08'],
    ['2025-05-09', [4], '2025-05-15'],
    ['2025-05-06', [1, 2, 3], '2025-05-06'],
    ['2025-05-08', [1, 2, 3], '2025-05-12'],
    ['2025-05-24', [1], '2025-05-27'], // Memorial Day Monday → Tuesday
    ['2025-05-23', [1], '2025-05-27'],
  ];
  for (const [from, wd, want] of entries) it(`when the next entry on weekdays ${wd.join(',')} from ${from} is asked, then it is ${want}`, () => expect(nextEntryDay(from, wd)).to.equal(want));

  const entryWeeks: [string, Weekday[], string[]][] = [
    ['2025-05-07', [1, 2, 3], ['2025-05-05', '2025-05-06', '2025-05-07']],
    ['2025-05-28', [1, 2, 3], ['2025-05-27', '2025-05-28']],
    ['2025-05-28', [1], ['2025-05-27']],
    ['2025-11-26', [4], ['2025-11-28']],
    ['2025-05-05', [], []],
  ];
  for (const [d, wd, want] of entryWeeks)
    it(`when the entry days on weekdays ${wd.join(',') || 'none'} in the week of ${d} are asked, then they are ${want.join(',') || 'none'}`, () => expect(entryDaysOfWeek(d, wd)).to.deep.equal(want));

  const weeks: [string, string][] = [
    ['2025-05-05', '2025-W19'],
    ['2025-05-11', '2025-W19'],
    ['2024-12-30', '2025-W01'],
    ['2021-01-03', '2020-W53'],
    ['2000-01-03', '2000-W01'],
  ];
  for (const [d, w] of weeks) it(`when the week of ${d} is asked, then it is ${w}`, () => expect(weekOf(d)).to.equal(w));
  it('when any date 1900–2100 is given, then weekOf and weekday agree with luxon and epoch days round-trip', () =>
    fc.assert(
      fc.property(fc.integer({ min: toEpochDay('1900-01-01'), max: toEpochDay('2100-12-31') }), (n) => {
        const d = fromEpochDay(n);
        const l = DateTime.fromISO(d, { zone: 'utc' });
        expect(weekOf(d)).to.equal(l.toFormat("kkkk-'W'WW"));
        expect(weekdayOf(d)).to.equal(l.weekday);
        expect(toEpochDay(d)).to.equal(n);
        expect(addDays(d, 1)).to.equal(l.plus({ days: 1 }).toISODate());
      }),
      { numRuns: 500 },
    ));
  it('when weekday and quarter are asked, then they follow ISO', () => {
    expect(weekdayOf('2025-05-05')).to.equal(1);
    expect(weekdayOf('2025-05-11')).to.equal(7);
    expect(quarterOf('2025-05-05')).to.equal('2025-Q2');
  });
  it('when a malformed date is given, then it is refused', () => expect(() => weekdayOf('2025-02-30')).to.throw(RangeError));
});
