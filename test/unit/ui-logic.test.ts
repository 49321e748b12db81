import { expect } from 'chai';
import { linePath } from '../../ui/src/lib/chart';
import { filterFeed, mergeFeed, type FeedRow } from '../../ui/src/lib/feed';
import { sessionOf } from '../../ui/src/lib/session';
import { createSseParser, type SseEvent } from '../../ui/src/lib/sse';
import { distinct, sortRows } from '../../ui/src/lib/table';
import { weekGrid, weekTypeTone } from '../../ui/src/lib/weeks';

const row = (id: string, status: string, updatedAt: string, over: Partial<FeedRow> = {}): FeedRow => ({
  id,
  clientName: 'c',
  clientOrderId: `coid-${id}`,
  strategy: 'S1',
  scheme: 'WIS',
  source: 'STARLAB',
  symbol: 'AAPL',
  action: 'BUY',
  quantity: 1,
  status,
  rejectReason: null,
  workflowId: `wf-${id}`,
  workflowUrl: null,
  orderStatus: null,
  filledQuantity: 0,
  avgFillPrice: null,
  createdAt: `2026-12-01T10:00:0${id}Z`,
  updatedAt,
  ...over,
});

describe('command center: UI logic (sse, live feed, tables, charts, weeks, session)', () => {
  it('when the event stream arrives in arbitrary chunks, then each event is parsed once, whole', () => {
    const text = ': hello\r\nevent: snapshot\r\ndata: {"a":1}\r\n\r\nevent: instructions\ndata: line1\ndata: line2\nid: 7\n\n: keep-alive\n\ndata: x\n\n';
    for (const size of [1, 2, 3, 5, 7, text.length]) {
      const got: SseEvent[] = [];
      const p = createSseParser((e) => got.push(e));
      for (let i = 0; i < text.length; i += size) p.feed(text.slice(i, i + size));
      expect(got, `chunk size ${size}`).to.deep.equal([
        { event: 'snapshot', data: '{"a":1}' },
        { event: 'instructions', data: 'line1\nline2', id: '7' },
        { event: 'message', data: 'x', id: '7' },
      ]);
    }
  });

  it('when updates arrive out of order, then the feed keeps the newest state of each instruction, newest first', () => {
    let feed = mergeFeed([], [row('1', 'RECEIVED', '2026-12-01T10:00:01Z'), row('2', 'RECEIVED', '2026-12-01T10:00:02Z')]);
    feed = mergeFeed(feed, [row('1', 'FILLED', '2026-12-01T10:00:05Z')]);
    feed = mergeFeed(feed, [row('1', 'SUBMITTED', '2026-12-01T10:00:03Z')]); // late, older
    expect(feed.map((r) => `${r.id}:${r.status}`)).to.deep.equal(['2:RECEIVED', '1:FILLED']);
    expect(mergeFeed([], [row('1', 'X', 'a'), row('2', 'X', 'a'), row('3', 'X', 'a')], 2).map((r) => r.id)).to.deep.equal(['3', '2']);
  });

  it('when filtering the feed by source, strategy, status and text, then only matching rows stay', () => {
    const rows = [row('1', 'FILLED', 'a'), row('2', 'REJECTED', 'a', { source: 'INTERNAL', strategy: 'ALLUSE', symbol: 'TSLA' }), row('3', 'FILLED', 'a', { strategy: 'S2' })];
    expect(filterFeed(rows, { source: 'INTERNAL' }).map((r) => r.id)).to.deep.equal(['2']);
    expect(filterFeed(rows, { status: 'FILLED', strategy: 'S2' }).map((r) => r.id)).to.deep.equal(['3']);
    expect(filterFeed(rows, { text: 'tsl' }).map((r) => r.id)).to.deep.equal(['2']);
    expect(filterFeed(rows, { text: 'coid-1' }).map((r) => r.id)).to.deep.equal(['1']);
  });

  it('when sorting a table, then numbers (and decimal strings) sort numerically and empty cells stay last', () => {
    const rows = [
      { s: '10.5', n: 2 },
      { s: '9', n: null },
      { s: '100', n: -1 },
      { s: null, n: 5 },
    ];
    expect(sortRows(rows, 's', 'asc').map((r) => r.s)).to.deep.equal(['9', '10.5', '100', null]);
    expect(sortRows(rows, 's', 'desc').map((r) => r.s)).to.deep.equal(['100', '10.5', '9', null]);
    expect(sortRows(rows, 'n', 'desc').map((r) => r.n)).to.deep.equal([5, 2, -1, null]);
    expect(distinct([{ a: 'x' }, { a: '' }, { a: 'b' }, { a: 'x' }], 'a')).to.deep.equal(['b', 'x']);
  });

  it('when charting a series, then it fills the box, the highest point at the top; a flat series is drawn mid-height', () => {
    const g = linePath(
      [
        { x: 'd1', y: 100 },
        { x: 'd2', y: 300 },
        { x: 'd3', y: 200 },
      ],
      100,
      50,
      10,
    );
    expect(g.d).to.equal('M10,40 L50,10 L90,25');
    expect([g.min, g.max]).to.deep.equal([100, 300]);
    expect(
      linePath(
        [
          { x: 'a', y: 5 },
          { x: 'b', y: 5 },
        ],
        100,
        50,
        10,
      ).d,
    ).to.equal('M10,25 L90,25');
    expect(linePath([], 100, 50).d).to.equal('');
  });

  it('when laying out week types, then weeks go newest first and every account has a column, empty or not', () => {
    const g = weekGrid(
      [
        { accountId: 'F:GEN', symbol: 'TSLA', week: '2026-W10', type: 'P-EW' },
        { accountId: 'F:GEN', symbol: 'NVDA', week: '2026-W10', type: 'P-DD' },
        { accountId: 'F:REV', symbol: 'AAPL', week: '2026-W11', type: 'P-RO' },
      ],
      ['F:GEN', 'F:REV', 'F:COM'],
    );
    expect(g.weeks).to.deep.equal(['2026-W11', '2026-W10']);
    expect(g.accounts).to.deep.equal(['F:GEN', 'F:REV', 'F:COM']);
    expect(g.cell('2026-W10', 'F:GEN').map((c) => c.symbol)).to.deep.equal(['NVDA', 'TSLA']);
    expect(g.cell('2026-W10', 'F:COM')).to.deep.equal([]);
    expect([weekTypeTone('P-EW'), weekTypeTone('P-DD'), weekTypeTone('P-RO')]).to.deep.equal(['good', 'bad', 'neutral']);
  });

  it('when the operator logs out, then the token is gone but the name stays; a bad name is refused', () => {
    const m = new Map<string, string>();
    const s = sessionOf({ getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) });
    s.setToken('  tok-123456789012345678901234 ');
    s.setName('alice');
    expect(s.token()).to.equal('tok-123456789012345678901234');
    s.clear();
    expect([s.token(), s.name()]).to.deep.equal([null, 'alice']);
    expect(() => s.setName('bad name!')).to.throw(RangeError);
  });
});
