/**
 * Per-client IP allowlists (CIDR, IPv4 and IPv6). node:net's BlockList does the matching;
 * IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`, what a dual-stack socket reports for an
 * IPv4 peer) are unwrapped first so `127.0.0.1/32` matches them, and vice versa.
 */
import { BlockList, isIP } from 'node:net';

const MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export function normalizeIp(ip: string): string {
  const m = MAPPED.exec(ip);
  return m ? m[1]! : ip;
}

/** Parses `addr` or `addr/prefix`; throws with a readable message when invalid. */
export function parseCidr(cidr: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const [rawAddr, rawPrefix] = cidr.trim().split('/');
  const address = normalizeIp(rawAddr ?? '');
  const v = isIP(address);
  if (!v) throw new RangeError(`not an IP address: ${cidr}`);
  const family = v === 4 ? 'ipv4' : 'ipv6';
  // A mapped IPv6 prefix (::ffff:a.b.c.d/12x) becomes the IPv4 prefix it covers.
  let prefix = rawPrefix === undefined ? (v === 4 ? 32 : 128) : Number(rawPrefix);
  if (MAPPED.test(rawAddr ?? '') && rawPrefix !== undefined) prefix -= 96;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (v === 4 ? 32 : 128) || (rawPrefix !== undefined && !/^\d+$/.test(rawPrefix))) throw new RangeError(`bad prefix length in ${cidr}`);
  return { address, prefix, family };
}

export function buildAllowList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const p = parseCidr(c);
    list.addSubnet(p.address, p.prefix, p.family);
  }
  return list;
}

const cache = new Map<string, BlockList>();

/** True when `ip` is inside one of `cidrs`; an empty list allows everyone. */
export function ipAllowed(ip: string | undefined, cidrs: readonly string[]): boolean {
  if (!cidrs.length) return true;
  if (!ip) return false;
  const key = cidrs.join(',');
  let list = cache.get(key);
  if (!list) {
    list = buildAllowList(cidrs);
    if (cache.size > 1000) cache.clear();
    cache.set(key, list);
  }
  const addr = normalizeIp(ip);
  const v = isIP(addr);
  if (!v) return false;
  return list.check(addr, v === 4 ? 'ipv4' : 'ipv6');
}
