/**
 * Wall-clock ↔ UTC conversions in an IANA time zone with nothing but Intl (no dependency), correct
 * across daylight-saving changes. Pure functions; offsets are memoised per 15-minute bucket because
 * every tzdb transition falls on a quarter hour, and formatToParts is the expensive part.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
const BUCKET = 15 * MINUTE;
const MAX_CACHED_OFFSETS = 50_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The canonical name of a valid IANA zone ("europe/paris" → "Europe/Paris"), or null. */
export function canonicalTimeZone(value: string): string | null {
  // names only: Intl would also take offsets on newer runtimes, which do not follow DST rules
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** Minutes to add to UTC to get the wall clock of `timeZone` at instant `ms` (Paris in summer: 120). */
export function offsetMinutes(timeZone: string, ms: number): number {
  const key = `${timeZone}|${Math.floor(ms / BUCKET)}`;
  const hit = offsets.get(key);
  if (hit !== undefined) return hit;
  const at = Math.floor(ms / BUCKET) * BUCKET;
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(at))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const wallAsUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  const offset = Math.round((wallAsUtc - at) / MINUTE);
  if (offsets.size >= MAX_CACHED_OFFSETS) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

/** A calendar date "YYYY-MM-DD" as the UTC midnight of that day (calendar arithmetic only). */
export function dateToUtcMidnight(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y, m - 1, d);
}

export function utcMidnightToDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** True for an existing calendar date in "YYYY-MM-DD" form (rejects 2026-02-30). */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  return utcMidnightToDate(dateToUtcMidnight(value)) === value;
}

export function addDays(date: string, days: number): string {
  return utcMidnightToDate(dateToUtcMidnight(date) + days * DAY);
}

/** Whole days from `from` to `to` (to - from). */
export function daysBetween(from: string, to: string): number {
  return Math.round((dateToUtcMidnight(to) - dateToUtcMidnight(from)) / DAY);
}

/** 0 = Sunday … 6 = Saturday, of the calendar date itself (no time zone involved). */
export function dayOfWeek(date: string): number {
  return new Date(dateToUtcMidnight(date)).getUTCDay();
}

/** "HH:mm" → minutes after midnight. */
export function parseHm(hm: string): number {
  const [h, m] = hm.split(':').map(Number);
  return h * 60 + m;
}

export function formatHm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * The UTC instant of wall-clock `minutes` after midnight on `date` in `timeZone`. A time skipped by a
 * spring-forward change does not exist: null. A time repeated by a fall-back change resolves to its
 * second occurrence (standard time), deterministically.
 */
export function localToUtc(timeZone: string, date: string, minutes: number): number | null {
  const wall = dateToUtcMidnight(date) + minutes * MINUTE;
  const first = offsetMinutes(timeZone, wall);
  const guess = wall - first * MINUTE;
  const actual = offsetMinutes(timeZone, guess);
  if (actual === first) return guess;
  const retry = wall - actual * MINUTE;
  return offsetMinutes(timeZone, retry) === actual ? retry : null;
}

/** The wall clock of instant `ms` in `timeZone`: calendar date and minutes after midnight. */
export function utcToLocal(timeZone: string, ms: number): { date: string; minutes: number } {
  const wall = ms + offsetMinutes(timeZone, ms) * MINUTE;
  const dayStart = Math.floor(wall / DAY) * DAY;
  return { date: utcMidnightToDate(dayStart), minutes: Math.floor((wall - dayStart) / MINUTE) };
}
