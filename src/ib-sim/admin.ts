/**
 * Admin HTTP interface (JSON, node:http): lets an out-of-process test or an operator inspect
 * the simulator and inject faults. Same operations as the Simulator methods.
 *   GET  /orders  /positions  /executions  /account  /health
 *   POST /faults  {drop_connections|refuse_connections_ms|reject_next|delay_fills_ms|partial_fill_next|pacing}
 *   POST /clock   {advance_to|advance_ms|to_close|to_expiry}
 *   POST /price   {symbol, price}
 *   POST /assign  {symbol, expiry, strike, right, quantity}      assign a short option now (early / partial)
 *   POST /positions {symbol, secType, expiry?, strike?, right?, quantity, avgCost?}   a position nobody ordered
 *   POST /restart {fresh?}                                        gateway restart (state file kept unless fresh)
 *   GET  /pacing  historical requests, pacing (162) and line-limit (101) violations
 *   POST /bad_data {bad_bar: {symbol, date}|crossed_quote: {symbol}|chain_arbitrage: {symbol}|clear: true}
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger';
import type { BadData, ClockCommand, Fault, Simulator } from './api';

const MAX_BODY = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new HttpError(413, 'body too large'));
      else chunks.push(c);
    });
    req.on('end', () => {
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        const v: unknown = text ? JSON.parse(text) : {};
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
        resolve(v as Record<string, unknown>);
      } catch {
        reject(new HttpError(400, 'body must be a JSON object'));
      }
    });
    req.on('error', reject);
  });
}

const FAULT_KEYS = ['drop_connections', 'refuse_connections_ms', 'reject_next', 'delay_fills_ms', 'partial_fill_next', 'pacing'];
const CLOCK_KEYS = ['advance_to', 'advance_ms', 'to_close', 'to_expiry'];
const BAD_DATA_KEYS = ['bad_bar', 'crossed_quote', 'chain_arbitrage', 'clear'];

/** Exactly one known key, so a typo is a 400 rather than a silently ignored fault. */
function oneOf(body: Record<string, unknown>, keys: string[]): string {
  const present = Object.keys(body).filter((k) => keys.includes(k));
  if (present.length !== 1) throw new HttpError(400, `expected exactly one of ${keys.join(', ')}`);
  return present[0]!;
}

export async function startAdmin(sim: Simulator, port: number, host: string, log: Logger): Promise<{ port: number; close(): Promise<void> }> {
  const route = async (req: http.IncomingMessage): Promise<unknown> => {
    const path = (req.url ?? '/').split('?')[0];
    const key = `${req.method} ${path}`;
    switch (key) {
      case 'GET /health':
        return { ok: true, port: sim.port, now: sim.now().toISOString() };
      case 'GET /orders':
        return sim.orders();
      case 'GET /positions':
        return sim.positions();
      case 'GET /executions':
        return sim.executions();
      case 'GET /account':
        return { cash: sim.cash(), ...sim.accountSummary() };
      case 'POST /faults': {
        const body = await readJson(req);
        const k = oneOf(body, FAULT_KEYS);
        const v = body[k];
        const fault = { [k]: k === 'drop_connections' ? true : v } as Fault;
        try {
          sim.fault(fault);
        } catch (e) {
          throw new HttpError(400, (e as Error).message);
        }
        log.info('fault injected', { fault });
        return { ok: true, fault };
      }
      case 'POST /clock': {
        const body = await readJson(req);
        const k = oneOf(body, CLOCK_KEYS);
        try {
          const now = sim.clock({ [k]: k === 'to_close' || k === 'to_expiry' ? true : body[k] } as ClockCommand);
          return { ok: true, now: now.toISOString() };
        } catch (e) {
          throw new HttpError(400, (e as Error).message);
        }
      }
      case 'GET /pacing':
        return sim.pacingStats();
      case 'POST /bad_data': {
        const body = await readJson(req);
        const k = oneOf(body, BAD_DATA_KEYS);
        const v = body[k];
        if (k !== 'clear' && (typeof v !== 'object' || v === null || typeof (v as { symbol?: unknown }).symbol !== 'string'))
          throw new HttpError(400, `${k} needs {symbol: string${k === 'bad_bar' ? ', date: YYYY-MM-DD' : ''}}`);
        try {
          sim.badData({ [k]: k === 'clear' ? true : v } as BadData);
        } catch (e) {
          throw new HttpError(400, (e as Error).message);
        }
        log.info('bad data injected', { [k]: v });
        return { ok: true };
      }
      case 'POST /price': {
        const body = await readJson(req);
        const symbol = body.symbol;
        const price = Number(body.price);
        if (typeof symbol !== 'string' || !symbol || !(price > 0)) throw new HttpError(400, 'need {symbol: string, price: number > 0}');
        sim.setPrice(symbol, price);
        return { ok: true, symbol: symbol.toUpperCase(), price: sim.price(symbol) };
      }
      case 'POST /assign': {
        const b = await readJson(req);
        const strike = Number(b.strike);
        const quantity = Number(b.quantity);
        if (
          typeof b.symbol !== 'string' ||
          !b.symbol ||
          typeof b.expiry !== 'string' ||
          !/^\d{8}$/.test(b.expiry) ||
          !(strike > 0) ||
          (b.right !== 'C' && b.right !== 'P') ||
          !Number.isInteger(quantity) ||
          quantity < 1
        ) {
          throw new HttpError(400, 'need {symbol, expiry: YYYYMMDD, strike > 0, right: C|P, quantity: integer >= 1}');
        }
        try {
          sim.assign({ symbol: b.symbol, expiry: b.expiry, strike, right: b.right, quantity });
        } catch (e) {
          throw new HttpError(400, (e as Error).message);
        }
        log.info('assignment injected', { ...b });
        return { ok: true, positions: sim.positions(), cash: sim.cash() };
      }
      case 'POST /positions': {
        const b = await readJson(req);
        const quantity = Number(b.quantity);
        const avgCost = b.avgCost === undefined ? 0 : Number(b.avgCost);
        const opt = b.secType === 'OPT';
        if (
          typeof b.symbol !== 'string' ||
          !b.symbol ||
          (b.secType !== 'STK' && !opt) ||
          !Number.isInteger(quantity) ||
          quantity === 0 ||
          !(avgCost >= 0) ||
          (opt && (typeof b.expiry !== 'string' || !/^\d{8}$/.test(b.expiry) || !(Number(b.strike) > 0) || (b.right !== 'C' && b.right !== 'P')))
        ) {
          throw new HttpError(400, 'need {symbol, secType: STK|OPT, quantity: non-zero integer, avgCost?: >= 0} and for OPT {expiry: YYYYMMDD, strike > 0, right: C|P}');
        }
        const p = sim.addPosition({
          symbol: b.symbol,
          secType: b.secType as 'STK' | 'OPT',
          quantity,
          avgCost,
          ...(opt ? { expiry: b.expiry as string, strike: Number(b.strike), right: b.right as 'C' | 'P' } : {}),
        });
        log.warn('position added by hand', { ...b });
        return { ok: true, position: p };
      }
      case 'POST /restart': {
        const b = await readJson(req);
        const fresh = b.fresh === true;
        // Answer first: the restart closes every connection, this one's server included.
        setImmediate(() => {
          sim.restart({ fresh }).catch((e: unknown) => log.error('simulator restart failed', { error: e }));
        });
        return { ok: true, fresh };
      }
      default:
        throw new HttpError(404, `no route ${key}`);
    }
  };
  const server = http.createServer((req, res) => {
    route(req).then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      (e: unknown) => {
        const status = e instanceof HttpError ? e.status : 500;
        if (status === 500) log.error('admin request failed', { error: e });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: status, message: (e as Error).message } }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
