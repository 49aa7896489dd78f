/**
 * The slot engine of SPEC §6.1, pure (no I/O, no clock): availability rules and exceptions in the
 * practitioner's time zone + busy ranges → slots. AV6, PR11 and the search use it to list slots; the
 * booking code uses `checkRequestedSlot` to validate a requested start against the same rules.
 */
import { addDays, dayOfWeek, formatHm, localToUtc, parseHm, utcToLocal } from './time-zone.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

export interface RecurringRule {
  dayOfWeek: number;
  startTime: string;
  endTime: string;
  slotDuration: number;
}

/** A dated exception: `isAvailable=false` closes the day (no times) or a part of it; `true` opens extra times. */
export interface DayException {
  date: string;
  isAvailable: boolean;
  startTime: string | null;
  endTime: string | null;
  slotDuration: number;
}

/** A time range taken by an active consultation: [scheduledAt, blockedUntil), buffer included. */
export interface BusyRange {
  start: Date;
  end: Date;
}

export interface AgendaInput {
  timeZone: string;
  /** Minutes kept free after each slot (the practitioner's bufferTime). */
  bufferMinutes: number;
  rules: RecurringRule[];
  exceptions: DayException[];
  busy: BusyRange[];
  now: Date;
  /** A slot must start at least this long after `now` (BOOKING_MIN_LEAD_MINUTES). */
  minLeadMinutes: number;
  /** A slot must start at most this many days after `now` (BOOKING_MAX_DAYS_AHEAD). */
  maxDaysAhead: number;
}

export type UnavailableReason = 'PAST' | 'TOO_FAR' | 'TAKEN';

export interface Slot {
  start: Date;
  end: Date;
  localDate: string;
  localStartTime: string;
  localEndTime: string;
  available: boolean;
  /** Internal: why a slot is not available (never sent to clients). */
  reason?: UnavailableReason;
}

interface Window {
  start: number;
  end: number;
  slotDuration: number;
}

/** Local windows of one day after exceptions; null when the whole day is closed. */
function dayWindows(agenda: AgendaInput, date: string): { open: Window[]; closed: { start: number; end: number }[] } | null {
  const exceptions = agenda.exceptions.filter((e) => e.date === date);
  if (exceptions.some((e) => !e.isAvailable && (!e.startTime || !e.endTime))) return null;
  const dow = dayOfWeek(date);
  const open: Window[] = agenda.rules
    .filter((r) => r.dayOfWeek === dow)
    .map((r) => ({ start: parseHm(r.startTime), end: parseHm(r.endTime), slotDuration: r.slotDuration }));
  const closed: { start: number; end: number }[] = [];
  for (const e of exceptions) {
    if (!e.startTime || !e.endTime) continue;
    const w = { start: parseHm(e.startTime), end: parseHm(e.endTime) };
    if (e.isAvailable) open.push({ ...w, slotDuration: e.slotDuration });
    else closed.push(w);
  }
  return { open, closed };
}

/** Candidate local slots of one day, [startMin, startMin + duration), before any availability check. */
function localSlots(agenda: AgendaInput, date: string): { startMin: number; duration: number }[] {
  const windows = dayWindows(agenda, date);
  if (!windows) return [];
  const candidates: { startMin: number; duration: number }[] = [];
  for (const w of windows.open) {
    // SPEC §6.1-2: a slot every slotDuration + buffer, kept only if it ends by the window's end
    for (let s = w.start; s + w.slotDuration <= w.end; s += w.slotDuration + agenda.bufferMinutes) {
      const e = s + w.slotDuration;
      if (windows.closed.some((c) => s < c.end && c.start < e)) continue;
      candidates.push({ startMin: s, duration: w.slotDuration });
    }
  }
  candidates.sort((a, b) => a.startMin - b.startMin || b.duration - a.duration);
  // overlapping windows (a rule plus an extra opening) must not offer two overlapping slots
  const kept: { startMin: number; duration: number }[] = [];
  for (const c of candidates) {
    const last = kept[kept.length - 1];
    if (last && c.startMin < last.startMin + last.duration + agenda.bufferMinutes) continue;
    kept.push(c);
  }
  return kept;
}

function toSlot(agenda: AgendaInput, date: string, startMin: number, duration: number): Slot | null {
  const startMs = localToUtc(agenda.timeZone, date, startMin);
  if (startMs === null) return null; // a wall-clock time skipped by a spring-forward change
  // real elapsed time: a slot spanning a DST change still lasts `duration` minutes
  const endMs = startMs + duration * MINUTE;
  const local = utcToLocal(agenda.timeZone, startMs);
  const slot: Slot = {
    start: new Date(startMs),
    end: new Date(endMs),
    localDate: local.date,
    localStartTime: formatHm(local.minutes),
    localEndTime: formatHm(utcToLocal(agenda.timeZone, endMs).minutes),
    available: true,
  };
  const reason = unavailability(agenda, startMs, endMs);
  if (reason) {
    slot.available = false;
    slot.reason = reason;
  }
  return slot;
}

function unavailability(agenda: AgendaInput, startMs: number, endMs: number): UnavailableReason | undefined {
  const now = agenda.now.getTime();
  if (startMs < now + agenda.minLeadMinutes * MINUTE) return 'PAST';
  if (startMs > now + agenda.maxDaysAhead * DAY) return 'TOO_FAR';
  // the booking would block [start, end + buffer): the same range the exclusion constraint checks
  const blockedEnd = endMs + agenda.bufferMinutes * MINUTE;
  if (agenda.busy.some((b) => startMs < b.end.getTime() && b.start.getTime() < blockedEnd)) return 'TAKEN';
  return undefined;
}

/** Every slot from `fromDate` to `toDate` (practitioner-local calendar dates, inclusive), in time order. */
export function generateSlots(agenda: AgendaInput, fromDate: string, toDate: string): Slot[] {
  const slots: Slot[] = [];
  for (let date = fromDate; date <= toDate; date = addDays(date, 1)) {
    for (const c of localSlots(agenda, date)) {
      const slot = toSlot(agenda, date, c.startMin, c.duration);
      if (slot) slots.push(slot);
    }
  }
  return slots;
}

/** The first available slot from `fromDate`, starting no later than `notAfter`; stops at the first hit. */
export function firstAvailableSlot(agenda: AgendaInput, fromDate: string, notAfter: Date): Slot | null {
  const limit = notAfter.getTime();
  // one extra local day covers time zones ahead of UTC; the instant check below is the real bound
  const lastDate = addDays(utcToLocal(agenda.timeZone, limit).date, 1);
  for (let date = fromDate; date <= lastDate; date = addDays(date, 1)) {
    for (const c of localSlots(agenda, date)) {
      const slot = toSlot(agenda, date, c.startMin, c.duration);
      if (!slot) continue;
      if (slot.start.getTime() > limit) return null;
      if (slot.available) return slot;
    }
  }
  return null;
}

export type SlotCheck =
  | { status: 'AVAILABLE'; slot: Slot }
  | { status: 'NOT_IN_AVAILABILITY' }
  | { status: 'PAST' | 'TOO_FAR' | 'TAKEN'; slot: Slot };

/**
 * Whether `start` is the start of a generated slot and that slot is free (SPEC §6.1 booking validation):
 * NOT_IN_AVAILABILITY → 400, PAST / TOO_FAR → 400, TAKEN → 409.
 */
export function checkRequestedSlot(agenda: AgendaInput, start: Date): SlotCheck {
  const date = utcToLocal(agenda.timeZone, start.getTime()).date;
  const slot = generateSlots(agenda, date, date).find((s) => s.start.getTime() === start.getTime());
  if (!slot) return { status: 'NOT_IN_AVAILABILITY' };
  return slot.available ? { status: 'AVAILABLE', slot } : { status: slot.reason!, slot };
}
