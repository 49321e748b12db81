import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { logout, onLogout, session } from './api';
import { Link, PageBoundary } from './components';
import { Login } from './pages/Login';
import { Overview } from './pages/Overview';
import { Positions } from './pages/Positions';
import { Orders } from './pages/Orders';
import { Weeks } from './pages/Weeks';
import { Starlab } from './pages/Starlab';
import { ReportList, ReportView } from './pages/Reports';
import { Control } from './pages/Control';
import { Configuration } from './pages/Configuration';
import { Audit } from './pages/Audit';
import { Data } from './pages/Data';
import { usePath } from './router';

export const PAGES: { path: string; label: string }[] = [
  { path: '/', label: 'Overview' },
  { path: '/positions', label: 'Positions' },
  { path: '/orders', label: 'Orders' },
  { path: '/weeks', label: 'Weeks' },
  { path: '/starlab', label: 'STAR-LAB' },
  { path: '/reports', label: 'Reports' },
  { path: '/control', label: 'Control' },
  { path: '/config', label: 'Configuration' },
  { path: '/audit', label: 'Audit' },
  { path: '/data', label: 'Data' },
];

function route(path: string): ReactNode {
  const report = /^\/reports\/(daily|weekly)\/(\d{4}-\d{2}-\d{2})$/.exec(path);
  if (report) return <ReportView kind={report[1] as 'daily' | 'weekly'} date={report[2]!} />;
  switch (path) {
    case '/':
      return <Overview />;
    case '/positions':
      return <Positions />;
    case '/orders':
      return <Orders />;
    case '/weeks':
      return <Weeks />;
    case '/starlab':
      return <Starlab />;
    case '/reports':
      return <ReportList />;
    case '/control':
      return <Control />;
    case '/config':
      return <Configuration />;
    case '/audit':
      return <Audit />;
    case '/data':
      return <Data />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            No page at {path}. <Link to="/">Back to the overview</Link>.
          </p>
        </section>
      );
  }
}

export function App() {
  const [authed, setAuthed] = useState(() => !!session.token());
  const path = usePath();
  const qc = useQueryClient();
  useEffect(
    () =>
      onLogout(() => {
        qc.clear();
        setAuthed(false);
      }),
    [qc],
  );
  useEffect(() => {
    const label = PAGES.find((p) => p.path === path)?.label ?? (path.startsWith('/reports/') ? 'Report' : 'Command center');
    document.title = authed ? `${label} · ALL-USE command center` : 'Log in · ALL-USE command center';
  }, [path, authed]);

  if (!authed) return <Login onDone={() => setAuthed(true)} />;
  const active = (p: string) => (p === '/' ? path === '/' : path === p || path.startsWith(`${p}/`));
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">ALL-USE command center</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <Link to={p.path} aria-current={active(p.path) ? 'page' : undefined}>
                  {p.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="link" onClick={() => logout()}>
          Log out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <PageBoundary key={path}>{route(path)}</PageBoundary>
      </main>
    </>
  );
}
