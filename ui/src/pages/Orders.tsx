import { useEffect, useMemo, useState } from 'react';
import { followStream } from '../api';
import { Page, StatusBadge, when, Scroll, TableHead, FilterSelect } from '../components';
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
        <FilterSelect id="o-source" label="Source" value={source} set={setSource} options={distinct(rows, 'source')} />
        <FilterSelect id="o-strategy" label="Strategy" value={strategy} set={setStrategy} options={distinct(rows, 'strategy')} />
        <FilterSelect id="o-status" label="Status" value={status} set={setStatus} options={distinct(rows, 'status')} />
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
            <TableHead caption="Instructions, newest first, updated live" cols={['Created', 'Instruction', 'Source', 'Strategy', 'Action', '#Qty', 'Status', 'Broker order', '#Fill', 'Workflow']} />
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
