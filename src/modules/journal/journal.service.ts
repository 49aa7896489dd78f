import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { AuditAction, Mood, Prisma } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode, ErrorDetail } from '../../common/errors/error-codes.js';
import { pageArgs, pageInfo } from '../../common/pagination/pagination.js';
import { EnvelopeCrypto, Envelope, WrappingKey } from '../../infra/crypto/envelope-crypto.service.js';
import { SubjectKeyring, SubjectKeys } from '../../infra/crypto/subject-keys.service.js';
import { TenantPrisma, TenantTx } from '../../infra/prisma/tenant-prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import { addDays, daysBetween, dayOfWeek, localToUtc, utcToLocal } from '../availability/time-zone.js';
import type {
  CreateJournalEntryDto,
  JournalEntryDto,
  JournalFilterQueryDto,
  JournalListDto,
  JournalRangeQueryDto,
  JournalStatsDto,
  JournalWeekStatsDto,
  ListJournalQueryDto,
  MoodCountsDto,
  UpdateJournalEntryDto,
} from './dto/journal.dto.js';
import { MOOD_BY_RATING, MOOD_RATING } from './dto/journal.dto.js';
import { JournalTagHasher } from './journal-tags.js';
import { aadFor } from '../../infra/crypto/aad.js';

/** Day boundaries of filters, exports and weekly statistics (French users, as the reports). */
export const JOURNAL_TIME_ZONE = 'Europe/Paris';
const STATS_DEFAULT_WEEKS = 12;
const STATS_MAX_DAYS = 366;

/**
 * Binds an entry's ciphertext to its table, id and owner (ARCHITECTURE §5): copied into another row it
 * no longer decrypts. Key rotation re-wraps data keys with this same string.
 */
export const journalAad = (entryId: string, employeeId: string) => aadFor.journalEntry(entryId, employeeId);

/** What is encrypted: the text and the tags, under one data key per entry. */
interface JournalPayload {
  content: string;
  tags: string[];
}

export const ENTRY_SELECT = {
  id: true,
  employeeId: true,
  encryptedContent: true,
  iv: true,
  authTag: true,
  encryptedDek: true,
  dekIv: true,
  dekAuthTag: true,
  keyVersion: true,
  mood: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.JournalEntrySelect;
export type EntryRow = Prisma.JournalEntryGetPayload<{ select: typeof ENTRY_SELECT }>;

/** A half-open instant range [gte, lt) for Prisma. */
export interface InstantRange {
  gte?: Date;
  lt?: Date;
}

const bad = (details: ErrorDetail[]) => AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', details);
const startOfDay = (date: string) => new Date(localToUtc(JOURNAL_TIME_ZONE, date, 0)!); // midnight exists in Paris every day
const today = () => utcToLocal(JOURNAL_TIME_ZONE, Date.now()).date;

/**
 * The period of a journal query: `startDate`/`endDate` or `from`/`to` (not both forms), each side
 * optional, local days inclusive.
 */
export function resolveDays(q: JournalRangeQueryDto): { start?: string; end?: string } {
  const p3 = q.startDate !== undefined || q.endDate !== undefined;
  const cdc = q.from !== undefined || q.to !== undefined;
  if (p3 && cdc) throw bad([{ field: 'from', message: 'une seule forme de période : startDate/endDate ou from/to' }]);
  const [start, end, endField, startField] = p3 ? [q.startDate, q.endDate, 'endDate', 'startDate'] : [q.from, q.to, 'to', 'from'];
  if (start && end && daysBetween(start, end) < 0) throw bad([{ field: endField, message: `doit être postérieure ou égale à ${startField}` }]);
  return { start, end };
}

function toInstants(days: { start?: string; end?: string }): InstantRange {
  return { ...(days.start ? { gte: startOfDay(days.start) } : {}), ...(days.end ? { lt: startOfDay(addDays(days.end, 1)) } : {}) };
}

/** `mood` and its CDC alias `moodRating` must agree; null in either clears the mood. */
function resolveMood(dto: { mood?: Mood | null; moodRating?: number | null }): Mood | null | undefined {
  const fromRating = dto.moodRating === undefined ? undefined : dto.moodRating === null ? null : MOOD_BY_RATING[dto.moodRating];
  if (dto.mood !== undefined && fromRating !== undefined && dto.mood !== fromRating) {
    throw bad([{ field: 'moodRating', message: 'ne correspond pas à mood' }]);
  }
  return dto.mood !== undefined ? dto.mood : fromRating;
}

/**
 * The personal journal (SPEC §4.10 J1–J5, §6.5): the owning employee only. Every query names the caller's
 * employee id, so another owner's entry is simply not found (404); RLS refuses the rest. Content and tags
 * are never logged, audited or put in an error.
 */
@Injectable()
export class JournalService {
  private readonly logger = new Logger('Journal');

  constructor(
    private readonly tenant: TenantPrisma,
    private readonly crypto: EnvelopeCrypto,
    private readonly tags: JournalTagHasher,
    private readonly audit: AuditService,
    private readonly subjects: SubjectKeys,
  ) {}

  /**
   * The caller's subject key (crypto-shredding): new entries are sealed under it, and erasing the user
   * deletes it. Entries written before it existed stay under the master key and keep reading.
   */
  keyring(me: Identity, tx?: TenantTx): Promise<SubjectKeyring> {
    return this.subjects.ring([me.userId], { tx });
  }

  /** J1: newest first, filtered by period, moods and tags (any of them). */
  async list(me: Identity, q: ListJournalQueryDto): Promise<JournalListDto> {
    const where = this.where(me, q);
    const [rows, total, ring] = await Promise.all([
      this.tenant.db.journalEntry.findMany({ where, select: ENTRY_SELECT, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], ...pageArgs(q) }),
      this.tenant.db.journalEntry.count({ where }),
      this.keyring(me),
    ]);
    try {
      return { entries: rows.map((r) => this.toDto(r, ring)), ...pageInfo(total, q) };
    } finally {
      ring.close();
    }
  }

  /** J2. The id is chosen here so the ciphertext can be bound to it before the row exists. */
  async create(me: Identity, dto: CreateJournalEntryDto): Promise<JournalEntryDto> {
    const employeeId = owner(me);
    const id = randomUUID();
    const payload = { content: dto.content, tags: unique(dto.tags ?? []) };
    const mood = resolveMood(dto) ?? null;
    const { wrapping, ring } = await this.subjects.wrappingFor(me.userId);
    let row: EntryRow;
    try {
      row = await this.tenant.db.journalEntry.create({ data: { id, employeeId, mood, ...this.seal(id, employeeId, payload, wrapping) }, select: ENTRY_SELECT });
    } finally {
      ring.close();
    }
    return present(row, payload);
  }

  /** J3. */
  async get(me: Identity, id: string): Promise<JournalEntryDto> {
    const row = await this.tenant.db.journalEntry.findFirst({ where: { id, employeeId: owner(me) }, select: ENTRY_SELECT });
    if (!row) throw notFound();
    const ring = await this.keyring(me);
    try {
      return this.toDto(row, ring);
    } finally {
      ring.close();
    }
  }

  /** J4: partial. Changed text or tags are sealed again under a new data key. */
  async update(me: Identity, id: string, dto: UpdateJournalEntryDto): Promise<JournalEntryDto> {
    if (dto.content === undefined && dto.tags === undefined && dto.mood === undefined && dto.moodRating === undefined) {
      throw bad([{ field: 'content', message: 'au moins un champ parmi content, mood, moodRating, tags' }]);
    }
    const employeeId = owner(me);
    const mood = resolveMood(dto);
    const { row, payload } = await this.tenant.tx(async (tx) => {
      const existing = await tx.journalEntry.findFirst({ where: { id, employeeId }, select: ENTRY_SELECT });
      if (!existing) throw notFound();
      const resealing = dto.content !== undefined || dto.tags !== undefined;
      const keys = resealing ? await this.subjects.wrappingFor(me.userId, tx) : { wrapping: undefined, ring: await this.keyring(me, tx) };
      const ring = keys.ring;
      let next: JournalPayload;
      let sealed = {};
      try {
        const before = dto.content !== undefined && dto.tags !== undefined ? null : this.open(existing, ring);
        next = { content: dto.content ?? before!.content, tags: dto.tags ? unique(dto.tags) : before!.tags };
        if (resealing) sealed = this.seal(id, employeeId, next, keys.wrapping!);
      } finally {
        ring.close();
      }
      const updated = await tx.journalEntry.update({
        where: { id, employeeId },
        data: { ...sealed, ...(mood !== undefined ? { mood } : {}) },
        select: ENTRY_SELECT,
      });
      return { row: updated, payload: next };
    });
    return present(row, payload);
  }

  /** J5 / SPEC §6.8: a hard delete (the row and its ciphertext are gone). The audit row names no content. */
  async remove(me: Identity, id: string): Promise<void> {
    await this.tenant.tx(async (tx) => {
      const { count } = await tx.journalEntry.deleteMany({ where: { id, employeeId: owner(me) } });
      if (count === 0) throw notFound();
      await this.recordAudit(tx, AuditAction.DELETE, id, { event: 'JOURNAL_ENTRY_DELETED' });
    });
  }

  /** Beyond the spec: entries per mood per ISO week (Monday, Europe/Paris), every week of the period. */
  async stats(me: Identity, q: JournalRangeQueryDto): Promise<JournalStatsDto> {
    const employeeId = owner(me);
    const days = resolveDays(q);
    const end = days.end ?? (days.start && daysBetween(days.start, today()) < 0 ? days.start : today());
    const start = days.start ?? monday(addDays(end, -7 * (STATS_DEFAULT_WEEKS - 1)));
    if (daysBetween(start, end) + 1 > STATS_MAX_DAYS) {
      const field = q.from !== undefined || q.to !== undefined ? 'to' : 'endDate';
      throw bad([{ field, message: `période de ${STATS_MAX_DAYS} jours au plus` }]);
    }
    const range = toInstants({ start, end });
    const rows = await this.tenant.tx((tx) => tx.$queryRaw<{ week_start: string; mood: Mood | null; n: number }[]>`
      SELECT to_char(date_trunc('week', created_at AT TIME ZONE ${JOURNAL_TIME_ZONE}), 'YYYY-MM-DD') AS week_start,
             mood::text AS mood, count(*)::int AS n
      FROM journal_entries
      WHERE employee_id = ${employeeId}::uuid AND created_at >= ${range.gte} AND created_at < ${range.lt}
      GROUP BY 1, 2`);

    const weeks = new Map<string, JournalWeekStatsDto>();
    for (let w = monday(start); daysBetween(w, end) >= 0; w = addDays(w, 7)) {
      weeks.set(w, { week: isoWeek(w), weekStart: w, counts: zeroCounts(), withoutMood: 0, total: 0, averageMoodRating: null });
    }
    const totals = zeroCounts();
    for (const r of rows) {
      const week = weeks.get(r.week_start);
      if (!week) continue;
      week.total += r.n;
      if (r.mood) {
        week.counts[r.mood] += r.n;
        totals[r.mood] += r.n;
      } else week.withoutMood += r.n;
    }
    for (const week of weeks.values()) week.averageMoodRating = average(week.counts);
    return { startDate: start, endDate: end, timeZone: JOURNAL_TIME_ZONE, weeks: [...weeks.values()], totals };
  }

  /** The caller's entries matching a list/export filter (tags compared through their keyed hashes). */
  where(me: Identity, q: JournalFilterQueryDto): Prisma.JournalEntryWhereInput {
    const employeeId = owner(me);
    const createdAt = toInstants(resolveDays(q));
    return {
      employeeId,
      ...(createdAt.gte || createdAt.lt ? { createdAt } : {}),
      ...(q.mood?.length ? { mood: { in: q.mood } } : {}),
      ...(q.tag?.length ? { tagHashes: { hasSome: q.tag.map((t) => this.tags.hash(employeeId, t)) } } : {}),
    };
  }

  toDto(row: EntryRow, ring: SubjectKeyring): JournalEntryDto {
    return present(row, this.open(row, ring));
  }

  /** Every entry of the caller, decrypted, oldest first (the RGPD export, SPEC §4.2 U1). */
  async allEntries(me: Identity): Promise<JournalEntryDto[]> {
    if (!me.employeeId) return [];
    const [rows, ring] = await Promise.all([
      this.tenant.db.journalEntry.findMany({ where: { employeeId: me.employeeId }, select: ENTRY_SELECT, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
      this.keyring(me),
    ]);
    try {
      return rows.map((r) => this.toDto(r, ring));
    } finally {
      ring.close();
    }
  }

  recordAudit(tx: TenantTx | undefined, action: AuditAction, resourceId: string | null, details: Prisma.InputJsonObject): Promise<void> {
    return this.audit.record({ action, resource: 'journal_entry', resourceId, isSensitive: true, details }, tx);
  }

  /** Sealed under the owner's subject key. */
  private seal(id: string, employeeId: string, payload: JournalPayload, wrapping: WrappingKey) {
    const envelope = this.crypto.encrypt(JSON.stringify(payload), journalAad(id, employeeId), wrapping);
    return { ...envelope, tagHashes: payload.tags.map((t) => this.tags.hash(employeeId, t)) };
  }

  /** Decrypts an entry; a tampered or misplaced ciphertext is a clean 422 naming the entry, never content. */
  private open(row: EntryRow, ring: SubjectKeyring): JournalPayload {
    try {
      const payload = JSON.parse(ring.openText(row as Envelope, journalAad(row.id, row.employeeId))) as JournalPayload;
      if (typeof payload.content !== 'string' || !Array.isArray(payload.tags)) throw new Error('unexpected payload shape');
      return payload;
    } catch (e) {
      this.logger.warn({ message: 'journal entry failed to decrypt', entryId: row.id, error: (e as Error).name });
      throw new AppException(HttpStatus.UNPROCESSABLE_ENTITY, ErrorCode.JOURNAL_ENTRY_UNREADABLE, 'Une entrée du journal est illisible (données altérées)', [
        { field: 'id', message: row.id },
      ]);
    }
  }
}

function owner(me: Identity): string {
  // guarded by @Roles(EMPLOYEE); an employee account always has its profile
  if (!me.employeeId) throw AppException.forbidden();
  return me.employeeId;
}

const notFound = () => AppException.notFound('Entrée du journal introuvable');
const unique = (tags: string[]) => [...new Set(tags)];

function present(row: EntryRow, payload: JournalPayload): JournalEntryDto {
  return {
    id: row.id,
    content: payload.content,
    mood: row.mood,
    moodRating: row.mood ? MOOD_RATING[row.mood] : null,
    tags: payload.tags,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function zeroCounts(): MoodCountsDto {
  return { VERY_BAD: 0, BAD: 0, NEUTRAL: 0, GOOD: 0, VERY_GOOD: 0 };
}

function average(counts: MoodCountsDto): number | null {
  let n = 0;
  let sum = 0;
  for (const [mood, c] of Object.entries(counts) as [Mood, number][]) {
    n += c;
    sum += c * MOOD_RATING[mood];
  }
  return n === 0 ? null : Math.round((sum / n) * 10) / 10;
}

/** The Monday on or before `date`. */
function monday(date: string): string {
  return addDays(date, -((dayOfWeek(date) + 6) % 7));
}

/** ISO 8601 week label of the week starting on Monday `weekStart`: its Thursday decides the year. */
export function isoWeek(weekStart: string): string {
  const thursday = addDays(weekStart, 3);
  const year = thursday.slice(0, 4);
  const week = Math.floor(daysBetween(`${year}-01-01`, thursday) / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}
