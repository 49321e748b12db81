/**
 * Shared kit of the STAR-LAB API tests: the harness's one system, plus one in-process API
 * in AUTH_MODE=required on port 0 over the same Temporal client and database, and helpers
 * to mint clients and call it over real HTTP.
 */
import { randomUUID } from 'node:crypto';
import { createApp, startServer, type AppDeps, type RunningServer } from '../../src/api/app';
import { createTokenService } from '../../src/api/tokens';
import { createApiClient, type NewClient } from '../../src/db/apiClients';
import { createLogger } from '../../src/logger';
import type { System } from '../../src/system';
import { getSystem, until, type Json } from './_system';
import { seedInstruction } from '../fixtures/instructions';

export const BASE = '/api/v1/starlab_interface';
export const TOKEN_SECRET = 'test-secret-'.padEnd(48, 'x');

export interface Secured {
  sys: System;
  api: RunningServer;
}

let secured: Promise<Secured> | undefined;

export function appDeps(sys: System, extra: Partial<AppDeps> = {}): AppDeps {
  return {
    temporal: sys.client,
    prisma: sys.prisma,
    taskQueue: sys.config.temporalTaskQueue,
    logger: createLogger('test', sys.config.logLevel),
    auth: { mode: 'required', tokens: createTokenService(TOKEN_SECRET, 900), rateLimitPerMinute: 100_000 },
    marketData: sys.broker.marketData,
    ...extra,
  };
}

/** The required-auth API shared by the api-* tests (closed with the process). */
export function securedApi(): Promise<Secured> {
  secured ??= (async () => {
    const sys = await getSystem();
    const api = await startServer(createApp(appDeps(sys)), 0);
    after(() => api.close());
    return { sys, api };
  })();
  return secured;
}

let n = 0;
export const uniq = (p: string): string => `${p}_${process.pid}_${Date.now().toString(36)}_${n++}`;

export interface TestClient {
  name: string;
  key: string;
  clientId: string;
  secret: string;
  auth: Record<string, string>;
}

export async function newClient(sys: System, o: Partial<NewClient> = {}): Promise<TestClient> {
  const name = o.name ?? uniq('client');
  const c = await createApiClient(sys.prisma, { name, strategies: ['*'], scopes: ['trade', 'read', 'data'], ...o });
  return { name, key: c.api_key, clientId: c.client_id, secret: c.client_secret, auth: { authorization: `Bearer ${c.api_key}` } };
}

export interface Answer {
  status: number;
  body: Json;
  headers: Headers;
}

export async function call(api: RunningServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A seed-shaped instruction for `strategy` (MARKET unless overridden). */
export function instruction(strategy: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return seedInstruction({ starlab_strategy_id: strategy, client_order_id: `coid_${randomUUID()}`, ...over });
}

export async function submit(s: Secured, c: TestClient, body: Record<string, unknown>): Promise<Answer> {
  return call(s.api, 'POST', `${BASE}/trading/submit_trade_instruction`, body, c.auth);
}

export async function waitStatus(s: Secured, c: TestClient, id: string, want: string[], timeoutMs = 30_000): Promise<Json> {
  return until(
    async () => {
      const r = await call(s.api, 'GET', `${BASE}/trading/order_status/${id}`, undefined, c.auth);
      return r.status === 200 && want.includes(r.body.status) ? r.body : undefined;
    },
    timeoutMs,
    `order ${id} to be ${want.join('|')}`,
  );
}

/** Submits and waits for a terminal status; returns the final order status body. */
export async function trade(s: Secured, c: TestClient, body: Record<string, unknown>, want = ['FILLED']): Promise<Json> {
  const ack = await submit(s, c, body);
  if (ack.status !== 201) throw new Error(`submit answered ${ack.status}: ${JSON.stringify(ack.body)}`);
  return waitStatus(s, c, ack.body.all_use_order_id, want);
}

/**
 * A LIMIT price `factor` × the broker's current mid of `body`'s contract, inside the ±20 %
 * risk band (PROTOCOL §5): a buy at 0.85 rests and at 1.1 fills; a sell the other way round.
 */
export async function nearMid(s: Secured, body: Record<string, unknown>, factor: number): Promise<number> {
  const md = s.sys.broker.marketData!;
  const action = String(body.trade_action);
  const symbol = String(body.symbol);
  const q = action.endsWith('_STOCK')
    ? await md.stockQuote(symbol)
    : await md.optionQuote(symbol, String(body.expiration_date).replaceAll('-', ''), Number(body.strike_price), action.endsWith('_CALL') ? 'C' : 'P');
  const mid = q.bid > 0 && q.ask > 0 ? (q.bid + q.ask) / 2 : q.last;
  if (!(mid > 0)) throw new Error(`no quote for ${JSON.stringify(body)}`);
  return Math.max(0.01, Math.round(mid * factor * 100) / 100);
}

/** `body` as a LIMIT order at `factor` × mid (see nearMid). */
export async function limitNear(s: Secured, body: Record<string, unknown>, factor: number, over: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const b = { ...body, order_type: 'LIMIT', ...over };
  return { ...b, limit_price: await nearMid(s, b, factor) };
}
