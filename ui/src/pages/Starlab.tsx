import { Loaded, Money, Page, useOperator, when, TableHead } from '../components';

/** The strategy a notification names (whichever key STAR-LAB used), as text. */
function strategyOf(body: Record<string, unknown> | null): string {
  const v = body?.strategy_id ?? body?.starlab_strategy_id ?? body?.strategy;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : v == null ? '—' : JSON.stringify(v);
}

interface StarlabData {
  clients: { name: string; clientId: string; strategies: string[]; scopes: string[]; rateLimitPerMinute: number | null; createdAt: string; revokedAt: string | null }[];
  strategies: { clientName: string; strategy: string; schemes: string[]; instructions: Record<string, number>; realisedPnlCents: number; positions: number }[];
  notifications: { id: string; client_name: string; status: string; body: Record<string, unknown> | null; created_at: string }[];
}

export function Starlab() {
  const q = useOperator<StarlabData>('/cc/starlab', 10_000);
  return (
    <Page title="STAR-LAB">
      <Loaded q={q} what="STAR-LAB">
        {(d) => (
          <>
            <h2>Clients</h2>
            {d.clients.length === 0 ? (
              <p className="empty">
                No STAR-LAB client registered (<code>npm run apikey</code> issues one).
              </p>
            ) : (
              <table>
                <TableHead caption="STAR-LAB API clients" cols={['Client', 'Strategies', 'Scopes', 'Created', 'State']} />
                <tbody>
                  {d.clients.map((c) => (
                    <tr key={c.name}>
                      <th scope="row">
                        {c.name} <span className="muted">{c.clientId}</span>
                      </th>
                      <td>{c.strategies.join(', ') || 'any'}</td>
                      <td>{c.scopes.join(', ')}</td>
                      <td>{when(c.createdAt)}</td>
                      <td>{c.revokedAt ? `revoked ${when(c.revokedAt)}` : 'active'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <h2>Strategies</h2>
            {d.strategies.length === 0 ? (
              <p className="empty">No STAR-LAB instruction received yet.</p>
            ) : (
              <table>
                <TableHead caption="STAR-LAB strategies with their instructions and realised P&L" cols={['Client', 'Strategy', 'Scheme', 'Instructions by status', '#Positions', '#Realised P&L']} />
                <tbody>
                  {d.strategies.map((s) => (
                    <tr key={`${s.clientName}:${s.strategy}`}>
                      <td>{s.clientName}</td>
                      <th scope="row">{s.strategy}</th>
                      <td>{s.schemes.join(', ')}</td>
                      <td>
                        {Object.entries(s.instructions)
                          .map(([k, v]) => `${k} ${v}`)
                          .join(' · ')}
                      </td>
                      <td className="num">{s.positions}</td>
                      <td className="num">
                        <Money cents={s.realisedPnlCents} sign />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <h2>Validated-strategy notifications</h2>
            <p className="muted small">Read-only here: accepting or dismissing a notification arrives with the operator notifications route (issue 18).</p>
            {d.notifications.length === 0 ? (
              <p className="empty">No notification from STAR-LAB.</p>
            ) : (
              <table>
                <TableHead caption="Strategy notifications, newest first" cols={['Received', 'Client', 'Strategy', 'Status']} />
                <tbody>
                  {d.notifications.map((n) => (
                    <tr key={n.id}>
                      <td>{when(n.created_at)}</td>
                      <td>{n.client_name}</td>
                      <td>{strategyOf(n.body)}</td>
                      <td>{n.status}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </Loaded>
    </Page>
  );
}
