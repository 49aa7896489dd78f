import { Injectable } from '@nestjs/common';
import { AvailabilityType } from '@prisma/client';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode, ErrorDetail } from '../../common/errors/error-codes.js';
import { AppConfig } from '../../config/app-config.service.js';
import { TenantPrisma, TenantTx } from '../../infra/prisma/tenant-prisma.service.js';
import type { SlotDto, SlotRangeQueryDto } from './dto/slots.dto.js';
import { AgendaInput, BusyRange, checkRequestedSlot, DayException, firstAvailableSlot, generateSlots, RecurringRule, Slot, SlotCheck } from './slot-engine.js';
import { addDays, dateToUtcMidnight, dayOfWeek, daysBetween, utcMidnightToDate, utcToLocal } from './time-zone.js';

const DAY = 86_400_000;
export const MAX_RANGE_DAYS = 31;
const DEFAULT_RANGE_DAYS = 7;
/** nextAvailable looks at this many days first, and further only for those still without a slot. */
const FIRST_PASS_DAYS = 14;

/** What the engine needs to know about a practitioner. */
export interface AgendaOwner {
  id: string;
  timezone: string;
  bufferTime: number;
}

export interface DateRange {
  from: string;
  to: string;
}

const AVAILABILITY_SELECT = { practitionerId: true, type: true, dayOfWeek: true, startTime: true, endTime: true, date: true, isAvailable: true, slotDuration: true } as const;
type AvailabilityRow = { practitionerId: string; type: AvailabilityType; dayOfWeek: number | null; startTime: string | null; endTime: string | null; date: Date | null; isAvailable: boolean; slotDuration: number };

const bad = (details: ErrorDetail[]) => AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Période invalide', details);

/**
 * The period of a slots query (SPEC §11 A14): exactly one form among `date`, `startDate`/`endDate` and
 * `from`/`to`; inclusive; at most 31 days. Without any, 7 days from `today` (practitioner-local).
 */
export function resolveRange(q: SlotRangeQueryDto, today: string): DateRange {
  const forms = [
    q.date !== undefined ? { from: q.date, to: q.date, fields: ['date', 'date'] } : null,
    q.startDate !== undefined || q.endDate !== undefined ? { from: q.startDate, to: q.endDate, fields: ['startDate', 'endDate'] } : null,
    q.from !== undefined || q.to !== undefined ? { from: q.from, to: q.to, fields: ['from', 'to'] } : null,
  ].filter((f) => f !== null);
  if (forms.length === 0) return { from: today, to: addDays(today, DEFAULT_RANGE_DAYS - 1) };
  if (forms.length > 1) throw bad([{ field: 'date', message: 'une seule forme de période : date, startDate/endDate ou from/to' }]);
  const [form] = forms;
  const [startField, endField] = form.fields;
  if (!form.from) throw bad([{ field: startField, message: `requis avec ${endField}` }]);
  if (!form.to) throw bad([{ field: endField, message: `requis avec ${startField}` }]);
  const span = daysBetween(form.from, form.to) + 1;
  if (span < 1) throw bad([{ field: endField, message: `doit être postérieure ou égale à ${startField}` }]);
  if (span > MAX_RANGE_DAYS) throw bad([{ field: endField, message: `période de ${MAX_RANGE_DAYS} jours au plus` }]);
  return { from: form.from, to: form.to };
}

export function toSlotDto(s: Slot): SlotDto {
  return {
    startTime: s.start.toISOString(),
    endTime: s.end.toISOString(),
    localDate: s.localDate,
    localStartTime: s.localStartTime,
    localEndTime: s.localEndTime,
    available: s.available,
  };
}

/**
 * Loads practitioners' agendas in a constant number of queries (whatever their number) and runs the
 * pure slot engine on them. Used by AV6, PR11, the practitioner profile and the search (US-10.1).
 */
@Injectable()
export class SlotsService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly config: AppConfig,
  ) {}

  /** The practitioner-local calendar date of now. */
  today(timeZone: string): string {
    return utcToLocal(timeZone, Date.now()).date;
  }

  async slots(owner: AgendaOwner, range: DateRange): Promise<Slot[]> {
    const agendas = await this.agendas([owner], range, new Date());
    return generateSlots(agendas.get(owner.id)!, range.from, range.to);
  }

  /**
   * Whether `start` begins a slot of the practitioner's availability (booking, rescheduling): one range
   * query for the rules around that instant, no busy ranges. Whether the slot is taken is decided by the
   * database's exclusion constraints when the consultation is written (23P01 → 409), so this never
   * answers TAKEN.
   */
  async requestedSlot(owner: AgendaOwner, start: Date): Promise<SlotCheck> {
    const date = utcToLocal(owner.timezone, start.getTime()).date;
    const rows = await this.tenant.db.availability.findMany({
      where: {
        practitionerId: owner.id,
        isActive: true,
        OR: [
          { type: AvailabilityType.RECURRING, dayOfWeek: dayOfWeek(date) },
          { type: AvailabilityType.EXCEPTION, date: new Date(dateToUtcMidnight(date)) },
        ],
      },
      select: AVAILABILITY_SELECT,
    });
    const { rules, exceptions } = this.rulesOf(rows);
    return checkRequestedSlot(this.agenda(owner, rules.get(owner.id) ?? [], exceptions.get(owner.id) ?? [], [], new Date()), start);
  }

  /**
   * Each practitioner's first available slot starting within `withinDays` (capped by the booking
   * horizon), or null. A short first pass settles most practitioners; only the rest look further.
   * Pass the caller's transaction to read the rules in it (fewer round trips).
   */
  async nextAvailable(owners: AgendaOwner[], withinDays: number, tx?: TenantTx): Promise<Map<string, Slot | null>> {
    const now = new Date();
    const days = Math.min(withinDays, this.config.get('BOOKING_MAX_DAYS_AHEAD'));
    const result = new Map<string, Slot | null>();
    let pending = owners;
    for (const span of days > FIRST_PASS_DAYS ? [FIRST_PASS_DAYS, days] : [days]) {
      if (pending.length === 0) break;
      const limit = new Date(now.getTime() + span * DAY);
      const from = pending.map((o) => utcToLocal(o.timezone, now.getTime()).date).sort()[0];
      const agendas = await this.agendas(pending, { from, to: addDays(utcMidnightToDate(limit.getTime()), 1) }, now, tx);
      const last = span === days;
      for (const owner of pending) {
        const slot = firstAvailableSlot(agendas.get(owner.id)!, this.today(owner.timezone), limit);
        if (slot || last) result.set(owner.id, slot);
      }
      pending = pending.filter((o) => !result.has(o.id));
    }
    return result;
  }

  /**
   * Two queries for any number of practitioners, in one transaction as the caller (one pooled connection):
   * rules + exceptions, then busy ranges.
   */
  private async agendas(owners: AgendaOwner[], range: DateRange, now: Date, tx?: TenantTx): Promise<Map<string, AgendaInput>> {
    const ids = owners.map((o) => o.id);
    // local dates vary by zone (±14 h): the UTC window is widened by a day on each side
    const windowStart = new Date(dateToUtcMidnight(range.from) - DAY);
    const windowEnd = new Date(dateToUtcMidnight(range.to) + 2 * DAY);
    const load = (db: TenantTx) => Promise.all([
      db.availability.findMany({
        where: {
          practitionerId: { in: ids },
          isActive: true,
          OR: [
            { type: AvailabilityType.RECURRING },
            { type: AvailabilityType.EXCEPTION, date: { gte: new Date(dateToUtcMidnight(range.from)), lte: new Date(dateToUtcMidnight(range.to)) } },
          ],
        },
        select: AVAILABILITY_SELECT,
      }),
      // An employee may not read other people's consultations under RLS, yet must not be offered a taken
      // slot: a SECURITY DEFINER function returns merged busy ranges only (never who booked, nor which
      // consultation), for practitioners the caller may see.
      this.busyRanges(db, ids, windowStart, windowEnd),
    ]);
    const [rows, busyRows] = await (tx ? load(tx) : this.tenant.tx(load));

    const { rules, exceptions } = this.rulesOf(rows);
    const busy = new Map<string, BusyRange[]>();
    for (const b of busyRows) (busy.get(b.practitioner_id) ?? busy.set(b.practitioner_id, []).get(b.practitioner_id)!).push({ start: b.starts_at, end: b.ends_at });
    return new Map(owners.map((o) => [o.id, this.agenda(o, rules.get(o.id) ?? [], exceptions.get(o.id) ?? [], busy.get(o.id) ?? [], now)]));
  }

  private agenda(o: AgendaOwner, rules: RecurringRule[], exceptions: DayException[], busy: BusyRange[], now: Date): AgendaInput {
    return {
      timeZone: o.timezone,
      bufferMinutes: o.bufferTime,
      rules,
      exceptions,
      busy,
      now,
      minLeadMinutes: this.config.get('BOOKING_MIN_LEAD_MINUTES'),
      maxDaysAhead: this.config.get('BOOKING_MAX_DAYS_AHEAD'),
    };
  }

  private rulesOf(rows: AvailabilityRow[]) {
    const rules = new Map<string, RecurringRule[]>();
    const exceptions = new Map<string, DayException[]>();
    const push = <T>(map: Map<string, T[]>, key: string, value: T) => (map.get(key) ?? map.set(key, []).get(key)!).push(value);
    for (const r of rows) {
      if (r.type === AvailabilityType.RECURRING && r.dayOfWeek !== null && r.startTime && r.endTime) {
        push(rules, r.practitionerId, { dayOfWeek: r.dayOfWeek, startTime: r.startTime, endTime: r.endTime, slotDuration: r.slotDuration });
      } else if (r.type === AvailabilityType.EXCEPTION && r.date) {
        push(exceptions, r.practitionerId, { date: utcMidnightToDate(r.date.getTime()), isAvailable: r.isAvailable, startTime: r.startTime, endTime: r.endTime, slotDuration: r.slotDuration });
      }
    }
    return { rules, exceptions };
  }

  /** `practitioner_busy_ranges` (migration 20261129000200): blocked [start, end) ranges per practitioner. */
  private busyRanges(db: TenantTx, ids: string[], from: Date, to: Date) {
    return db.$queryRaw<{ practitioner_id: string; starts_at: Date; ends_at: Date }[]>`
      SELECT practitioner_id::text AS practitioner_id, starts_at, ends_at
      FROM practitioner_busy_ranges(${ids}::uuid[], ${from}::timestamptz, ${to}::timestamptz)`;
  }
}
