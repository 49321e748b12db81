import { useMemo, useState } from 'react';
import { LevelBadge, Loaded, Money, Page, useOperator, Scroll, FilterSelect } from '../components';
import { formatPrice } from '../lib/money';
import { distinct, sortRows, type SortDir } from '../lib/table';

interface PositionRow {
  ownerKind: string;
  ownerId: string;
  symbol: string;
  secType: string;
  expiry: string;
  strike: string;
  right: string;
  quantity: number;
  avgPrice: string;
  mark: string | null;
  markSource: string | null;
  unrealisedPnlCents: number | null;
  realizedPnlCents: number;
  delta: number | null;
  positionDelta: number | null;
  iv: number | null;
  level: number | null;
  source: string | null;
}

const COLUMNS: { key: keyof PositionRow; label: string; num?: boolean }[] = [
  { key: 'ownerId', label: 'Account / strategy' },
  { key: 'symbol', label: 'Symbol' },
  { key: 'secType', label: 'Type' },
  { key: 'expiry', label: 'Expiry' },
  { key: 'strike', label: 'Strike', num: true },
  { key: 'right', label: 'Right' },
  { key: 'quantity', label: 'Qty', num: true },
  { key: 'avgPrice', label: 'Avg price', num: true },
  { key: 'mark', label: 'Mark', num: true },
  { key: 'delta', label: 'Delta', num: true },
  { key: 'positionDelta', label: 'Position delta', num: true },
  { key: 'iv', label: 'IV', num: true },
  { key: 'unrealisedPnlCents', label: 'Unrealised P&L', num: true },
  { key: 'realizedPnlCents', label: 'Realised P&L', num: true },
  { key: 'level', label: 'Level' },
  { key: 'source', label: 'Source' },
];

const fixed = (v: number | null, dp: number) => (v === null ? '—' : v.toFixed(dp));

export function Positions() {
  const q = useOperator<{ positions: PositionRow[]; levelsError: string | null }>('/cc/positions', 10_000);
  const [owner, setOwner] = useState('');
  const [symbol, setSymbol] = useState('');
  const [source, setSource] = useState('');
  const [sort, setSort] = useState<{ key: keyof PositionRow; dir: SortDir }>({ key: 'ownerId', dir: 'asc' });
  const rows = q.data?.positions ?? [];
  const shown = useMemo(
    () =>
      sortRows(
        rows.filter((r) => (!owner || r.ownerId === owner) && (!symbol || r.symbol === symbol) && (!source || r.source === source)),
        sort.key,
        sort.dir,
      ),
    [rows, owner, symbol, source, sort],
  );
  return (
    <Page title="Positions">
      <Loaded q={q} what="positions">
        {(d) => (
          <>
            <div className="filters">
              <FilterSelect id="f-owner" label="Account" value={owner} set={setOwner} options={distinct(rows, 'ownerId')} />
              <FilterSelect id="f-symbol" label="Underlying" value={symbol} set={setSymbol} options={distinct(rows, 'symbol')} />
              <FilterSelect id="f-source" label="Source" value={source} set={setSource} options={distinct(rows, 'source')} />
            </div>
            {d.levelsError && <p className="muted">Levels unavailable: {d.levelsError}</p>}
            {shown.length === 0 ? (
              <p className="empty">No open position{rows.length ? ' matches the filter' : ''}.</p>
            ) : (
              <Scroll label="Positions">
                <table>
                  <caption className="sr-only">
                    Open positions, sorted by {String(sort.key)} {sort.dir}
                  </caption>
                  <thead>
                    <tr>
                      {COLUMNS.map((c) => (
                        <th key={c.key} scope="col" className={c.num ? 'num' : ''} aria-sort={sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
                          <button type="button" className="sort" onClick={() => setSort((s) => ({ key: c.key, dir: s.key === c.key && s.dir === 'asc' ? 'desc' : 'asc' }))}>
                            {c.label}
                          </button>
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((p) => (
                      <tr key={`${p.ownerKind}:${p.ownerId}:${p.symbol}:${p.secType}:${p.expiry}:${p.strike}:${p.right}`}>
                        <td>
                          {p.ownerId} <span className="muted">{p.ownerKind === 'ACCOUNT' ? 'account' : 'strategy'}</span>
                        </td>
                        <td>{p.symbol}</td>
                        <td>{p.secType}</td>
                        <td>{p.expiry || '—'}</td>
                        <td className="num">{p.secType === 'OPT' ? formatPrice(p.strike) : '—'}</td>
                        <td>{p.right || '—'}</td>
                        <td className="num">{p.quantity}</td>
                        <td className="num">{formatPrice(p.avgPrice)}</td>
                        <td className="num" title={p.markSource ?? 'no mark'}>
                          {formatPrice(p.mark)}
                        </td>
                        <td className="num">{fixed(p.delta, 3)}</td>
                        <td className="num">{fixed(p.positionDelta, 1)}</td>
                        <td className="num">{p.iv === null ? '—' : `${(p.iv * 100).toFixed(1)} %`}</td>
                        <td className="num">
                          <Money cents={p.unrealisedPnlCents} sign />
                        </td>
                        <td className="num">
                          <Money cents={p.realizedPnlCents} sign />
                        </td>
                        <td>
                          <LevelBadge level={p.level} />
                        </td>
                        <td>{p.source ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Scroll>
            )}
            <p className="muted small">
              Levels come from the running position monitors (engine-managed short options). Delta and implied volatility are the broker's model values for options (a share has delta 1); position
              delta is in shares. Other greeks are not provided by the broker port.
            </p>
          </>
        )}
      </Loaded>
    </Page>
  );
}
