import { useState, type FormEvent } from 'react';
import { LineChart } from '../Chart';
import { Link, Loaded, Money, Page, useOperator, when, TableHead } from '../components';
import { kindLabel } from '../lib/tree';
import { navigate } from '../router';

interface Figures {
  openingCashCents: number;
  cashCents: number;
  equityCents: number;
  premiumCents: number;
  commissionsCents: number;
  realisedPnlCents: number;
  unrealisedPnlCents: number;
  netTransfersCents: number;
  curve: { date: string; equityCents: number }[];
  drawdown: { maxCents: number; maxPct: number; series: { date: string; drawdownCents: number }[] };
}
interface Report {
  kind: string;
  from: string;
  to: string;
  generatedAt: string;
  totals: Figures;
  families: (Figures & { familyId: string; name: string })[];
  accounts: (Figures & { accountId: string; kind: string })[];
}

export function ReportList() {
  const q = useOperator<{ reports: { id: string; kind: string; from: string; to: string; createdAt: string }[] }>('/reports', 30_000);
  const [kind, setKind] = useState<'daily' | 'weekly'>('daily');
  const [date, setDate] = useState('');
  const open = (e: FormEvent) => {
    e.preventDefault();
    if (/^\d{4}-\d{2}-\d{2}$/.test(date)) navigate(`/reports/${kind}/${date}`);
  };
  return (
    <Page title="Reports">
      <form className="filters" onSubmit={open} aria-label="Open a report">
        <label htmlFor="r-kind">
          Kind{' '}
          <select id="r-kind" value={kind} onChange={(e) => setKind(e.target.value as 'daily' | 'weekly')}>
            <option value="daily">daily</option>
            <option value="weekly">weekly</option>
          </select>
        </label>
        <label htmlFor="r-date">
          Date <input id="r-date" type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
        </label>
        <button type="submit">Open report</button>
      </form>
      <h2>Produced reports</h2>
      <Loaded q={q} what="reports">
        {(d) =>
          d.reports.length === 0 ? (
            <p className="empty">No report produced yet: the report schedules write one after each trading day and week. Any day can still be opened above (computed on demand, not stored).</p>
          ) : (
            <table>
              <TableHead caption="Stored reports, newest first" cols={['Kind', 'Period', 'Produced']} />
              <tbody>
                {d.reports.map((r) => (
                  <tr key={r.id}>
                    <td>{r.kind}</td>
                    <td>{r.kind === 'daily' || r.kind === 'weekly' ? <Link to={`/reports/${r.kind}/${r.from}`}>{r.from === r.to ? r.from : `${r.from} → ${r.to}`}</Link> : `${r.from} → ${r.to}`}</td>
                    <td>{when(r.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </Page>
  );
}

export function ReportView({ kind, date }: { kind: 'daily' | 'weekly'; date: string }) {
  // ?format=json explicitly: without it the operator route answers 400 (its parse() maps an absent format to {}).
  const q = useOperator<Report>(`/reports/${kind}/${date}?format=json`);
  return (
    <Page title={`${kind === 'daily' ? 'Daily' : 'Weekly'} report ${date}`} actions={<Link to="/reports">All reports</Link>}>
      <Loaded q={q} what="the report">
        {(r) => (
          <>
            <p className="muted">
              {r.from} → {r.to} · generated {when(r.generatedAt)}
            </p>
            <dl className="kv wide">
              <dt>Equity</dt>
              <dd>
                <Money cents={r.totals.equityCents} />
              </dd>
              <dt>Cash</dt>
              <dd>
                <Money cents={r.totals.cashCents} />
              </dd>
              <dt>Premium</dt>
              <dd>
                <Money cents={r.totals.premiumCents} sign />
              </dd>
              <dt>Commissions</dt>
              <dd>
                <Money cents={-r.totals.commissionsCents} sign />
              </dd>
              <dt>Realised P&amp;L</dt>
              <dd>
                <Money cents={r.totals.realisedPnlCents} sign />
              </dd>
              <dt>Unrealised P&amp;L</dt>
              <dd>
                <Money cents={r.totals.unrealisedPnlCents} sign />
              </dd>
              <dt>Max drawdown</dt>
              <dd>
                <Money cents={r.totals.drawdown.maxCents} /> ({(r.totals.drawdown.maxPct * 100).toFixed(2)} %)
              </dd>
            </dl>
            <div className="charts">
              <LineChart title="Equity curve" testId="chart-equity" series={r.totals.curve.map((p) => ({ x: p.date, y: p.equityCents }))} />
              <LineChart title="Drawdown" tone="drawdown" testId="chart-drawdown" series={r.totals.drawdown.series.map((p) => ({ x: p.date, y: -p.drawdownCents }))} />
            </div>
            <h2>Families</h2>
            {r.families.length === 0 ? (
              <p className="empty">No account family in this period.</p>
            ) : (
              <table>
                <TableHead caption="Per family" cols={['Family', '#Equity', '#Premium', '#Realised', '#Max drawdown']} />
                <tbody>
                  {r.families.map((f) => (
                    <tr key={f.familyId}>
                      <th scope="row">{f.name}</th>
                      <td className="num">
                        <Money cents={f.equityCents} />
                      </td>
                      <td className="num">
                        <Money cents={f.premiumCents} sign />
                      </td>
                      <td className="num">
                        <Money cents={f.realisedPnlCents} sign />
                      </td>
                      <td className="num">
                        <Money cents={f.drawdown.maxCents} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {r.accounts.length > 0 && (
              <details>
                <summary>Accounts ({r.accounts.length})</summary>
                <ul>
                  {r.accounts.map((a) => (
                    <li key={a.accountId}>
                      {kindLabel(a.kind)} {a.accountId}: equity <Money cents={a.equityCents} />
                    </li>
                  ))}
                </ul>
              </details>
            )}
          </>
        )}
      </Loaded>
    </Page>
  );
}
