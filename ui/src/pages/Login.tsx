import { useState, type FormEvent } from 'react';
import { ApiError, tryLogin } from '../api';

export function Login({ onDone }: { onDone: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await tryLogin(token);
      onDone();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That operator token was refused.' : err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="login">
      <h1>ALL-USE command center</h1>
      <form onSubmit={(e) => void submit(e)} className="card">
        <label htmlFor="token">Operator token</label>
        <input id="token" name="token" type="password" autoComplete="off" required minLength={24} value={token} onChange={(e) => setToken(e.target.value)} />
        <p className="muted">
          The token of the operator API. With <code>npm start</code> and no <code>OPERATOR_TOKEN</code> set it is in <code>data/operator-token</code> (<code>cat data/operator-token</code>). It is kept
          in this tab only.
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
