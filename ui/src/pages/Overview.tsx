import { Card, Loaded, Money, Page, Scroll, useOperator, when, TableHead } from '../components';
import { formatCents } from '../lib/money';
import { buildAccountTree, flattenTree, kindLabel, type FamilyIn, type TransferIn } from '../lib/tree';

interface ControlRow {
  scope: string;
  halted: boolean;
  reduceOnly: boolean;
  reason: string | null;
  updatedBy: string | null;
  updatedAt?: string;
}
export interface OverviewData {
  families: (FamilyIn & { accounts: (FamilyIn['accounts'][number] & { bufferShare: number })[] })[];
  transfers: TransferIn[];
  control: { global: ControlRow; scopes: ControlRow[] };
  broker: { connected: boolean } | null;
  cycle: { scheduleId: string; paused: boolean | null; lastRunAt: string | null; lastWorkflowId: string | null; nextRunAt: string | null; error: string | null };
  temporal: { namespace: string; uiUrl: string | null };
}

export function tradingState(c: ControlRow): { label: string; tone: 'good' | 'warn' | 'bad' } {
  if (c.halted) return { label: 'HALTED', tone: 'bad' };
  if (c.reduceOnly) return { label: 'REDUCE-ONLY', tone: 'warn' };
  return { label: 'LIVE', tone: 'good' };
}

export function Overview() {
  const q = useOperator<OverviewData>('/cc/overview', 5000);
  return (
    <Page title="Overview">
      <Loaded q={q} what="the overview">
        {(d) => {
          const state = tradingState(d.control.global);
          const nodes = flattenTree(buildAccountTree(d.families, d.transfers));
          return (
            <>
              <div className="cards">
                <Card title="Trading">
                  <p className={`state state-${state.tone}`} data-testid="trading-state">
                    {state.label}
                  </p>
                  <p className="muted">
                    {d.control.global.reason ?? 'no reason recorded'}
                    {d.control.global.updatedBy ? ` · by ${d.control.global.updatedBy}` : ''}
                  </p>
                  {d.control.scopes
                    .filter((s) => s.scope !== 'global' && (s.halted || s.reduceOnly))
                    .map((s) => (
                      <p key={s.scope} className="muted">
                        {s.scope}: {tradingState(s).label}
                      </p>
                    ))}
                </Card>
                <Card title="Broker">
                  {d.broker ? (
                    <p className={`state state-${d.broker.connected ? 'good' : 'bad'}`}>{d.broker.connected ? 'CONNECTED' : 'DISCONNECTED'}</p>
                  ) : (
                    <p className="muted">This API process holds no broker session (the worker runs elsewhere).</p>
                  )}
                </Card>
                <Card title="Weekly cycle">
                  {d.cycle.error ? (
                    <p className="error">Schedule unavailable: {d.cycle.error}</p>
                  ) : (
                    <dl className="kv">
                      <dt>Last run</dt>
                      <dd>{d.cycle.lastRunAt ? when(d.cycle.lastRunAt) : 'never yet'}</dd>
                      <dt>Next run</dt>
                      <dd>{when(d.cycle.nextRunAt)}</dd>
                      <dt>Schedule</dt>
                      <dd>
                        {d.cycle.scheduleId}
                        {d.cycle.paused ? ' (paused)' : ''}
                      </dd>
                    </dl>
                  )}
                </Card>
              </div>
              <h2>Account families</h2>
              {nodes.length === 0 ? (
                <p className="empty">
                  No account family yet. Open one with <code>POST /api/v1/operator/accounts</code> or <code>npm run accounts</code>.
                </p>
              ) : (
                <ul className="tree" aria-label="Account family tree">
                  {nodes.map((n) => (
                    <li key={n.family.id} className="family" style={{ marginLeft: `${n.depth * 1.5}rem` }} data-testid={`family-${n.family.id}`}>
                      <div className="family-head">
                        <strong>
                          {n.depth > 0 ? '↳ ' : ''}
                          {n.family.name}
                        </strong>{' '}
                        <span className="muted">
                          ({n.family.id}
                          {n.depth > 0 ? `, fork of ${n.family.parentFamilyId}` : ''}) · {n.family.status}
                        </span>
                        <span className="right">
                          equity <Money cents={n.equityCents} />
                          {n.children.length > 0 && (
                            <>
                              {' '}
                              · with forks <Money cents={n.subtreeEquityCents} />
                            </>
                          )}
                        </span>
                      </div>
                      <Scroll label={`Accounts of ${n.family.name}`}>
                        <table className="compact">
                          <TableHead caption={`Accounts of ${n.family.name}`} cols={['Account', 'Status', '#Base', '#Cash', '#Equity', '#Buffer']} />
                          <tbody>
                            {n.family.accounts.map((a) => (
                              <tr key={a.id}>
                                <th scope="row">
                                  {kindLabel(a.kind)} <span className="muted">{a.id}</span>
                                </th>
                                <td>{a.status}</td>
                                <td className="num">
                                  <Money cents={a.baseCents} />
                                </td>
                                <td className="num">
                                  <Money cents={a.cashCents} />
                                </td>
                                <td className="num">
                                  <Money cents={a.equityCents} />
                                </td>
                                <td className="num">
                                  <Money cents={a.bufferCents} />
                                </td>
                              </tr>
                            ))}
                          </tbody>
                        </table>
                      </Scroll>
                      {n.history.length > 0 && (
                        <details>
                          <summary>Fork and merge history ({n.history.length})</summary>
                          <ul>
                            {n.history.map((h) => (
                              <li key={h.key}>
                                {h.week ?? when(h.at)} · {h.reason} {formatCents(h.amountCents)} {h.from ?? '—'} → {h.to ?? '—'}
                              </li>
                            ))}
                          </ul>
                        </details>
                      )}
                    </li>
                  ))}
                </ul>
              )}
              <p className="muted small">
                Equity = cash + open positions at their average price (marks are on the Positions page). Buffer = the account kind's cash-buffer share of equity (protocol configuration).
              </p>
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}
