import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { apiPost, session } from '../api';
import { Card, Loaded, Page, useOperator, when } from '../components';
import { OPERATOR_NAME_RE } from '../lib/session';
import { tradingState, type OverviewData } from './Overview';

interface Action {
  title: string;
  description: string;
  confirm: string;
  danger?: boolean;
  run: (reason: string) => Promise<unknown>;
}

function ConfirmDialog({ action, onClose }: { action: Action; onClose: (done: string | null) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState(session.name());
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!OPERATOR_NAME_RE.test(name)) return setError('Your name: letters, digits, _ . @ - (1–64 characters).');
    setBusy(true);
    setError(null);
    try {
      session.setName(name);
      await action.run(reason.trim());
      ref.current?.close();
      onClose(`${action.title}: done`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} aria-labelledby="dlg-title" onCancel={() => onClose(null)}>
      <form onSubmit={(e) => void submit(e)}>
        <h2 id="dlg-title">{action.title}?</h2>
        <p>{action.description}</p>
        <label htmlFor="dlg-name">Your name (written to the audit log)</label>
        <input id="dlg-name" required value={name} onChange={(e) => setName(e.target.value)} autoComplete="username" />
        <label htmlFor="dlg-reason">Reason</label>
        <input id="dlg-reason" value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="buttons">
          <button type="button" className="secondary" onClick={() => (ref.current?.close(), onClose(null))}>
            Cancel
          </button>
          <button type="submit" className={action.danger ? 'danger' : ''} disabled={busy}>
            {busy ? 'Working…' : action.confirm}
          </button>
        </div>
      </form>
    </dialog>
  );
}

const reasonOr = (r: string) => (r ? { reason: r } : {});

export function Control() {
  const q = useOperator<OverviewData>('/cc/overview', 3000);
  const qc = useQueryClient();
  const [action, setAction] = useState<Action | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const refresh = () => qc.invalidateQueries();
  const halt: Action = {
    title: 'Halt trading',
    description: 'Every new instruction is rejected (KILL_SWITCH) until trading is resumed. Open orders stay open.',
    confirm: 'Halt trading',
    danger: true,
    run: (r) => apiPost('/halt', reasonOr(r)),
  };
  const resume: Action = { title: 'Resume trading', description: 'New instructions are accepted again.', confirm: 'Resume trading', run: (r) => apiPost('/resume', reasonOr(r)) };
  const reduce = (on: boolean): Action => ({
    title: on ? 'Enter reduce-only mode' : 'Leave reduce-only mode',
    description: on ? 'Only trades that close or reduce a position are accepted.' : 'Opening trades are accepted again.',
    confirm: on ? 'Enter reduce-only' : 'Leave reduce-only',
    danger: on,
    run: (r) => apiPost('/reduce-only', { enabled: on, ...reasonOr(r) }),
  });
  const cycle = (f: string, t: string): Action => ({
    title: `Run the weekly cycle ${f} → ${t}`,
    description: 'Starts the weekly cycle for every open family, week by week over the range (a backfill when the range is in the past). The same range started twice runs once.',
    confirm: 'Run the cycle',
    run: () => apiPost('/cycle/run', { from: f, to: t }),
  });
  return (
    <Page title="Control">
      {message && (
        <p className="ok" role="status">
          {message}
        </p>
      )}
      <Loaded q={q} what="the system state">
        {(d) => {
          const g = d.control.global;
          const state = tradingState(g);
          return (
            <div className="cards">
              <Card title="Kill switch">
                <p className={`state state-${state.tone}`} data-testid="control-state">
                  {state.label}
                </p>
                <p className="muted">{g.updatedBy ? `${g.reason ?? 'no reason'} · ${g.updatedBy} · ${when(g.updatedAt)}` : 'never switched'}</p>
                <div className="buttons">
                  {g.halted ? (
                    <button type="button" onClick={() => setAction(resume)}>
                      Resume trading
                    </button>
                  ) : (
                    <button type="button" className="danger" onClick={() => setAction(halt)}>
                      Halt trading
                    </button>
                  )}
                  <button type="button" className="secondary" onClick={() => setAction(reduce(!g.reduceOnly))}>
                    {g.reduceOnly ? 'Leave reduce-only' : 'Reduce-only'}
                  </button>
                </div>
              </Card>
              <Card title="Weekly cycle / backfill">
                <form
                  onSubmit={(e) => {
                    e.preventDefault();
                    if (from && to && from <= to) setAction(cycle(from, to));
                  }}
                >
                  <label htmlFor="c-from">From</label>
                  <input id="c-from" type="date" required value={from} onChange={(e) => setFrom(e.target.value)} />
                  <label htmlFor="c-to">To</label>
                  <input id="c-to" type="date" required value={to} min={from || undefined} onChange={(e) => setTo(e.target.value)} />
                  <div className="buttons">
                    <button type="submit">Run cycle…</button>
                  </div>
                </form>
                <p className="muted small">Next scheduled run: {when(d.cycle.nextRunAt)}</p>
              </Card>
              <Card title="Reconciliation">
                <p className="muted">Books against broker, with explained and unexplained differences: coming with issue 12 (no reconciliation endpoint exists yet).</p>
                <button type="button" disabled>
                  Run reconciliation
                </button>
              </Card>
            </div>
          );
        }}
      </Loaded>
      {action && (
        <ConfirmDialog
          action={action}
          onClose={(done) => {
            setAction(null);
            if (done) {
              setMessage(done);
              void refresh();
            }
          }}
        />
      )}
    </Page>
  );
}
