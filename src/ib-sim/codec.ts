/**
 * TWS "V100+" wire codec (docs/IB-PROTOCOL.md §1): every frame is a big-endian uint32 length
 * followed by NUL-terminated UTF-8 fields. The client's hello is the one exception: "API\0"
 * followed by a normal length-prefixed "v100..193" without a trailing NUL.
 */

/** Java Double.MAX_VALUE as TWS prints it; the client maps it to `undefined` ("unset"). */
export const MAX_DOUBLE = '1.7976931348623157E308';
/** Java Integer.MAX_VALUE: "unset" for the client's readIntOrUndefined. */
export const MAX_INT = 2147483647;
export const MAX_PAYLOAD = 0xffffff;
export const SERVER_VERSION = 176;

export type Field = string | number | boolean | undefined | null;

function fieldText(f: Field): string {
  if (f === undefined || f === null) return '';
  // The client's readBool is !!parseInt(tok): "true" would decode as false (§4.5).
  if (typeof f === 'boolean') return f ? '1' : '0';
  if (typeof f === 'number') {
    if (!Number.isFinite(f)) return MAX_DOUBLE;
    // Trim binary-float noise (0.30000000000000004) without losing real precision.
    return Number.isInteger(f) ? String(f) : String(Number(f.toFixed(8)));
  }
  // A NUL inside a field would split it into two tokens and shift every later field.
  return f.replace(/\0/g, '');
}

/** One message → one frame. Every field, including the last, is followed by NUL (§4.1). */
export function encodeFrame(fields: readonly Field[]): Buffer {
  const payload = Buffer.from(fields.map((f) => fieldText(f) + '\0').join(''), 'utf8');
  if (payload.length > MAX_PAYLOAD) throw new Error(`payload of ${payload.length} bytes exceeds the frame limit`);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(payload.length, 0);
  return Buffer.concat([head, payload]);
}

export type Incoming = { kind: 'hello'; minVersion: number; maxVersion: number; raw: string } | { kind: 'message'; fields: string[] };

export class ProtocolError extends Error {}

/**
 * Incremental reader: feed it whatever TCP delivers (partial frames, several frames per chunk)
 * and it returns every complete item. Throws ProtocolError only for stream-level corruption
 * (bad hello, oversize frame) after which the stream cannot be resynchronised.
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  private helloDone: boolean;

  /** expectHello=false reads the server side of the stream (tests that speak raw TCP). */
  constructor(expectHello = true) {
    this.helloDone = !expectHello;
  }

  feed(chunk: Buffer): Incoming[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Incoming[] = [];
    for (;;) {
      if (!this.helloDone) {
        if (this.buf.length < 4) return out;
        if (this.buf.toString('latin1', 0, 4) !== 'API\0') throw new ProtocolError('connection did not start with "API\\0"');
        const frame = this.takeFrame(4);
        if (frame === null) return out;
        this.helloDone = true;
        out.push(parseHello(frame.toString('utf8')));
        continue;
      }
      const frame = this.takeFrame(0);
      if (frame === null) return out;
      const fields = frame.toString('utf8').split('\0');
      // The payload ends in NUL, so split leaves one empty string after the last field.
      if (fields.length > 0 && fields[fields.length - 1] === '') fields.pop();
      out.push({ kind: 'message', fields });
    }
  }

  private takeFrame(offset: number): Buffer | null {
    if (this.buf.length < offset + 4) return null;
    const len = this.buf.readUInt32BE(offset);
    if (len > MAX_PAYLOAD) throw new ProtocolError(`frame of ${len} bytes exceeds the limit`);
    if (this.buf.length < offset + 4 + len) return null;
    const frame = this.buf.subarray(offset + 4, offset + 4 + len);
    this.buf = this.buf.subarray(offset + 4 + len);
    return frame;
  }
}

/** "v100..193" or "v176", optionally followed by " <connectOptions>". */
export function parseHello(raw: string): Incoming {
  const m = /^v(\d+)(?:\.\.(\d+))?(?:\s.*)?$/.exec(raw.replace(/\0+$/, ''));
  if (!m) throw new ProtocolError(`bad hello "${raw}"`);
  const min = Number(m[1]);
  return { kind: 'hello', minVersion: min, maxVersion: m[2] === undefined ? min : Number(m[2]), raw };
}

/** Client hello bytes, as @stoqey/ib writes them (used by tests that speak raw TCP). */
export function encodeHello(range = 'v100..193'): Buffer {
  const body = Buffer.from(range, 'utf8');
  const head = Buffer.alloc(8);
  head.write('API\0', 0, 'latin1');
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** Token readers that never throw: they report what was wrong so the caller can answer ERR_MSG. */
export class Fields {
  constructor(
    readonly tokens: readonly string[],
    private pos = 0,
  ) {}
  get index(): number {
    return this.pos;
  }
  seek(i: number): this {
    this.pos = i;
    return this;
  }
  str(): string {
    return this.tokens[this.pos++] ?? '';
  }
  at(i: number): string {
    return this.tokens[i] ?? '';
  }
  int(name: string): number {
    const t = this.str();
    const n = Number(t);
    if (t === '' || !Number.isInteger(n)) throw new FieldError(`${name}: "${t}" is not an integer`);
    return n;
  }
  intOr(def: number): number {
    const t = this.str();
    const n = Number(t);
    return t === '' || !Number.isFinite(n) ? def : Math.trunc(n);
  }
}

export class FieldError extends Error {}

/** Optional numeric token: "" and the MAX sentinels mean "unset". */
export function optNumber(t: string | undefined): number | undefined {
  if (t === undefined || t === '') return undefined;
  const n = Number(t);
  if (!Number.isFinite(n) || n >= Number.MAX_VALUE || n === MAX_INT) return undefined;
  return n;
}
