/**
 * The position monitor's rules (PROTOCOL §2), pure: when the market is open for a check, when
 * to look next (level 0 daily, level ≥ 1 hourly: cadences from ProtocolConfig.monitor, exchange
 * hours and holidays from the calendar), which positions to roll now, when a "no net credit"
 * verdict stops holding, and whether an unfilled roll is retried or given up.
 * The workflow only orchestrates: it runs the actions these return.
 */
import { DateTime } from 'luxon';
import { addDays, marketSession, type IsoDate, type SessionTimes } from './calendar';
import type { ProtocolConfig } from './config';
import type { MonitorAction, MonitorState, NoCreditMark, PositionLevel, RollAttemptResult } from '../contracts/workflows/positionMonitor';

export type MarketHours = ProtocolConfig['market'];
export type MonitorCadence = Pick<ProtocolConfig['monitor'], 'watchEveryMinutes' | 'holdEveryMinutes'>;

/** The exchange-local calendar day of an instant. */
export const exchangeDay = (at: string, hours: Pick<MarketHours, 'timeZone'>): IsoDate => DateTime.fromISO(at, { zone: 'utc' }).setZone(hours.timeZone).toISODate()!;

/** The session in progress at `at`, or null when the market is closed then (night, weekend, holiday, after an early close). */
export function sessionAt(at: string, hours: MarketHours): SessionTimes | null {
  const s = marketSession(exchangeDay(at, hours), hours);
  const t = Date.parse(at);
  return s && Date.parse(s.openUtc) <= t && t < Date.parse(s.closeUtc) ? s : null;
}

/** The first session open at or after `at` (searching three weeks: longer closures do not occur). */
export function nextOpenAt(at: string, hours: MarketHours): string {
  const t = Date.parse(at);
  const first = exchangeDay(at, hours);
  for (let i = 0; i < 21; i++) {
    const s = marketSession(addDays(first, i), hours);
    if (s && Date.parse(s.openUtc) >= t) return s.openUtc;
  }
  throw new RangeError(`no market session within three weeks of ${at}`);
}

/**
 * When the monitor looks next, from a check at `now` (or a wake-up while closed): level ≥ 1
 * every `watchEveryMinutes`, else every `holdEveryMinutes`; an instant outside market hours
 * becomes the next session's open. Closed now: the next open.
 */
export function nextCheckAt(now: string, maxLevel: number, cadence: MonitorCadence, hours: MarketHours): string {
  if (!sessionAt(now, hours)) return nextOpenAt(now, hours);
  const minutes = maxLevel >= 1 ? cadence.watchEveryMinutes : cadence.holdEveryMinutes;
  const at = new Date(Date.parse(now) + minutes * 60_000).toISOString();
  return sessionAt(at, hours) ? at : nextOpenAt(at, hours);
}

/**
 * "No net credit" marks that still hold: the same position, at the same level, with the same
 * adverse move (the underlying has not moved), on the same trading day. Anything else is a new
 * market in which the next expiry may pay a credit, so the roll is priced again.
 */
export function standingNoCredit(marks: readonly NoCreditMark[], levels: readonly PositionLevel[], day: IsoDate): NoCreditMark[] {
  return marks.filter((m) => {
    const p = levels.find((l) => l.key === m.key);
    return p !== undefined && p.level === m.level && p.moveCents === m.moveCents && m.day === day;
  });
}

/**
 * One check's decisions from the levels now and the state so far: level 3 enters recovery (no
 * more rolls); level 2 rolls unless already rolled, in recovery, given up, or held for no
 * credit in an unchanged market; a roll whose close filled but whose open did not re-places
 * the open; an unfilled roll is retried until `maxRollAttempts` attempts, then given up.
 */
export function planMonitorCheck(state: MonitorState, levels: readonly PositionLevel[], day: IsoDate, maxRollAttempts: number): { state: MonitorState; actions: MonitorAction[] } {
  const noCredit = standingNoCredit(state.noCredit, levels, day);
  const recovery = [...state.recovery];
  const gaveUp = [...state.gaveUp];
  const actions: MonitorAction[] = [];
  const pending = state.pending.filter((r) => !gaveUp.some((g) => g.key === r.key));
  for (const r of pending) {
    if (r.attempts >= maxRollAttempts) {
      gaveUp.push({ key: r.key, attempts: r.attempts, reason: `${r.attempts} attempts did not fill (last: ${r.lastReason ?? 'unfilled'})` });
    } else if (r.openClientOrderId) actions.push({ kind: 'OPEN', key: r.key, attempt: r.attempts + 1, openClientOrderId: r.openClientOrderId });
  }
  for (const p of levels) {
    if (p.level === 3 && !recovery.includes(p.key)) recovery.push(p.key);
    if (p.level !== 2) continue;
    if (state.rolled.includes(p.key) || recovery.includes(p.key) || gaveUp.some((g) => g.key === p.key) || noCredit.some((m) => m.key === p.key)) continue;
    const r = pending.find((x) => x.key === p.key);
    if (r?.openClientOrderId) continue; // closed already: only its open is outstanding
    if (r && r.attempts >= maxRollAttempts) continue;
    actions.push({ kind: 'ROLL', key: p.key, attempt: (r?.attempts ?? 0) + 1, position: p });
  }
  const stillPending = pending.filter((r) => !gaveUp.some((g) => g.key === r.key));
  return { state: { ...state, levels: [...levels], noCredit, recovery, gaveUp, pending: stillPending }, actions };
}

/**
 * A check's roll results applied to the state: both legs filled → rolled; the close filled but
 * not the open → the open is outstanding (re-placed next check); nothing filled → retried next
 * check; no credit → held until the market changes. Each placed attempt counts.
 */
export function applyRollResults(state: MonitorState, results: readonly RollAttemptResult[], day: IsoDate): MonitorState {
  const s: MonitorState = { ...state, rolled: [...state.rolled], noCredit: [...state.noCredit], pending: state.pending.filter((r) => !results.some((x) => x.key === r.key)) };
  for (const r of results) {
    if (r.outcome === 'NO_CREDIT') {
      const p = state.levels.find((l) => l.key === r.key);
      if (p) s.noCredit.push({ key: r.key, level: p.level, moveCents: p.moveCents, day });
      const was = state.pending.find((x) => x.key === r.key);
      if (was) s.pending.push(was); // an earlier attempt's count stands
      continue;
    }
    const closed = r.kind === 'OPEN' || r.close?.status === 'FILLED';
    const opened = r.open?.status === 'FILLED';
    if (closed && opened) {
      s.rolled.push(r.key);
      continue;
    }
    const failed = closed ? r.open : r.close;
    s.pending.push({
      key: r.key,
      attempts: r.attempt,
      ...(closed && r.openClientOrderId ? { openClientOrderId: r.openClientOrderId } : {}),
      lastReason: failed ? `${closed ? 'open' : 'close'} ${failed.status}${failed.reason ? `: ${failed.reason}` : ''}` : 'not placed',
    });
  }
  return s;
}
