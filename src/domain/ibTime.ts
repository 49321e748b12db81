/**
 * Interactive Brokers' time strings (pure). TWS prints an execution's time in its own zone as
 * "yyyyMMdd HH:mm:ss <zone>" (the zone an IANA name such as US/Eastern or America/New_York, or
 * EST/EDT for New York), older gateways with two spaces and no zone ("yyyyMMdd  HH:mm:ss",
 * New York), and "yyyyMMdd-HH:mm:ss" in UTC. @stoqey/ib passes the string through unparsed.
 *
 * The books compare such times with the broker's clock (reconciliation's as-of-snapshot rule),
 * so every instant is kept as ISO UTC: `ibTime` converts, and leaves an ISO string as it is.
 */
import { DateTime } from 'luxon';

const NEW_YORK = new Set(['US/Eastern', 'EST', 'EDT', 'EST5EDT', 'America/New_York']);

/** The instant of an IB time string (or of an ISO one), or null when it is neither. */
export function ibInstant(t: string): Date | null {
  const s = t.trim();
  const m = /^(\d{8})(?:\s+|-)(\d{2}:\d{2}:\d{2})(?:\s+(\S+))?$/.exec(s);
  if (!m) {
    // Already ISO (what the books store): only a full date-time with its offset is an instant.
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return null;
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const dashed = s.charAt(8) === '-';
  // The dashed form is UTC by definition; a zone after it would contradict it.
  if (dashed && m[3] && m[3] !== 'UTC' && m[3] !== 'GMT') return null;
  const zone = dashed ? 'UTC' : !m[3] || NEW_YORK.has(m[3]) ? 'America/New_York' : m[3];
  // Numbers, not a format string: luxon's fromFormat re-reads its format every call (~4× the cost;
  // one per execution on the order path, bench:e2e's profile).
  const [ymd, hms] = [m[1]!, m[2]!.split(':').map(Number)];
  const d = DateTime.fromObject({ year: Number(ymd.slice(0, 4)), month: Number(ymd.slice(4, 6)), day: Number(ymd.slice(6, 8)), hour: hms[0], minute: hms[1], second: hms[2] }, { zone });
  return d.isValid ? d.toJSDate() : null;
}

/** ISO UTC (with milliseconds) of an IB time string; a string that is not one is returned as it is. */
export function ibTime(t: string): string {
  const d = ibInstant(t);
  return d ? d.toISOString() : t;
}
