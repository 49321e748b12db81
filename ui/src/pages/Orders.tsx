import { useEffect, useMemo, useState } from 'react';
import { followStream } from '../api';
import { Page, StatusBadge, when, Scroll } from '../components';
import { filterFeed, mergeFeed, type FeedRow } from '../lib/feed';
import { formatPrice } from '../lib/money';
import { distinct } from '../lib/table';

export function Orders() {
  const [rows, setRows] = useState<FeedRow[]>([]);
  const [state, setState] = useState<'connecting' | 'open' | 'retrying'>('connecting');
  const [source, setSource] = useState('');
  const [strategy, setStrategy] = useState('');
  const [status, setStatus] = useState('');
  const [text, setText] = useState('');
  useEffect(
    () =>
      followStream(
        '/cc/instructions/stream',
        (e) => {
          if (e.event !== 'snapshot' && e.event !== 'instructions') return;
          const incoming = (JSON.parse(e.data) as { instructions: FeedRow[] }).instructions;
          setRows((cur) => mergeFeed(e.event === 'snapshot' ? [] : cur, incoming));
        },
        setState,
      ),
    [],
  );
  const shown = useMemo(() => filterFeed(rows, { source, strategy, status, text }), [rows, source, strategy, status, text]);
  const select = (id: string, label: string, value: string, set: (v: string) => void, options: string[]) => (
    <label htmlFor={id}>
      {label}{' '}
      <select id={id} value={value} onChange={(e) => set(e.target.value)}>
        <option value="">all</option>
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </label>
  );
  return (
    <Page
      title="Orders and instructions"
      actions={
        <span className={`live live-${state}`} role="status" data-testid="feed-state">
          {state === 'open' ? '● live' : state === 'retrying' ? 'reconnecting…' : 'connecting…'}
        </span>
      }
    >
      <div className="filters">
        {select('o-source', 'Source', source, setSource, distinct(rows, 'source'))}
        {select('o-strategy', 'Strategy', strategy, setStrategy, distinct(rows, 'strategy'))}
        {select('o-status', 'Status', status, setStatus, distinct(rows, 'status'))}
        <label htmlFor="o-text">
          Search <input id="o-text" type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="id, symbol, client order id" />
        </label>
      </div>
      {shown.length === 0 ? (
        <p className="empty">
          {state === 'connecting' ? 'Connecting to the live feed…' : rows.length ? 'No instruction matches the filter.' : 'No instruction yet. New ones appear here as they arrive.'}
        </p>
      ) : (
        <Scroll label="Instructions">
          <table aria-live="polite">
            <caption className="sr-only">Instructions, newest first, updated live</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Instruction</th>
                <th scope="col">Source</th>
                <th scope="col">Strategy</th>
                <th scope="col">Action</th>
                <th scope="col" className="num">
                  Qty
                </th>
                <th scope="col">Status</th>
                <th scope="col">Broker order</th>
                <th scope="col" className="num">
                  Fill
                </th>
                <th scope="col">Workflow</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.id} data-testid={`instr-${r.clientOrderId}`} data-status={r.status}>
                  <td>{when(r.createdAt)}</td>
                  <td>
                    <code>{r.id}</code>
                    <br />
                    <span className="muted">
                      {r.clientName} · {r.clientOrderId}
                    </span>
                  </td>
                  <td>{r.source}</td>
                  <td>
                    {r.strategy} <span className="muted">{r.scheme}</span>
                  </td>
                  <td>
                    {r.action} {r.symbol}
                  </td>
                  <td className="num">{r.quantity}</td>
                  <td>
                    <StatusBadge status={r.status} />
                    {r.rejectReason && <div className="muted small">{r.rejectReason}</div>}
                  </td>
                  <td>{r.orderStatus ?? '—'}</td>
                  <td className="num">{r.filledQuantity ? `${r.filledQuantity} @ ${formatPrice(r.avgFillPrice)}` : '—'}</td>
                  <td>
                    {r.workflowUrl ? (
                      <a href={r.workflowUrl} target="_blank" rel="noreferrer noopener">
                        Temporal<span className="sr-only"> workflow {r.workflowId} (opens the Temporal Web UI)</span>
                      </a>
                    ) : (
                      <code className="small" title="no Temporal Web UI configured (TEMPORAL_UI_URL)">
                        {r.workflowId}
                      </code>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </Page>
  );
}
