/**
 * TCP side of the gateway: handshake, START_API, per-connection pacing, dispatch of requests to
 * handlers, and fan-out of order events to every connection of the order's clientId. A bad
 * message is answered with ERR_MSG and logged; it never takes the server down.
 */
import net from 'node:net';
import { Field, FieldError, Fields, encodeFrame, FrameReader, ProtocolError, SERVER_VERSION } from './codec';
import { SimCore } from './core';
import { errMsg, OUT, twsTime } from './messages';
import { RequestError } from './parse';
import type { SimContract } from './types';
import { SimPacing } from './pacing';
import type { AnchoredHistory } from './history';
import type { DailyRow } from './replay';

export type Handler = (c: Connection, t: string[]) => void;

const START_API = 71;

export class Connection {
  clientId: number | undefined;
  positionsSub = false;
  readonly accountSummary = new Map<number, string[]>();
  readonly mktData = new Map<number, SimContract>();
  private readonly reader = new FrameReader();
  private windowStart = 0;
  private windowCount = 0;

  constructor(
    readonly socket: net.Socket,
    private readonly server: GatewayServer,
  ) {}

  get started(): boolean {
    return this.clientId !== undefined;
  }

  send(frames: Field[][]): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    for (const f of frames) this.socket.write(encodeFrame(f));
  }

  onData(chunk: Buffer): void {
    let items;
    try {
      items = this.reader.feed(chunk);
    } catch (e) {
      // Stream-level corruption: a frame boundary is lost, so the connection cannot continue.
      this.server.core.log.warn('protocol error, closing connection', { error: (e as Error).message });
      this.socket.destroy();
      return;
    }
    for (const item of items) {
      if (item.kind === 'hello') {
        if (item.minVersion > SERVER_VERSION || item.maxVersion < SERVER_VERSION) {
          this.server.core.log.warn('client version range excludes 176, closing', { hello: item.raw });
          this.socket.destroy();
          return;
        }
        this.send([[SERVER_VERSION, twsTime(this.server.core.clock.now())]]);
      } else {
        this.server.handle(this, item.fields);
      }
    }
  }

  /** True when the message is within this second's budget (IB error 100 otherwise). */
  pace(limit: number): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount++;
    return this.windowCount <= limit;
  }
}

/** The id an error about this request should carry, so IBApiNext routes it to the caller. */
function requestIdOf(t: readonly string[]): number {
  const id = Number(t[0]);
  const pos = id === 3 || id === 20 || id === 78 ? 1 : id === 4 || id === 1 || id === 2 || id === 9 || id === 7 || id === 62 || id === 63 ? 2 : -1;
  const n = pos < 0 ? NaN : Number(t[pos]);
  return Number.isInteger(n) ? n : -1;
}

export class GatewayServer {
  readonly conns = new Set<Connection>();
  /** Connections arriving before this epoch-ms are refused (refuse_connections_ms fault). */
  refuseUntil = 0;
  pacingLimit = 50;
  /** IB's historical-data pacing and market-data line limit, across every connection. */
  pacing = new SimPacing();
  /** Daily history sources: anchored path, CSV replay by date, injected bad bars (`SYM|YYYY-MM-DD`). */
  readonly history: { mode: 'live' | 'anchored' | 'auto'; anchored?: AnchoredHistory; csv: Map<string, DailyRow[]>; badBars: Set<string> } = { mode: 'auto', csv: new Map(), badBars: new Set() };
  private readonly server: net.Server;
  private readonly handlers = new Map<number, Handler>();

  /** `handlerSets` (handlers.ts, requests.ts) are passed in by index.ts, so they and this module do not import each other. */
  constructor(
    readonly core: SimCore,
    readonly account: string,
    handlerSets: readonly ((srv: GatewayServer) => Array<[number, Handler]>)[],
  ) {
    this.server = net.createServer((s) => this.accept(s));
    core.sendToClient = (clientId, frames) => {
      for (const c of this.conns) if (c.clientId === clientId) c.send(frames);
    };
    for (const [id, h] of handlerSets.flatMap((set) => set(this))) this.handlers.set(id, h);
    this.handlers.set(START_API, (c, t) => this.startApi(c, t));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    this.dropConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  dropConnections(): void {
    for (const c of this.conns) c.socket.destroy();
    this.conns.clear();
  }

  private accept(socket: net.Socket): void {
    if (Date.now() < this.refuseUntil) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const conn = new Connection(socket, this);
    this.conns.add(conn);
    socket.on('data', (d) => conn.onData(d));
    socket.on('error', (e) => this.core.log.debug('socket error', { error: e.message }));
    // 'end' already counts as gone, so a client that reconnects at once is not refused with 326.
    socket.on('end', () => this.conns.delete(conn));
    socket.on('close', () => this.conns.delete(conn));
  }

  private startApi(c: Connection, t: string[]): void {
    const f = new Fields(t, 2);
    const clientId = f.int('clientId');
    for (const other of this.conns) {
      if (other !== c && other.clientId === clientId) {
        c.send([errMsg(-1, 326, 'Unable to connect as the client id is already in use. Retry with a unique client id.')]);
        c.socket.end();
        return;
      }
    }
    c.clientId = clientId;
    this.core.log.info('client connected', { clientId });
    // nextValidId is mandatory: the client's request queue stays paused until it arrives.
    c.send([
      [OUT.MANAGED_ACCTS, 1, this.account],
      [OUT.NEXT_VALID_ID, 1, this.core.book.nextValidId()],
      errMsg(-1, 2104, 'Market data farm connection is OK:usfarm'),
      errMsg(-1, 2106, 'HMDS data farm connection is OK:ushmds'),
      errMsg(-1, 2158, 'Sec-def data farm connection is OK:secdefnj'),
    ]);
  }

  handle(c: Connection, t: string[]): void {
    const id = Number(t[0]);
    if (!c.pace(this.pacingLimit)) {
      c.send([errMsg(requestIdOf(t), 100, `Max rate of messages per second has been exceeded:max=${this.pacingLimit}`)]);
      this.core.log.warn('pacing violation', { clientId: c.clientId, msgId: t[0] });
      return;
    }
    const h = this.handlers.get(id);
    try {
      if (!h) throw new FieldError(`unsupported message id "${t[0]}"`);
      if (id !== START_API && !c.started) throw new FieldError('request before START_API');
      h(c, t);
    } catch (e) {
      const reqId = (e as { orderId?: number }).orderId ?? requestIdOf(t);
      if (e instanceof RequestError) {
        c.send([errMsg(reqId, e.code, e.message)]);
        return;
      }
      const msg = e instanceof FieldError || e instanceof ProtocolError ? e.message : String((e as Error).stack ?? e);
      this.core.log.warn('malformed or failed request', { msgId: t[0], error: msg, fields: t.slice(0, 40) });
      c.send([errMsg(reqId, 320, `Error reading request. ${msg}`)]);
    }
  }
}
