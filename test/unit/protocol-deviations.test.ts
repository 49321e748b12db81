/**
 * Deviations of the live engine from PROTOCOL.md (issue 13), one describe per number: each test
 * pins the rule the live path now follows.
 */
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { DEFAULT_PROTOCOL, ProtocolConfigError, parseProtocolConfig } from '../../src/domain/config';
import { applyRollResults, nextCheckAt, planMonitorCheck, sessionAt } from '../../src/domain/monitorRules';
import { entryRetryDay, weekEntryDays } from '../../src/domain/entryRetry';
import { emptyMonitorState, type MonitorState, type PositionLevel } from '../../src/contracts/workflows/positionMonitor';
import { attemptClientOrderId, baseClientOrderId } from '../../src/contracts/workflows/placement';
import { mondayOfWeek, previousWeek } from '../../src/domain/calendar';
import { regimeHistoryWeeks, regimes, type Bar } from '../../src/domain/indicators';
import { planAccount, planPositionRoll, quotesOf, type AccountSnapshot, type SymbolMarket } from '../../src/domain/protocol-cycle';
import { adverseMove, levelReferenceCents } from '../../src/domain/levels';
import { canEnter, chainWindowOf, chooseEntryStrike } from '../../src/domain/signals';
import { previousWeekTypesOf, type WeekType } from '../../src/domain/weekTypes';

describe('protocol deviation 1: the volatility regime has enough history live', () => {
  const cfg = DEFAULT_PROTOCOL.regime;
  /** Calm weeks (range 1 % of 100.00), then one wide week at the end. */
  const bars = (n: number): Bar[] =>
    Array.from({ length: n }, (_, i) => {
      const wide = i === n - 1;
      return { date: `w${i}`, open: 10_000, high: wide ? 11_500 : 10_050, low: wide ? 9_000 : 9_950, close: 10_000 };
    });

  it('when one year of weekly bars is fetched (52), then the regime can never be HIGH: the median is undefined', () => {
    expect(regimes(bars(52), cfg).at(-1)!.vol).to.equal('NORMAL');
  });

  it('when the live path fetches regimeHistoryWeeks bars, then a wide last week is HIGH volatility', () => {
    const n = regimeHistoryWeeks(cfg);
    expect(n).to.be.at.least(cfg.atrPeriod + cfg.volLookback);
    expect(regimes(bars(n), cfg).at(-1)!.vol).to.equal('HIGH');
  });
});

describe('protocol deviation 2: a P-DD or P-AOL week blocks only the following week', () => {
  const rows = [
    { symbol: 'TSLA', week: '2025-W08', type: 'P-DD' },
    { symbol: 'AAPL', week: '2025-W09', type: 'P-AOL' },
    { symbol: '*', week: '2025-W09', type: 'W-IDL' },
  ];

  it('when TSLA had P-DD two weeks ago and sat out last week, then nothing blocks TSLA now', () => {
    expect(previousWeekTypesOf(rows, '2025-W10')).to.not.have.property('TSLA');
    expect(canEnter({ maxOpenLevel: null, previousWeekType: (previousWeekTypesOf(rows, '2025-W10').TSLA as WeekType | undefined) ?? null }).ok).to.equal(true);
  });

  it('when AAPL had P-AOL last week, then this week is blocked, and the week after is not', () => {
    expect(canEnter({ maxOpenLevel: null, previousWeekType: previousWeekTypesOf(rows, '2025-W10').AAPL as WeekType }).ok).to.equal(false);
    expect(previousWeekTypesOf(rows, '2025-W11')).to.deep.equal({});
  });

  it('when the week crosses a year, then the previous ISO week is the last week of the year before', () => {
    expect(previousWeek('2025-W01')).to.equal('2024-W52');
    expect(previousWeek('2021-W01')).to.equal('2020-W53');
    expect(mondayOfWeek('2025-W10')).to.equal('2025-03-03');
  });
});

describe('protocol deviation 3: assigned shares in Gen-Acc or Rev-Acc are covered with calls', () => {
  const flat = (close: number): Bar[] => Array.from({ length: 40 }, (_, i) => ({ date: `2025-01-${String((i % 28) + 1).padStart(2, '0')}`, open: close, high: close + 100, low: close - 100, close }));
  // One chain with both rights, as the market step collects it when Gen's shares need calls.
  const chain = [
    { strike: 24_500, delta: -0.45, bid: 300, ask: 320 },
    { strike: 25_500, delta: 0.45, bid: 300, ask: 320 },
    { strike: 26_000, delta: 0.3, bid: 150, ask: 170 },
  ];
  const market: SymbolMarket = { symbol: 'TSLA', closeCents: 25_000, weekly: flat(25_000), expiry: '2025-05-16', chain };
  const gen = (shares: AccountSnapshot['shares']): AccountSnapshot => ({
    accountId: 'F:GEN',
    kind: 'GEN',
    cashCents: 40_000_000,
    valueCents: 40_000_000,
    shares,
    callsWritten: {},
    atRiskCents: {},
    previousWeekType: {},
    maxOpenLevel: {},
  });
  const cfg = { ...DEFAULT_PROTOCOL.accounts.GEN, underlyings: ['TSLA'] };

  it('when Gen-Acc holds 200 assigned TSLA shares, then it writes 2 calls at or above the basis, and no put', () => {
    const r = planAccount(gen({ TSLA: { quantity: 200, costBasisCents: 25_400 } }), cfg, DEFAULT_PROTOCOL, { TSLA: market });
    expect(r.orders.map((o) => [o.action, o.quantity, o.strikeCents])).to.deep.equal([['SELL_TO_OPEN_CALL', 2, 25_500]]);
  });

  it('when the chain holds both rights and Gen-Acc holds no shares, then the put is chosen among puts only', () => {
    const r = planAccount(gen({}), cfg, DEFAULT_PROTOCOL, { TSLA: market });
    expect(r.orders.map((o) => [o.action, o.strikeCents])).to.deep.equal([['SELL_TO_OPEN_PUT', 24_500]]);
    expect(quotesOf(chain, 'C').every((q) => q.delta > 0)).to.equal(true);
  });
});

describe('protocol deviation 4: a covered call is never rolled below the cost basis', () => {
  const next = [
    { strike: 24_000, delta: 0.4, bid: 900, ask: 950 }, // best delta match, but under the basis
    { strike: 26_000, delta: 0.3, bid: 600, ask: 640 },
    { strike: 24_000, delta: -0.4, bid: 950, ask: 990 }, // a put of the same expiry: never a call's roll
  ];

  it('when the shares cost $255, then the roll opens at or above $255 (the 240 call would lock in a loss)', () => {
    expect(planPositionRoll({ right: 'C', closeAskCents: 500, next, band: { deltaMin: 0.4 }, sharesBasisCents: 25_500 })?.open.strike).to.equal(26_000);
  });

  it('when a put is rolled, then no basis floor applies and only puts are candidates', () => {
    expect(planPositionRoll({ right: 'P', closeAskCents: 500, next, band: { deltaMin: 0.4 }, sharesBasisCents: 25_500 })?.open).to.deep.equal(next[2]);
  });
});

describe('protocol deviation 5: a level is measured from the entry price', () => {
  it('when the entry recorded the underlying at $240 after a $250 Friday close, then the move is measured from $240', () => {
    expect(levelReferenceCents({ entryUnderlyingCents: 24_000 }, 25_000)).to.equal(24_000);
    expect(adverseMove('P', levelReferenceCents({ entryUnderlyingCents: 24_000 }, 25_000), 23_000)).to.equal(1_000);
  });
  it('when a plan predates entry recording, then its planning close is the reference', () => {
    expect(levelReferenceCents({ targetDelta: 0.45 }, 25_000)).to.equal(25_000);
  });
});

describe('protocol deviation 6: the strike is chosen at entry, inside the delta band', () => {
  const band = { deltaMin: 0.4, deltaMax: 0.5 };
  it('when the chain at entry has a strike in the band, then it is the one nearest the target', () => {
    const chain = [
      { strike: 23_500, delta: -0.38, bid: 200, ask: 220 },
      { strike: 24_000, delta: -0.44, bid: 300, ask: 320 },
    ];
    expect(chooseEntryStrike({ chain, targetDelta: 0.45, band, tolerance: 0.05 })).to.deep.equal({ ok: true, quote: chain[1] });
  });
  it('when the market moved so no listed strike is in the band, then the entry is skipped with the reason', () => {
    const chain = [
      { strike: 23_500, delta: -0.25, bid: 200, ask: 220 },
      { strike: 24_000, delta: -0.62, bid: 300, ask: 320 },
    ];
    const r = chooseEntryStrike({ chain, targetDelta: 0.45, band, tolerance: 0.05 });
    expect(r.ok).to.equal(false);
    expect(r.ok ? '' : r.reason).to.equal('DELTA_OUT_OF_BAND');
  });
  it('when the nearest listed strike is a little outside the band (0.18 for 0.20–0.30), then the tolerance admits it', () => {
    const chain = [
      { strike: 40_500, delta: 0.328, bid: 200, ask: 220 },
      { strike: 41_000, delta: 0.18, bid: 80, ask: 90 },
    ];
    expect(chooseEntryStrike({ chain, targetDelta: 0.25, band: { deltaMin: 0.2, deltaMax: 0.3 }, tolerance: 0.05 })).to.deep.equal({ ok: true, quote: chain[1] });
    expect(chooseEntryStrike({ chain, targetDelta: 0.25, band: { deltaMin: 0.2, deltaMax: 0.3 }, tolerance: 0 }).ok).to.equal(false);
  });
  it('when the window is configured, then the strike range follows it', () => {
    expect(chainWindowOf('P', 100, DEFAULT_PROTOCOL.signals.chainWindow)).to.deep.equal([70, 100]);
    expect(chainWindowOf('C', 100, 0.2)).to.deep.equal([100, 120]);
  });
});

describe('protocol deviation 7: the position monitor runs in market hours for every open position and retries unfilled rolls', () => {
  const hours = DEFAULT_PROTOCOL.market;
  const cadence = DEFAULT_PROTOCOL.monitor;
  const ny = (day: string, hm: string) => DateTime.fromISO(`${day}T${hm}`, { zone: 'America/New_York' }).toUTC().toISO()!;
  // A put opened in an earlier week (2025-W10), still open in 2025-W11 after a roll.
  const put = (level: 0 | 1 | 2 | 3, moveCents = 1_000): PositionLevel => ({
    key: 'F:GEN:TSLA:20250314:P24000',
    accountId: 'F:GEN',
    symbol: 'TSLA',
    right: 'P',
    strikeCents: 24_000,
    expiry: '2025-03-14',
    quantity: -2,
    level,
    moveCents,
    atrCents: 450,
  });
  const placed = (status: string, filledQuantity = status === 'FILLED' ? 2 : 0) => ({ clientOrderId: 'x', status, filledQuantity, attempts: 1 });

  it('when the weekly cycle runs Friday 16:30 (after the close), then the monitor does not check and next looks at Monday’s open', () => {
    expect(sessionAt(ny('2025-03-07', '16:30'), hours)).to.equal(null);
    expect(nextCheckAt(ny('2025-03-07', '16:30'), 0, cadence, hours)).to.equal(ny('2025-03-10', '09:30'));
  });

  it('when a position is at level 1, then the next check is an hour later; at level 0 a day later; outside hours the next open', () => {
    expect(nextCheckAt(ny('2025-03-11', '10:00'), 1, cadence, hours)).to.equal(ny('2025-03-11', '11:00'));
    expect(nextCheckAt(ny('2025-03-11', '10:00'), 0, cadence, hours)).to.equal(ny('2025-03-12', '10:00'));
    expect(nextCheckAt(ny('2025-03-11', '15:30'), 1, cadence, hours)).to.equal(ny('2025-03-12', '09:30'));
    expect(nextCheckAt(ny('2025-03-14', '10:00'), 0, cadence, hours)).to.equal(ny('2025-03-17', '09:30')); // Friday → Monday
  });

  it('when the exchange is closed (Good Friday) or closes early (day after Thanksgiving), then the calendar moves the check', () => {
    expect(nextCheckAt(ny('2025-04-17', '11:00'), 0, cadence, hours)).to.equal(ny('2025-04-21', '09:30'));
    expect(sessionAt(ny('2025-11-28', '13:30'), hours)).to.equal(null);
    expect(nextCheckAt(ny('2025-11-28', '12:30'), 1, cadence, hours)).to.equal(ny('2025-12-01', '09:30'));
  });

  it('when the cadence is configured, then the monitor follows it, not a literal', () => {
    const c = parseProtocolConfig({ monitor: { watchEveryMinutes: 30 } }).monitor;
    expect(nextCheckAt(ny('2025-03-11', '10:00'), 2, c, hours)).to.equal(ny('2025-03-11', '10:30'));
    expect(() => parseProtocolConfig({ monitor: { maxRollAttempts: 0 } })).to.throw(ProtocolConfigError, 'monitor.maxRollAttempts');
  });

  it('when a roll found no credit, then it holds only while level, move and day are unchanged', () => {
    const held: MonitorState = { ...emptyMonitorState(), noCredit: [{ key: put(2).key, level: 2, moveCents: 1_000, day: '2025-03-11' }] };
    expect(planMonitorCheck(held, [put(2)], '2025-03-11', 3).actions).to.deep.equal([]);
    expect(planMonitorCheck(held, [put(2, 1_100)], '2025-03-11', 3).actions.map((a) => a.kind)).to.deep.equal(['ROLL']); // the market moved
    expect(planMonitorCheck(held, [put(2)], '2025-03-12', 3).actions.map((a) => a.kind)).to.deep.equal(['ROLL']); // a new day
    expect(planMonitorCheck(held, [put(1)], '2025-03-11', 3).state.noCredit).to.deep.equal([]); // the level changed
  });

  it('when a roll’s close does not fill, then it is not recorded as rolled and the next check tries it again', () => {
    const first = planMonitorCheck(emptyMonitorState(), [put(2)], '2025-03-11', 3);
    expect(first.actions).to.deep.equal([{ kind: 'ROLL', key: put(2).key, attempt: 1, position: put(2) }]);
    const after = applyRollResults(first.state, [{ kind: 'ROLL', key: put(2).key, attempt: 1, outcome: 'PLACED', close: placed('REJECTED'), openClientOrderId: 'o' }], '2025-03-11');
    expect(after.rolled).to.deep.equal([]);
    expect(after.pending).to.deep.equal([{ key: put(2).key, attempts: 1, lastReason: 'close REJECTED' }]);
    expect(planMonitorCheck(after, [put(2)], '2025-03-11', 3).actions.map((a) => [a.kind, a.attempt])).to.deep.equal([['ROLL', 2]]);
  });

  it('when the close filled but the open did not, then only the open is placed again; both filled is rolled', () => {
    const s = applyRollResults(
      { ...emptyMonitorState(), levels: [put(2)] },
      [{ kind: 'ROLL', key: put(2).key, attempt: 1, outcome: 'PLACED', close: placed('FILLED'), open: placed('CANCELLED'), openClientOrderId: 'o' }],
      '2025-03-11',
    );
    const next = planMonitorCheck(s, [], '2025-03-11', 3); // the old position is closed: it is no longer listed
    expect(next.actions).to.deep.equal([{ kind: 'OPEN', key: put(2).key, attempt: 2, openClientOrderId: 'o' }]);
    const done = applyRollResults(next.state, [{ kind: 'OPEN', key: put(2).key, attempt: 2, outcome: 'PLACED', open: placed('FILLED'), openClientOrderId: 'o' }], '2025-03-11');
    expect([done.rolled, done.pending]).to.deep.equal([[put(2).key], []]);
  });

  it('when every configured attempt failed, then the roll is given up with its reason and not placed again', () => {
    const s: MonitorState = { ...emptyMonitorState(), pending: [{ key: put(2).key, attempts: 3, lastReason: 'close CANCELLED' }] };
    const r = planMonitorCheck(s, [put(2)], '2025-03-12', 3);
    expect(r.actions).to.deep.equal([]);
    expect(r.state.gaveUp).to.deep.equal([{ key: put(2).key, attempts: 3, reason: '3 attempts did not fill (last: close CANCELLED)' }]);
    expect(planMonitorCheck(r.state, [put(2)], '2025-03-13', 3).actions).to.deep.equal([]);
  });

  it('when a position reaches level 3, then it enters recovery and is never rolled', () => {
    const r = planMonitorCheck(emptyMonitorState(), [put(3)], '2025-03-11', 3);
    expect([r.state.recovery, r.actions]).to.deep.equal([[put(3).key], []]);
    expect(planMonitorCheck(r.state, [put(2)], '2025-03-12', 3).actions).to.deep.equal([]);
  });
});

describe('protocol deviation 8: Rev-Acc enters Monday–Wednesday with a retry after a skip; timings are configuration', () => {
  const rev = DEFAULT_PROTOCOL.accounts.REV.entryWeekdays;
  const gen = DEFAULT_PROTOCOL.accounts.GEN.entryWeekdays;

  it('when Rev-Acc’s Monday entry fills nothing, then it is tried Tuesday, then Wednesday, then not again', () => {
    const days = weekEntryDays('2025-03-10', rev);
    expect(days).to.deep.equal(['2025-03-10', '2025-03-11', '2025-03-12']);
    expect(entryRetryDay(days, '2025-03-10', { filledQuantity: 0 })).to.equal('2025-03-11');
    expect(entryRetryDay(days, '2025-03-11', { filledQuantity: 0 })).to.equal('2025-03-12');
    expect(entryRetryDay(days, '2025-03-12', { filledQuantity: 0 })).to.equal(null);
    expect(entryRetryDay(days, '2025-03-10', { filledQuantity: 3 })).to.equal(null);
  });

  it('when Monday is a holiday, then Rev-Acc enters Tuesday–Wednesday; Gen-Acc keeps its Thursday only', () => {
    expect(weekEntryDays('2025-01-20', rev)).to.deep.equal(['2025-01-21', '2025-01-22']);
    const g = weekEntryDays('2025-03-10', gen);
    expect(g).to.deep.equal(['2025-03-13']);
    expect(entryRetryDay(g, '2025-03-13', { filledQuantity: 0 })).to.equal(null);
  });

  it('when a retry is placed, then it has its own client_order_ids (a new instruction) with the planned order as its base', () => {
    expect(attemptClientOrderId('F:REV:2025-W11:AAPL:1', 1, 2)).to.equal('F:REV:2025-W11:AAPL:1.d2.r1');
    expect(baseClientOrderId('F:REV:2025-W11:AAPL:1.d2.r1')).to.equal('F:REV:2025-W11:AAPL:1');
  });

  it('when the re-price interval, monitor cadence, daily history and LEAPS window are read, then they come from the configuration', () => {
    expect(DEFAULT_PROTOCOL.signals.repriceAfterMinutes).to.equal(15);
    expect(DEFAULT_PROTOCOL.monitor).to.deep.equal({ watchEveryMinutes: 60, holdEveryMinutes: 1440, maxRollAttempts: 3, dailyBarsDays: 30 });
    expect([DEFAULT_PROTOCOL.reinvest.leapsStrikeMin, DEFAULT_PROTOCOL.reinvest.leapsStrikeMax]).to.deep.equal([0.5, 1.05]);
    expect(parseProtocolConfig({ signals: { repriceAfterMinutes: 5 } }).signals.repriceAfterMinutes).to.equal(5);
  });
});
