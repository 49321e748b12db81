/**
 * The only way the UI talks to the server: the operator API with the operator's bearer token.
 * A 401 clears the session and sends the operator back to the login page.
 */
import { createSseParser, type SseEvent } from './lib/sse';
import { sessionOf } from './lib/session';

export const session = sessionOf(window.sessionStorage);
export const OPERATOR_API = '/api/v1/operator';

type Listener = () => void;
const logoutListeners = new Set<Listener>();
export const onLogout = (l: Listener) => (logoutListeners.add(l), () => void logoutListeners.delete(l));
export function logout(): void {
  session.clear();
  for (const l of logoutListeners) l();
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

async function request<T>(method: string, path: string, body?: unknown, token = session.token()): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && session.name()) headers['x-operator'] = session.name();
  const res = await fetch(`${OPERATOR_API}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  type ErrorBody = { error?: { code?: string; message?: string }; status?: string; message?: string } | null;
  let json: unknown = null;
  try {
    json = text ? (JSON.parse(text) as unknown) : null;
  } catch {
    json = null;
  }
  if (res.status === 401) {
    logout();
    throw new ApiError(401, 'OPERATOR_UNAUTHORIZED', 'the operator token was refused');
  }
  // Errors are { error: { code, message } }; validation errors { status: 'VALIDATION_FAILED', message, validation_errors }.
  const err = json as ErrorBody;
  if (!res.ok) throw new ApiError(res.status, err?.error?.code ?? err?.status ?? `HTTP_${res.status}`, err?.error?.message ?? err?.message ?? (text.slice(0, 200) || res.statusText));
  return json as T;
}

export const apiGet = <T>(path: string) => request<T>('GET', path);
export const apiPost = <T>(path: string, body: unknown) => request<T>('POST', path, body);

/** Checks a token before keeping it: the status endpoint answers 200 only to the right token. */
export async function tryLogin(token: string): Promise<void> {
  await request('GET', '/status', undefined, token.trim());
  session.setToken(token);
}

/**
 * Follows a server-sent-event stream of the operator API with the bearer header, reconnecting
 * with a bounded back-off (1 s doubling to 10 s). Returns a function that stops it.
 */
export function followStream(path: string, onEvent: (e: SseEvent) => void, onState: (s: 'open' | 'retrying') => void): () => void {
  const ctl = new AbortController();
  let stopped = false;
  let delay = 1000;
  const run = async () => {
    while (!stopped) {
      try {
        const res = await fetch(`${OPERATOR_API}${path}`, { headers: { authorization: `Bearer ${session.token() ?? ''}`, accept: 'text/event-stream' }, signal: ctl.signal });
        if (res.status === 401) return logout();
        if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
        onState('open');
        delay = 1000;
        const parser = createSseParser(onEvent);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        if (stopped) return;
      }
      onState('retrying');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };
  void run();
  return () => {
    stopped = true;
    ctl.abort();
  };
}
