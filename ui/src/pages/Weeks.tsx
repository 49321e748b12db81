import { Loaded, Page, useOperator, when, Scroll, TableHead } from '../components';
import { weekGrid, weekTypeTone, type WeekTypeIn } from '../lib/weeks';

interface WeeksData {
  accounts: { id: string; familyId: string; kind: string }[];
  weekTypes: WeekTypeIn[];
  runs: { workflowId: string; type: string; status: string; startTime: string | null; closeTime: string | null; url: string | null }[];
  runsError: string | null;
}

export function Weeks() {
  const q = useOperator<WeeksData>('/cc/weeks', 15_000);
  return (
    <Page title="Weeks">
      <Loaded q={q} what="weeks">
        {(d) => {
          const g = weekGrid(
            d.weekTypes,
            d.accounts.map((a) => a.id),
          );
          return (
            <>
              <h2>Week types per account</h2>
              {g.weeks.length === 0 ? (
                <p className="empty">No week has been classified yet: week types are recorded at each weekly close (PROTOCOL §3).</p>
              ) : (
                <Scroll label="Week types">
                  <table className="calendar">
                    <caption className="sr-only">Week types, one row per ISO week, one column per account</caption>
                    <thead>
                      <tr>
                        <th scope="col">Week</th>
                        {g.accounts.map((a) => (
                          <th key={a} scope="col">
                            {a}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {g.weeks.map((w) => (
                        <tr key={w}>
                          <th scope="row">{w}</th>
                          {g.accounts.map((a) => (
                            <td key={a}>
                              {g.cell(w, a).map((c) => (
                                <span key={c.symbol} className={`wt wt-${weekTypeTone(c.type)}`}>
                                  {c.symbol} {c.type}
                                </span>
                              ))}
                            </td>
                          ))}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </Scroll>
              )}
              <h2>Weekly cycle runs</h2>
              {d.runsError && <p className="error">Temporal did not answer: {d.runsError}</p>}
              {d.runs.length === 0 ? (
                <p className="empty">No weekly cycle has run yet.</p>
              ) : (
                <table>
                  <TableHead caption="Weekly cycle workflows, newest first" cols={['Workflow', 'Type', 'Status', 'Started', 'Closed']} />
                  <tbody>
                    {d.runs.map((r) => (
                      <tr key={r.workflowId}>
                        <td>
                          {r.url ? (
                            <a href={r.url} target="_blank" rel="noreferrer noopener">
                              {r.workflowId}
                            </a>
                          ) : (
                            <code>{r.workflowId}</code>
                          )}
                        </td>
                        <td>{r.type}</td>
                        <td>{r.status}</td>
                        <td>{when(r.startTime)}</td>
                        <td>{when(r.closeTime)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}
