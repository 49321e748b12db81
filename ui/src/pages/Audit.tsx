import { useState, type FormEvent } from 'react';
import { Loaded, Page, useOperator, when, Scroll, TableHead } from '../components';

interface AuditRow {
  id: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  detail: unknown;
  createdAt: string;
}

export function Audit() {
  const [text, setText] = useState('');
  const [search, setSearch] = useState('');
  const q = useOperator<{ entries: AuditRow[] }>(`/cc/audit?limit=200${search ? `&q=${encodeURIComponent(search)}` : ''}`, 10_000);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSearch(text.trim());
  };
  return (
    <Page title="Reconciliation and audit">
      <h2>Latest reconciliation</h2>
      <p className="empty">No reconciliation exists yet: books-against-broker reconciliation arrives with issue 12.</p>
      <h2>Audit log</h2>
      <form className="filters" role="search" onSubmit={submit}>
        <label htmlFor="a-q">
          Search actor, action or target <input id="a-q" type="search" value={text} onChange={(e) => setText(e.target.value)} maxLength={100} />
        </label>
        <button type="submit">Search</button>
      </form>
      <Loaded q={q} what="the audit log">
        {(d) =>
          d.entries.length === 0 ? (
            <p className="empty">{search ? `Nothing in the audit log matches “${search}”.` : 'The audit log is empty.'}</p>
          ) : (
            <Scroll label="Audit log">
              <table>
                <TableHead caption="Audit log, newest first" cols={['When', 'Actor', 'Action', 'Target', 'Outcome', 'Detail']} />
                <tbody>
                  {d.entries.map((e) => (
                    <tr key={e.id}>
                      <td>{when(e.createdAt)}</td>
                      <td>{e.actor}</td>
                      <td>{e.action}</td>
                      <td>{e.target ?? '—'}</td>
                      <td>{e.outcome}</td>
                      <td>
                        <code className="small">{e.detail ? JSON.stringify(e.detail).slice(0, 160) : ''}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Scroll>
          )
        }
      </Loaded>
    </Page>
  );
}
