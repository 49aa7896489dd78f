import { AgendaInput, checkRequestedSlot, firstAvailableSlot, generateSlots } from './slot-engine.js';
import { canonicalTimeZone, dayOfWeek, isCalendarDate, localToUtc, offsetMinutes, utcToLocal } from './time-zone.js';

const PARIS = 'Europe/Paris';
const iso = (s: string) => new Date(s).getTime();

function agenda(over: Partial<AgendaInput> = {}): AgendaInput {
  return {
    timeZone: PARIS,
    bufferMinutes: 10,
    rules: [],
    exceptions: [],
    busy: [],
    now: new Date('2026-01-01T00:00:00Z'),
    minLeadMinutes: 0,
    maxDaysAhead: 3650,
    ...over,
  };
}

describe('time-zone helpers', () => {
  it('knows the Paris offsets on both sides of the October 2026 change (CEST → CET at 01:00Z)', () => {
    expect(offsetMinutes(PARIS, iso('2026-10-25T00:59:00Z'))).toBe(120);
    expect(offsetMinutes(PARIS, iso('2026-10-25T01:00:00Z'))).toBe(60);
  });

  it('converts wall-clock to UTC across DST: gap → null, repeated hour → second occurrence', () => {
    expect(localToUtc(PARIS, '2026-10-24', 9 * 60)).toBe(iso('2026-10-24T07:00:00Z'));
    expect(localToUtc(PARIS, '2026-10-25', 9 * 60)).toBe(iso('2026-10-25T08:00:00Z'));
    expect(localToUtc(PARIS, '2026-10-25', 1 * 60 + 30)).toBe(iso('2026-10-24T23:30:00Z'));
    expect(localToUtc(PARIS, '2026-10-25', 2 * 60 + 30)).toBe(iso('2026-10-25T01:30:00Z'));
    expect(localToUtc(PARIS, '2027-03-28', 2 * 60 + 30)).toBeNull();
    expect(localToUtc(PARIS, '2027-03-28', 3 * 60)).toBe(iso('2027-03-28T01:00:00Z'));
    expect(localToUtc('America/New_York', '2026-11-01', 9 * 60)).toBe(iso('2026-11-01T14:00:00Z'));
    expect(localToUtc('Asia/Kolkata', '2026-06-01', 9 * 60)).toBe(iso('2026-06-01T03:30:00Z'));
  });

  it('reads the local wall clock of an instant', () => {
    expect(utcToLocal(PARIS, iso('2026-10-25T22:30:00Z'))).toEqual({ date: '2026-10-25', minutes: 23 * 60 + 30 });
    expect(utcToLocal(PARIS, iso('2026-10-25T23:30:00Z'))).toEqual({ date: '2026-10-26', minutes: 30 });
  });

  it('validates zones and calendar dates', () => {
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus')).toBeNull();
    expect(canonicalTimeZone('+01:00')).toBeNull();
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2026-02-30')).toBe(false);
    expect(isCalendarDate('2026-2-3')).toBe(false);
    expect(dayOfWeek('2026-10-25')).toBe(0);
  });
});

describe('slot engine (SPEC §6.1)', () => {
  const monday = { dayOfWeek: 1, startTime: '09:00', endTime: '12:00', slotDuration: 50 };

  it('steps by slotDuration + buffer and keeps only slots ending by the rule end', () => {
    const slots = generateSlots(agenda({ rules: [monday] }), '2026-06-01', '2026-06-01');
    expect(slots.map((s) => `${s.localStartTime}-${s.localEndTime}`)).toEqual(['09:00-09:50', '10:00-10:50', '11:00-11:50']);
    expect(slots[0].start.toISOString()).toBe('2026-06-01T07:00:00.000Z');
    expect(slots.every((s) => s.available)).toBe(true);
  });

  it('uses the practitioner buffer (15 min) for the step', () => {
    const slots = generateSlots(agenda({ rules: [monday], bufferMinutes: 15 }), '2026-06-01', '2026-06-01');
    expect(slots.map((s) => s.localStartTime)).toEqual(['09:00', '10:05', '11:10']);
  });

  it('keeps the same wall-clock hours across the end of DST (week of 2026-10-25 in Paris)', () => {
    const rules = [0, 1, 2, 3, 4, 5, 6].map((d) => ({ dayOfWeek: d, startTime: '09:00', endTime: '10:00', slotDuration: 50 }));
    const slots = generateSlots(agenda({ rules }), '2026-10-22', '2026-10-27');
    expect(slots.map((s) => s.localStartTime)).toEqual(Array(6).fill('09:00'));
    expect(slots.map((s) => s.start.toISOString().slice(0, 16))).toEqual([
      '2026-10-22T07:00', '2026-10-23T07:00', '2026-10-24T07:00', '2026-10-25T08:00', '2026-10-26T08:00', '2026-10-27T08:00',
    ]);
  });

  it('a slot spanning the fall-back hour lasts its real duration, and skipped times produce no slot', () => {
    const night = { dayOfWeek: 0, startTime: '01:30', endTime: '03:00', slotDuration: 60 };
    const fall = generateSlots(agenda({ rules: [night], bufferMinutes: 0 }), '2026-10-25', '2026-10-25');
    expect(fall[0].start.toISOString()).toBe('2026-10-24T23:30:00.000Z');
    expect(fall[0].end.getTime() - fall[0].start.getTime()).toBe(3600_000);
    expect(fall[0].localEndTime).toBe('02:30');
    const spring = generateSlots(agenda({ rules: [{ dayOfWeek: 0, startTime: '02:00', endTime: '04:00', slotDuration: 30 }], bufferMinutes: 0 }), '2027-03-28', '2027-03-28');
    expect(spring.map((s) => s.localStartTime)).toEqual(['03:00', '03:30']);
  });

  it('applies exceptions: full day off, partial block, extra opening without overlapping slots', () => {
    const base = { rules: [monday] };
    expect(generateSlots(agenda({ ...base, exceptions: [{ date: '2026-06-01', isAvailable: false, startTime: null, endTime: null, slotDuration: 50 }] }), '2026-06-01', '2026-06-01')).toEqual([]);
    const partial = generateSlots(agenda({ ...base, exceptions: [{ date: '2026-06-01', isAvailable: false, startTime: '09:30', endTime: '10:15', slotDuration: 50 }] }), '2026-06-01', '2026-06-01');
    expect(partial.map((s) => s.localStartTime)).toEqual(['11:00']);
    const extra = generateSlots(agenda({ ...base, exceptions: [{ date: '2026-06-01', isAvailable: true, startTime: '11:30', endTime: '14:00', slotDuration: 50 }] }), '2026-06-01', '2026-06-01');
    expect(extra.map((s) => s.localStartTime)).toEqual(['09:00', '10:00', '11:00', '12:30']);
    // an exception on another date changes nothing
    const other = generateSlots(agenda({ ...base, exceptions: [{ date: '2026-06-08', isAvailable: false, startTime: null, endTime: null, slotDuration: 50 }] }), '2026-06-01', '2026-06-01');
    expect(other).toHaveLength(3);
  });

  it('marks slots overlapping a consultation plus the buffer as taken', () => {
    // booked 10:05–10:55 local (CEST), blocked until 11:05 by the buffer
    const busy = [{ start: new Date('2026-06-01T08:05:00Z'), end: new Date('2026-06-01T09:05:00Z') }];
    const slots = generateSlots(agenda({ rules: [{ ...monday, endTime: '13:00' }], busy }), '2026-06-01', '2026-06-01');
    expect(slots.map((s) => [s.localStartTime, s.available])).toEqual([
      ['09:00', true],
      ['10:00', false],
      ['11:00', false], // only because of the buffer: 11:00 < 11:05
      ['12:00', true],
    ]);
    // a consultation ending right where the slot's buffer would start does not block it
    const adjacent = [{ start: new Date('2026-06-01T07:00:00Z'), end: new Date('2026-06-01T08:00:00Z') }];
    const s2 = generateSlots(agenda({ rules: [monday], busy: adjacent }), '2026-06-01', '2026-06-01');
    expect(s2.map((s) => s.available)).toEqual([false, true, true]);
    // a booking starting inside a slot's trailing buffer takes the slot: it would block [start, end + buffer)
    const afterSlot = [{ start: new Date('2026-06-01T07:55:00Z'), end: new Date('2026-06-01T07:58:00Z') }];
    const s3 = generateSlots(agenda({ rules: [monday], busy: afterSlot }), '2026-06-01', '2026-06-01');
    expect(s3.map((s) => s.available)).toEqual([false, true, true]);
  });

  it('marks past slots, the minimum lead time and the booking horizon', () => {
    const now = new Date('2026-06-01T07:30:00Z'); // 09:30 local
    const slots = generateSlots(agenda({ rules: [monday], now, minLeadMinutes: 60 }), '2026-06-01', '2026-06-08');
    expect(slots.filter((s) => s.localDate === '2026-06-01').map((s) => [s.localStartTime, s.available, s.reason])).toEqual([
      ['09:00', false, 'PAST'],
      ['10:00', false, 'PAST'], // 30 min away, lead time 60
      ['11:00', true, undefined],
    ]);
    const horizon = generateSlots(agenda({ rules: [monday], now, maxDaysAhead: 3 }), '2026-06-08', '2026-06-08');
    expect(horizon.every((s) => !s.available && s.reason === 'TOO_FAR')).toBe(true);
  });

  it('finds the first available slot and stops at the limit', () => {
    const now = new Date('2026-06-01T10:00:00Z'); // Monday noon local: today is over
    const a = agenda({ rules: [monday], now });
    expect(firstAvailableSlot(a, '2026-06-01', new Date('2026-06-30T00:00:00Z'))?.start.toISOString()).toBe('2026-06-08T07:00:00.000Z');
    expect(firstAvailableSlot(a, '2026-06-01', new Date('2026-06-07T00:00:00Z'))).toBeNull();
  });

  it('checks a requested start for the booking code', () => {
    const busy = [{ start: new Date('2026-06-01T08:00:00Z'), end: new Date('2026-06-01T09:00:00Z') }];
    const a = agenda({ rules: [monday], busy });
    expect(checkRequestedSlot(a, new Date('2026-06-01T07:00:00Z')).status).toBe('AVAILABLE');
    expect(checkRequestedSlot(a, new Date('2026-06-01T08:00:00Z')).status).toBe('TAKEN');
    expect(checkRequestedSlot(a, new Date('2026-06-01T07:15:00Z')).status).toBe('NOT_IN_AVAILABILITY');
    expect(checkRequestedSlot({ ...a, now: new Date('2026-06-02T00:00:00Z') }, new Date('2026-06-01T07:00:00Z')).status).toBe('PAST');
  });
});
