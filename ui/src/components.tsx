import { useQuery } from '@tanstack/react-query';
import { Component, type AnchorHTMLAttributes, type ReactNode } from 'react';
import { apiGet } from './api';
import { levelSwatch, statusSwatch, type Swatch } from './lib/levels';
import { formatCentsOrDash, pnlClass } from './lib/money';
import { BASE, navigate } from './router';

/** GET from the operator API through React Query (cached, refetched every `refetchMs` when given). */
export function useOperator<T>(path: string, refetchMs?: number) {
  return useQuery({ queryKey: [path], queryFn: () => apiGet<T>(path), refetchInterval: refetchMs });
}

export function Link({ to, children, ...rest }: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  return (
    <a
      href={`${BASE}${to}`}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(to);
      }}
      {...rest}
    >
      {children}
    </a>
  );
}

export function Page({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{title}</h1>
        {actions}
      </div>
      {children}
    </section>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorBox({ error }: { error: unknown }) {
  return (
    <div className="error" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** Renders the query's states: loading, error, else the children with its data. */
export function Loaded<T>({ q, what, children }: { q: { data?: T; error: unknown; isPending: boolean }; what: string; children: (d: T) => ReactNode }) {
  if (q.isPending) return <Loading what={what} />;
  if (q.error) return <ErrorBox error={q.error} />;
  return <>{children(q.data as T)}</>;
}

export function Money({ cents, sign }: { cents: number | null | undefined; sign?: boolean }) {
  return <span className={`num ${sign ? pnlClass(cents) : ''}`}>{formatCentsOrDash(cents, { sign })}</span>;
}

export function Badge({ swatch }: { swatch: Swatch }) {
  return (
    <span className="badge" style={{ color: swatch.fg, background: swatch.bg }} title={swatch.title}>
      {swatch.label}
    </span>
  );
}
export const LevelBadge = ({ level }: { level: number | null | undefined }) => <Badge swatch={levelSwatch(level)} />;
export const StatusBadge = ({ status }: { status: string }) => <Badge swatch={statusSwatch(status)} />;

export function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="card">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

/** An ISO instant as "YYYY-MM-DD HH:MM:SS UTC"; absent or the epoch (a default row never written) is "—". */
export const when = (iso: string | null | undefined) => (iso && Date.parse(iso) > 0 ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—');

/** A horizontally scrolling region (wide tables): focusable, so keyboard users can scroll it. */
export function Scroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/** A filter over a table's rows: "all" or one of the values the rows have. */
export function FilterSelect({ id, label, value, set, options }: { id: string; label: string; value: string; set: (v: string) => void; options: string[] }) {
  return (
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
}

/** A table's caption (for screen readers) and header row; a column named with a leading "#" is numeric (right-aligned). */
export function TableHead({ caption, cols }: { caption: ReactNode; cols: string[] }) {
  return (
    <>
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          {cols.map((c) => (
            <th key={c} scope="col" className={c.startsWith('#') ? 'num' : undefined}>
              {c.replace(/^#/, '')}
            </th>
          ))}
        </tr>
      </thead>
    </>
  );
}

/** One page failing to render (bad data) shows its error instead of blanking the whole app. */
export class PageBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    return this.state.error ? <ErrorBox error={new Error(`This page could not be shown: ${this.state.error.message}`)} /> : this.props.children;
  }
}
