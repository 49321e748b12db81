import { expect } from 'chai';
import { backfillChunks, backfillWorkflowId } from '../../workflows/marketDataBackfill';
import { marketDataScheduleSpec } from '../../src/marketdata/schedules';
import { marketDataSettings } from '../../src/marketdata/settings';
import { lastClosedSession } from '../../src/db/marketData';

describe('market data: backfill plan, schedules, settings', () => {
  it('when a year is split in 30-day chunks, then the chunks cover it exactly, in order, per symbol', () => {
    const c = backfillChunks({ symbols: ['SPY', 'AAPL'], from: '2024-01-01', to: '2024-12-31', chunkDays: 30 });
    expect(c).to.have.length(26);
    for (const s of ['SPY', 'AAPL']) {
      const mine = c.filter((x) => x.symbol === s);
      expect(mine[0]!.from).to.equal('2024-01-01');
      expect(mine.at(-1)!.to).to.equal('2024-12-31');
      for (let i = 1; i < mine.length; i++) {
        const next = new Date(Date.parse(`${mine[i - 1]!.to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
        expect(mine[i]!.from, 'no gap, no overlap').to.equal(next);
      }
    }
  });
  it('when the same backfill is asked twice with symbols in another order, then the workflow id is the same', () => {
    const a = backfillWorkflowId({ symbols: ['SPY', 'AAPL'], from: '2024-01-01', to: '2024-12-31', chunkDays: 365 });
    expect(a).to.equal(backfillWorkflowId({ symbols: ['AAPL', 'SPY'], from: '2024-01-01', to: '2024-12-31', chunkDays: 365 }));
    expect(a).to.equal('md-backfill:AAPL,SPY:2024-01-01:2024-12-31:365');
  });
  it('when the session schedules are built, then weekday exchange closures are skipped and retention is not', () => {
    const bars = marketDataScheduleSpec('bars', 2026, 1);
    expect(bars.timezone).to.equal('America/New_York');
    const skipped = (bars.skip ?? []).map((s) => [s.year, s.month, s.dayOfMonth].map((v) => JSON.stringify(v).replaceAll('"', '')).join('-'));
    expect(skipped).to.include('2026-DECEMBER-25');
    expect(skipped).to.include('2026-APRIL-3'); // Good Friday
    expect(skipped).to.not.include('2026-DECEMBER-26'); // a Saturday: the weekday spec never fires
    expect(marketDataScheduleSpec('retention', 2026).skip).to.equal(undefined);
  });
  it('when settings come from the environment, then bad values are refused with the key', () => {
    expect(marketDataSettings({}).limits).to.deep.equal({});
    expect(marketDataSettings({ MD_IB_LIMITS: '{"lines":10}', MD_CHAIN_WEEKS: '2' })).to.deep.include({ chainWeeks: 2, limits: { lines: 10 } });
    expect(() => marketDataSettings({ MD_IB_LIMITS: '{"line":10}' })).to.throw(/limits/);
    expect(() => marketDataSettings({ MD_IB_LIMITS: 'not json' })).to.throw(/limits/);
    expect(() => marketDataSettings({ MD_EXTRA_SYMBOLS: 'spy,bad symbol' })).to.throw(/extraSymbols/);
  });
  it('when the last closed session is asked, then it follows the New York close and skips closures', () => {
    expect(lastClosedSession(new Date('2024-07-05T19:59:00Z'))).to.equal('2024-07-03'); // before the 16:00 EDT close; July 4 closed
    expect(lastClosedSession(new Date('2024-07-05T20:00:00Z'))).to.equal('2024-07-05');
    expect(lastClosedSession(new Date('2024-07-03T17:30:00Z'))).to.equal('2024-07-03'); // the 13:00 early close
    expect(lastClosedSession(new Date('2024-01-03T01:00:00Z'))).to.equal('2024-01-02'); // evening in New York
    expect(lastClosedSession(new Date('2024-07-07T12:00:00Z'))).to.equal('2024-07-05'); // Sunday
  });
});
