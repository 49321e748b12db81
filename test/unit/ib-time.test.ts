/**
 * IB time strings → ISO UTC (src/domain/ibTime.ts): the forms TWS and the simulator send for an
 * execution's time. The books store fills in ISO so reconciliation can compare them with the
 * broker's clock.
 */
import { expect } from 'chai';
import { ibInstant, ibTime } from '../../src/domain/ibTime';
import { twsTime } from '../../src/ib-sim/messages';

describe('ibTime: IB execution times', () => {
  const cases: Array<[string, string]> = [
    ['20261127 16:00:00 US/Eastern', '2026-11-27T21:00:00.000Z'], // the simulator, TWS ≥ 10.x
    ['20260626 16:00:00 US/Eastern', '2026-06-26T20:00:00.000Z'], // daylight saving: UTC−4
    ['20261127  16:00:00', '2026-11-27T21:00:00.000Z'], // older gateways: two spaces, no zone (New York)
    ['20261127 16:00:00 America/New_York', '2026-11-27T21:00:00.000Z'],
    ['20260626 16:00:00 EST', '2026-06-26T20:00:00.000Z'], // TWS says EST for New York all year
    ['20261127 16:00:00 EDT', '2026-11-27T21:00:00.000Z'],
    ['20261127-21:00:00', '2026-11-27T21:00:00.000Z'], // the dashed form is UTC
    ['20261127-21:00:00 UTC', '2026-11-27T21:00:00.000Z'],
    ['20261127 16:00:00 Europe/London', '2026-11-27T16:00:00.000Z'],
    ['20261127 09:30:00 Asia/Hong_Kong', '2026-11-27T01:30:00.000Z'],
    ['2026-11-27T21:00:00.000Z', '2026-11-27T21:00:00.000Z'], // already ISO: unchanged
  ];
  for (const [raw, iso] of cases) it(`when IB sends "${raw}", then the instant is ${iso}`, () => expect(ibTime(raw)).to.equal(iso));

  it('when the simulator formats an instant (twsTime), then ibTime gives it back to the second', () => {
    for (const iso of ['2027-03-14T06:30:00.000Z', '2027-11-07T07:30:00.000Z', '2027-07-01T13:30:00.000Z']) expect(ibTime(twsTime(new Date(iso)))).to.equal(iso);
  });

  it('when the time falls in the hour New York repeats in November, then the format cannot tell which: the later one (EST) is taken', () => {
    // 01:59:59 EDT and 01:59:59 EST print alike; no trading happens then.
    expect(ibTime(twsTime(new Date('2027-11-07T05:59:59.000Z')))).to.equal('2027-11-07T06:59:59.000Z');
  });

  it('when the string is not a time, then there is no instant and ibTime leaves it as it is', () => {
    for (const bad of ['', 'garbage', '20261327 16:00:00', '20261127 25:00:00', '20261127 16:00:00 Mars/Olympus', '20261127-16:00:00 US/Eastern', '2026-11-27']) {
      expect(ibInstant(bad), bad).to.equal(null);
      expect(ibTime(bad)).to.equal(bad);
    }
  });
});
