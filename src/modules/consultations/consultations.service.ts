import { HttpStatus, Injectable } from '@nestjs/common';
import { AuditAction, ConsultationEventType, ConsultationFormat, ConsultationStatus, NotificationType, Prisma, Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import type { Identity } from '../../common/context/request-context.js';
import { RequestContext } from '../../common/context/request-context.service.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { sha256 } from '../../common/security/tokens.js';
import { pgError } from '../../infra/prisma/db-errors.js';
import { pageArgs, pageInfo } from '../../common/pagination/pagination.js';
import { AppConfig } from '../../config/app-config.service.js';
import { OutboxEffect, OutboxService } from '../../infra/outbox/outbox.service.js';
import { TenantPrisma, TenantTx } from '../../infra/prisma/tenant-prisma.service.js';
import { AccessService } from '../access/access.service.js';
import { PractitionerRecords } from '../practitioners/practitioner-records.service.js';
import { AuditService } from '../audit/audit.service.js';
import { SlotsService } from '../availability/slots.service.js';
import { utcToLocal } from '../availability/time-zone.js';
import type { DispatchJob } from '../notifications/notification-dispatch.service.js';
import { ACTIVE_STATUSES, ConsultationAction, TERMINAL_STATUSES, TRANSITIONS } from './consultation-state.js';
import type { BookConsultationDto, ConsultationDto, ListConsultationsQueryDto } from './dto/consultations.dto.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** What every read selects: the row, the practitioner card, the employee's names (never HR data). */
const VIEW = {
  id: true, status: true, format: true, scheduledAt: true, scheduledEndAt: true, duration: true,
  startedAt: true, endedAt: true, actualDuration: true, actualDurationSeconds: true, roomName: true,
  cancelledAt: true, cancelledBy: true, cancelReason: true, cancelledWithin24h: true, noShowAt: true, noShowBy: true,
  createdAt: true, employeeId: true, practitionerId: true,
  practitioner: { select: { id: true, userId: true, firstName: true, lastName: true, title: true, specialty: true, avatarUrl: true } },
  employee: { select: { id: true, userId: true, firstName: true, lastName: true, company: { select: { name: true } } } },
} satisfies Prisma.ConsultationSelect;
type ConsultationView = Prisma.ConsultationGetPayload<{ select: typeof VIEW }>;

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,100}$/;

/**
 * What makes two booking requests "the same" for an Idempotency-Key: every field of the body, normalised
 * (uuid case, one ISO form of the instant, absent duration as empty), so a retry of the same request matches.
 */
function bookingFingerprint(dto: BookConsultationDto): string {
  return sha256([dto.practitionerId.toLowerCase(), dto.scheduledAt.toISOString(), dto.duration ?? '', dto.format].join('|'));
}

/** What one state-machine step changes besides the status, records, and causes. */
interface TransitionStep {
  changes?: (current: ConsultationView) => Prisma.ConsultationUncheckedUpdateManyInput;
  eventMetadata?: (current: ConsultationView) => Prisma.InputJsonObject;
  extra?: (tx: TenantTx, current: ConsultationView) => Promise<void>;
  effects?: (updated: ConsultationView) => OutboxEffect[];
}

/**
 * Consultations (SPEC §4.7, §6.1–6.4): booking without double booking (the database's exclusion
 * constraints decide races), the lifecycle through the one state machine, lists and detail for the
 * two participants only. Every transition writes its status, event, audit row and side effects
 * (reminder jobs, notifications, e-mails, as outbox messages) in one transaction.
 */
@Injectable()
export class ConsultationsService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly ctx: RequestContext,
    private readonly slots: SlotsService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
    private readonly access: AccessService,
    private readonly practitioners: PractitionerRecords,
  ) {}

  // ---------- CO1 booking ----------

  async book(me: Identity, dto: BookConsultationDto, idempotencyKey?: string): Promise<{ consultation: ConsultationDto; replayed: boolean }> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw AppException.badRequest(ErrorCode.IDEMPOTENCY_KEY_INVALID, 'En-tête Idempotency-Key invalide (8 à 100 caractères [A-Za-z0-9_.:-])', [{ field: 'Idempotency-Key', message: 'format invalide' }]);
    }
    const employeeId = me.employeeId!;
    const fingerprint = idempotencyKey ? bookingFingerprint(dto) : null;
    if (idempotencyKey) {
      const previous = await this.findByIdempotencyKey(employeeId, idempotencyKey, fingerprint!);
      if (previous) return { consultation: previous, replayed: true };
    }

    const [company, practitioner] = await Promise.all([
      this.tenant.db.company.findUnique({ where: { id: me.companyId! }, select: { isActive: true } }),
      this.tenant.db.practitioner.findFirst({
        where: { id: dto.practitionerId, isValidated: true, isActive: true },
        select: { id: true, userId: true, timezone: true, bufferTime: true, offersVideo: true, offersPhone: true, offersInPerson: true, isAcceptingNewClients: true },
      }),
    ]);
    if (!company?.isActive) throw AppException.forbidden(ErrorCode.COMPANY_INACTIVE, "L'accès de votre entreprise est suspendu");
    if (!practitioner) throw AppException.notFound('Praticien introuvable');
    const offered = { VIDEO: practitioner.offersVideo, AUDIO: practitioner.offersPhone, IN_PERSON: practitioner.offersInPerson }[dto.format];
    if (!offered) throw AppException.badRequest(ErrorCode.FORMAT_NOT_OFFERED, "Ce praticien ne propose pas ce format", [{ field: 'format', message: 'non proposé par ce praticien' }]);
    if (!practitioner.isAcceptingNewClients) {
      const seenBefore = await this.tenant.db.consultation.count({ where: { employeeId, practitionerId: practitioner.id, status: ConsultationStatus.COMPLETED } });
      if (seenBefore === 0) throw AppException.badRequest(ErrorCode.PRACTITIONER_NOT_ACCEPTING, "Ce praticien n'accepte pas de nouveaux patients");
    }

    const slot = await this.requireSlot(practitioner, dto.scheduledAt, dto.duration);
    const id = randomUUID();
    const scheduledEndAt = slot.end;
    let created: ConsultationView;
    let outboxIds: string[] = [];
    try {
      // four statements: the row (its overlap with any other active one is refused by the exclusion
      // constraints, 23P01), its two events, the audit row, the outbox rows
      created = await this.tenant.tx(async (tx) => {
        const row = await tx.consultation.create({
          data: {
            id,
            companyId: me.companyId!,
            employeeId,
            practitionerId: practitioner.id,
            scheduledAt: slot.start,
            scheduledEndAt,
            blockedUntil: new Date(scheduledEndAt.getTime() + practitioner.bufferTime * MINUTE),
            duration: (scheduledEndAt.getTime() - slot.start.getTime()) / MINUTE,
            format: dto.format,
            // generated once, at booking (SPEC §8.1); a room only makes sense online
            roomName: dto.format === ConsultationFormat.VIDEO ? `huntzen-${id}-${Date.now()}` : null,
            idempotencyKey: idempotencyKey ?? null,
            requestFingerprint: fingerprint,
          },
          select: VIEW,
        });
        await this.recordEvents(tx, id, [ConsultationEventType.CREATED, ConsultationEventType.SCHEDULED]);
        await this.audit.record({ action: AuditAction.CREATE, resource: 'consultation', resourceId: id, isSensitive: true, details: { event: 'CONSULTATION_BOOKED' } }, tx);
        outboxIds = await this.outbox.add(tx, this.bookingEffects(me, row, practitioner.userId));
        return row;
      });
    } catch (e) {
      const { code, constraint } = pgError(e);
      if (idempotencyKey && code === '23505') {
        const previous = await this.findByIdempotencyKey(employeeId, idempotencyKey, fingerprint!);
        if (previous) return { consultation: previous, replayed: true };
      }
      if (code === '23P01') {
        throw constraint?.includes('employee')
          ? AppException.conflict(ErrorCode.EMPLOYEE_SLOT_CONFLICT, 'Vous avez déjà une consultation sur ce créneau')
          : AppException.conflict(ErrorCode.SLOT_UNAVAILABLE, "Ce créneau vient d'être réservé");
      }
      throw e;
    }

    await this.outbox.deliver(outboxIds);
    return { consultation: this.toDto(created, me), replayed: false };
  }

  private bookingEffects(me: Identity, c: ConsultationView, practitionerUserId: string): OutboxEffect[] {
    const when = this.when(c);
    const link = `/consultations/${c.id}`;
    return [
      { topic: 'reminders.schedule', payload: { consultationId: c.id, scheduledAt: c.scheduledAt.toISOString() } },
      {
        // through the notification worker, which applies the recipient's preferences (calendar invitation)
        topic: 'notify',
        payload: {
          userIds: [me.userId],
          type: NotificationType.CONSULTATION_BOOKED,
          title: 'Consultation réservée',
          message: 'Votre consultation est réservée.',
          linkUrl: link,
          metadata: { consultationId: c.id },
          mail: { template: 'consultation-booked-employee', data: { ...when, cancellationHours: this.config.get('CANCELLATION_WINDOW_HOURS') } },
        },
      },
      {
        topic: 'notify',
        payload: {
          userIds: [practitionerUserId],
          type: NotificationType.CONSULTATION_BOOKED,
          title: 'Nouvelle demande de consultation',
          message: 'Une nouvelle consultation a été réservée dans votre agenda.',
          linkUrl: link,
          metadata: { consultationId: c.id },
          mail: { template: 'consultation-requested-practitioner', data: when },
        },
      },
    ];
  }

  // ---------- CO2–CO5 reads ----------

  async mine(me: Identity, q: ListConsultationsQueryDto) {
    return this.list(me, { employeeId: me.employeeId! }, q, 'asc');
  }

  async upcoming(me: Identity, q: ListConsultationsQueryDto) {
    // still running ones stay visible until their planned end
    const where: Prisma.ConsultationWhereInput = { practitionerId: me.practitionerId!, status: { in: ACTIVE_STATUSES }, scheduledEndAt: { gte: new Date() } };
    return this.list(me, where, { ...q, tab: undefined }, 'asc');
  }

  async history(me: Identity, q: ListConsultationsQueryDto) {
    const now = new Date();
    const where: Prisma.ConsultationWhereInput = {
      ...this.participantWhere(me),
      OR: [{ status: { in: TERMINAL_STATUSES } }, { scheduledEndAt: { lt: now } }],
    };
    return this.list(me, where, { ...q, tab: undefined }, 'desc');
  }

  async detail(me: Identity, id: string): Promise<ConsultationDto> {
    const c = await this.findForParticipant(me, id);
    // the practitioner reads the employee's data: shown in the employee's access log (no content audited)
    if (me.role === Role.PRACTITIONER) {
      await this.audit.record({ action: AuditAction.READ, resource: 'consultation', resourceId: c.id, subjectUserId: c.employee.userId, isSensitive: true, details: { event: 'CONSULTATION_READ' } });
    }
    return this.toDto(c, me);
  }

  // ---------- CO6–CO11 and I1: transitions ----------

  async confirm(me: Identity, id: string): Promise<ConsultationDto> {
    const c = await this.transition(me, id, 'confirm', {
      effects: (c) => [
        this.notifyEffect([c.employee.userId], c, NotificationType.CONSULTATION_CONFIRMED, 'Consultation confirmée', 'Votre praticien a confirmé la consultation.', {
          template: 'consultation-confirmed',
          data: this.when(c),
        }),
      ],
    });
    return this.toDto(c, me);
  }

  async cancel(me: Identity, id: string, reason: string | undefined, confirmLate: boolean): Promise<ConsultationDto> {
    const c = await this.transition(me, id, 'cancel', {
      changes: (current) => {
        const late = this.isLate(current.scheduledAt);
        if (late && !confirmLate) {
          throw AppException.conflict(ErrorCode.LATE_CANCELLATION_CONFIRMATION_REQUIRED, `Annulation à moins de ${this.config.get('CANCELLATION_WINDOW_HOURS')} h : confirmez avec confirmLateCancellation=true`, [{ field: 'confirmLateCancellation', message: 'requis' }]);
        }
        return { cancelledAt: new Date(), cancelledBy: me.userId, cancelReason: reason ?? null, cancelledWithin24h: late };
      },
      eventMetadata: (current) => ({ late: this.isLate(current.scheduledAt) }),
      effects: (c) => [
        { topic: 'reminders.remove', payload: { consultationId: c.id } },
        this.notifyEffect(
          [c.employee.userId, c.practitioner.userId],
          c,
          NotificationType.CONSULTATION_CANCELLED,
          'Consultation annulée',
          me.role === Role.EMPLOYEE ? 'Une consultation a été annulée par le patient.' : 'Une consultation a été annulée par le praticien.',
          { template: 'consultation-cancelled', data: { ...this.when(c), sequence: this.sequence() } },
        ),
      ],
    });
    return this.toDto(c, me);
  }

  async reschedule(me: Identity, id: string, scheduledAt: Date, confirmLate: boolean): Promise<ConsultationDto> {
    const current = await this.findForParticipant(me, id);
    const practitioner = await this.tenant.db.practitioner.findUniqueOrThrow({ where: { id: current.practitionerId }, select: { id: true, timezone: true, bufferTime: true } });
    if (this.isLate(current.scheduledAt) && !confirmLate && TRANSITIONS.reschedule.from.includes(current.status)) {
      throw AppException.conflict(ErrorCode.LATE_CANCELLATION_CONFIRMATION_REQUIRED, `Report à moins de ${this.config.get('CANCELLATION_WINDOW_HOURS')} h : confirmez avec confirmLateReschedule=true`, [{ field: 'confirmLateReschedule', message: 'requis' }]);
    }
    // its own current time does not count against it: the exclusion constraint ignores the row itself
    const slot = await this.requireSlot(practitioner, scheduledAt, current.duration);
    const previous = current.scheduledAt;
    try {
      const c = await this.transition(me, id, 'reschedule', {
        changes: () => ({ scheduledAt: slot.start, scheduledEndAt: slot.end, blockedUntil: new Date(slot.end.getTime() + practitioner.bufferTime * MINUTE) }),
        eventMetadata: () => ({ rescheduledFrom: previous.toISOString() }),
        effects: (c) => [
          { topic: 'reminders.schedule', payload: { consultationId: c.id, scheduledAt: c.scheduledAt.toISOString() } },
          this.notifyEffect([c.employee.userId, c.practitioner.userId], c, NotificationType.CONSULTATION_RESCHEDULED, 'Consultation déplacée', 'Une consultation a été déplacée.', {
            template: 'consultation-rescheduled',
            data: { ...this.when(c), previousStartsAt: previous.toISOString(), sequence: this.sequence() },
          }),
        ],
      });
      return this.toDto(c, me);
    } catch (e) {
      const { code, constraint } = pgError(e);
      if (code === '23P01') {
        throw constraint?.includes('employee')
          ? AppException.conflict(ErrorCode.EMPLOYEE_SLOT_CONFLICT, 'Le patient a déjà une consultation sur ce créneau')
          : AppException.conflict(ErrorCode.SLOT_UNAVAILABLE, "Ce créneau vient d'être réservé");
      }
      throw e;
    }
  }

  async start(me: Identity, id: string): Promise<ConsultationDto> {
    const c = await this.transition(me, id, 'start', {
      changes: (current) => {
        if (Date.now() < current.scheduledAt.getTime() - this.joinWindowMs) {
          throw AppException.badRequest(ErrorCode.TOO_EARLY_TO_START, `La consultation ne peut commencer que ${this.config.get('JOIN_WINDOW_MINUTES')} minutes avant l'heure prévue`);
        }
        return { startedAt: new Date() };
      },
    });
    return this.toDto(c, me);
  }

  async end(me: Identity, id: string): Promise<{ consultation: ConsultationDto; actualDuration: number; durationSeconds: number }> {
    // endedAt set, the database trigger computes actual_duration_seconds and minutes (SPEC §3.5)
    const c = await this.transition(me, id, 'end', {
      changes: () => ({ endedAt: new Date(), billingStatus: 'VALIDATED' }),
      extra: async (tx, row) => {
        await this.practitioners.countCompletedSession(tx, row.practitionerId);
      },
      effects: (c) => [
        // the counters show this session after one debounced refresh, not only at the 6-hourly one
        { topic: 'stats.refresh', payload: { reason: 'consultation-ended' } },
        {
          topic: 'notify',
          payload: {
            userIds: [c.employee.userId],
            type: NotificationType.SYSTEM,
            title: 'Comment s’est passée votre consultation ?',
            message: 'Vous pouvez réserver votre prochaine séance et donner votre avis sur votre praticien.',
            linkUrl: `/consultations/${c.id}/review`,
            metadata: { consultationId: c.id, prompt: 'FOLLOW_UP' },
          },
        },
        {
          topic: 'notify',
          payload: {
            userIds: [c.practitioner.userId],
            type: NotificationType.SYSTEM,
            title: 'Consultation terminée',
            message: 'Pensez à compléter vos notes de séance.',
            linkUrl: `/consultations/${c.id}/notes`,
            metadata: { consultationId: c.id, prompt: 'CLINICAL_NOTES' },
          },
        },
      ],
    });
    return { consultation: this.toDto(c, me), actualDuration: c.actualDuration ?? 0, durationSeconds: c.actualDurationSeconds ?? 0 };
  }

  async noShow(me: Identity, id: string, absentParty: 'employee' | 'practitioner'): Promise<ConsultationDto> {
    const c = await this.transition(me, id, 'noShow', {
      changes: (current) => {
        if (Date.now() < current.scheduledAt.getTime()) {
          throw AppException.badRequest(ErrorCode.TOO_EARLY_FOR_NO_SHOW, "Une absence ne peut être déclarée qu'après l'heure prévue");
        }
        return { noShowAt: new Date(), noShowBy: absentParty };
      },
      eventMetadata: () => ({ absentParty }),
      effects: (c) => [{ topic: 'reminders.remove', payload: { consultationId: c.id } }],
    });
    return this.toDto(c, me);
  }

  /** CO12: ROOM_JOINED / ROOM_LEFT, informational, while the consultation is not over. */
  async recordRoomEvent(me: Identity, id: string, event: 'ROOM_JOINED' | 'ROOM_LEFT') {
    const c = await this.findForParticipant(me, id);
    if (!ACTIVE_STATUSES.includes(c.status)) {
      throw AppException.badRequest(ErrorCode.INVALID_STATE_TRANSITION, 'Cette consultation est terminée');
    }
    return this.tenant.tx((tx) => this.recordEvent(tx, c.id, ConsultationEventType[event]));
  }

  // ---------- helpers ----------

  get joinWindowMs(): number {
    return this.config.get('JOIN_WINDOW_MINUTES') * MINUTE;
  }

  /**
   * When the room closes (SPEC §6.4, CO8): the planned end + the join window. A session still IN_PROGRESS
   * may overrun: it stays open ROOM_OVERRUN_TOKEN_MINUTES past `now`, bounded by started_at +
   * ROOM_MAX_SESSION_MINUTES so a session never left open keeps a room forever.
   */
  roomClosesAt(c: Pick<ConsultationView, 'status' | 'scheduledAt' | 'scheduledEndAt' | 'startedAt'>, now = Date.now()): Date {
    const planned = c.scheduledEndAt.getTime() + this.joinWindowMs;
    if (c.status !== ConsultationStatus.IN_PROGRESS) return new Date(planned);
    const cap = (c.startedAt ?? c.scheduledAt).getTime() + this.config.get('ROOM_MAX_SESSION_MINUTES') * MINUTE;
    return new Date(Math.max(planned, Math.min(now + this.config.get('ROOM_OVERRUN_TOKEN_MINUTES') * MINUTE, cap)));
  }

  /** Participant-only read; anyone else — other employee, other practitioner — gets 404. */
  async findForParticipant(me: Identity, id: string): Promise<ConsultationView> {
    const c = await this.tenant.db.consultation.findFirst({ where: { id, ...this.participantWhere(me) }, select: VIEW });
    if (!c) throw AppException.notFound('Consultation introuvable');
    return c;
  }

  participantWhere(me: Identity): Prisma.ConsultationWhereInput {
    return this.access.participantWhere(me);
  }

  /**
   * Runs one state-machine step: participant + role + from-state checks, a conditional update (a
   * concurrent change makes it fail cleanly), the event, the audit row and the side effects (outbox),
   * all in one transaction; the side effects are delivered once it has committed.
   */
  private async transition(me: Identity, id: string, action: ConsultationAction, step: TransitionStep = {}): Promise<ConsultationView> {
    const t = TRANSITIONS[action];
    let outboxIds: string[] = [];
    const updated = await this.tenant.tx(async (tx) => {
      const current = await tx.consultation.findFirst({ where: { id, ...this.participantWhere(me) }, select: VIEW });
      if (!current) throw AppException.notFound('Consultation introuvable');
      if (!t.by.includes(me.role)) throw AppException.forbidden(ErrorCode.FORBIDDEN, 'Action réservée à un autre participant');
      if (!t.from.includes(current.status)) throw this.invalidTransition(current.status, action);
      const data = step.changes?.(current) ?? {};
      const { count } = await tx.consultation.updateMany({ where: { id, status: current.status }, data: { ...data, status: t.to } });
      if (count !== 1) throw this.invalidTransition(current.status, action);
      await step.extra?.(tx, current);
      await this.recordEvent(tx, id, t.event, step.eventMetadata?.(current));
      const row = await tx.consultation.findUniqueOrThrow({ where: { id }, select: VIEW });
      await this.audit.record(
        {
          action: action === 'cancel' ? AuditAction.CANCEL : AuditAction.UPDATE,
          resource: 'consultation',
          resourceId: id,
          companyId: null,
          isSensitive: true,
          details: { event: `CONSULTATION_${action === 'noShow' ? 'NO_SHOW' : action.toUpperCase()}`, from: current.status, to: t.to },
        },
        tx,
      );
      outboxIds = await this.outbox.add(tx, step.effects?.(row) ?? []);
      return row;
    });
    await this.outbox.deliver(outboxIds);
    return updated;
  }

  /** In-app notification (with an optional e-mail) to `userIds` about consultation `c`. */
  private notifyEffect(
    userIds: string[],
    c: ConsultationView,
    type: NotificationType,
    title: string,
    message: string,
    mail?: DispatchJob['mail'],
  ): OutboxEffect {
    return { topic: 'notify', payload: { userIds, type, title, message, linkUrl: `/consultations/${c.id}`, metadata: { consultationId: c.id }, ...(mail ? { mail } : {}) } };
  }

  private invalidTransition(status: ConsultationStatus, action: ConsultationAction): AppException {
    return AppException.badRequest(ErrorCode.INVALID_STATE_TRANSITION, `Action « ${action} » impossible depuis l'état ${status}`);
  }

  /** Several events of one step in one statement (createMany: no read-back). */
  private async recordEvents(tx: TenantTx, consultationId: string, eventTypes: ConsultationEventType[]) {
    const me = this.ctx.requireIdentity;
    const common = { consultationId, actorId: me.userId, actorRole: me.role, ipAddress: this.ctx.ip ?? null, userAgent: this.ctx.userAgent?.slice(0, 500) ?? null };
    await tx.consultationEvent.createMany({ data: eventTypes.map((eventType) => ({ ...common, eventType })) });
  }

  private async recordEvent(tx: TenantTx, consultationId: string, eventType: ConsultationEventType, metadata?: Prisma.InputJsonObject) {
    const me = this.ctx.requireIdentity;
    return tx.consultationEvent.create({
      data: { consultationId, eventType, actorId: me.userId, actorRole: me.role, metadata, ipAddress: this.ctx.ip ?? null, userAgent: this.ctx.userAgent?.slice(0, 500) ?? null },
      select: { id: true, eventType: true, timestamp: true },
    });
  }

  /**
   * The requested start must be a generated slot of the practitioner (SPEC §6.1): not in the
   * availability → 400, past / beyond the horizon → 400. Taken → 409 comes from the exclusion constraints
   * when the row is written (one range query here, no agenda loaded).
   */
  private async requireSlot(practitioner: { id: string; timezone: string; bufferTime: number }, start: Date, duration: number | undefined) {
    if (start.getTime() <= Date.now()) throw AppException.badRequest(ErrorCode.SLOT_IN_PAST, 'Ce créneau est passé', [{ field: 'scheduledAt', message: 'dans le passé' }]);
    const check = await this.slots.requestedSlot(practitioner, start);
    if (check.status === 'NOT_IN_AVAILABILITY') throw AppException.badRequest(ErrorCode.OUTSIDE_AVAILABILITY, "Ce créneau n'est pas dans les disponibilités du praticien", [{ field: 'scheduledAt', message: 'hors disponibilités' }]);
    const { slot } = check;
    if (duration !== undefined && duration !== (slot.end.getTime() - slot.start.getTime()) / MINUTE) {
      throw AppException.badRequest(ErrorCode.DURATION_MISMATCH, 'La durée doit être celle du créneau', [{ field: 'duration', message: `doit valoir ${(slot.end.getTime() - slot.start.getTime()) / MINUTE}` }]);
    }
    if (check.status === 'PAST') throw AppException.badRequest(ErrorCode.SLOT_IN_PAST, 'Ce créneau est trop proche ou passé', [{ field: 'scheduledAt', message: 'trop proche' }]);
    if (check.status === 'TOO_FAR') throw AppException.badRequest(ErrorCode.SLOT_TOO_FAR, 'Ce créneau est au-delà de la période de réservation', [{ field: 'scheduledAt', message: 'trop lointain' }]);
    return slot;
  }

  private isLate(scheduledAt: Date): boolean {
    return scheduledAt.getTime() - Date.now() < this.config.get('CANCELLATION_WINDOW_HOURS') * HOUR;
  }

  /** iCalendar SEQUENCE: increases with every update of the same invitation. */
  private sequence(): number {
    return Math.floor(Date.now() / 1000) - 1_700_000_000;
  }

  private when(c: ConsultationView) {
    return {
      consultationId: c.id,
      startsAt: c.scheduledAt.toISOString(),
      endsAt: c.scheduledEndAt.toISOString(),
      format: c.format,
      link: new URL(`/consultations/${c.id}`, this.config.get('FRONTEND_URL')).toString(),
    };
  }

  /** The booking first made with this key, or 422 when the key now comes with another request. */
  private async findByIdempotencyKey(employeeId: string, idempotencyKey: string, fingerprint: string) {
    const c = await this.tenant.db.consultation.findUnique({
      where: { employeeId_idempotencyKey: { employeeId, idempotencyKey } },
      select: { ...VIEW, requestFingerprint: true },
    });
    if (!c) return null;
    // NULL: booked before fingerprints were stored, nothing to compare
    if (c.requestFingerprint !== null && c.requestFingerprint !== fingerprint) {
      throw new AppException(HttpStatus.UNPROCESSABLE_ENTITY, ErrorCode.IDEMPOTENCY_KEY_MISMATCH, 'Cette clé Idempotency-Key a déjà servi pour une autre demande de réservation', [
        { field: 'Idempotency-Key', message: 'déjà utilisée avec un autre corps de requête' },
      ]);
    }
    return this.toDto(c, this.ctx.requireIdentity);
  }

  private async list(me: Identity, where: Prisma.ConsultationWhereInput, q: ListConsultationsQueryDto, order: 'asc' | 'desc') {
    const now = new Date();
    const filters: Prisma.ConsultationWhereInput[] = [where];
    if (q.status?.length) filters.push({ status: { in: q.status } });
    if (q.from) filters.push({ scheduledAt: { gte: q.from } });
    if (q.to) filters.push({ scheduledAt: { lte: q.to } });
    if (q.tab === 'upcoming') filters.push({ status: { in: ACTIVE_STATUSES }, scheduledEndAt: { gte: now } });
    if (q.tab === 'past') filters.push({ OR: [{ status: { in: TERMINAL_STATUSES } }, { scheduledEndAt: { lt: now } }] });
    const finalWhere = { AND: filters };
    const [rows, total] = await Promise.all([
      this.tenant.db.consultation.findMany({ where: finalWhere, select: VIEW, orderBy: { scheduledAt: order }, ...pageArgs(q) }),
      this.tenant.db.consultation.count({ where: finalWhere }),
    ]);
    return { consultations: rows.map((r) => this.toDto(r, me)), ...pageInfo(total, q) };
  }

  toDto(c: ConsultationView, me: Identity): ConsultationDto {
    const now = Date.now();
    const active = ACTIVE_STATUSES.includes(c.status);
    const cancellable = TRANSITIONS.cancel.from.includes(c.status);
    return {
      id: c.id,
      status: c.status,
      format: c.format,
      scheduledAt: c.scheduledAt,
      scheduledEndAt: c.scheduledEndAt,
      duration: c.duration,
      startedAt: c.startedAt,
      endedAt: c.endedAt,
      actualDuration: c.actualDuration,
      actualDurationSeconds: c.actualDurationSeconds,
      roomName: c.format === ConsultationFormat.VIDEO ? c.roomName : null,
      canJoin: active && c.format !== ConsultationFormat.IN_PERSON && now >= c.scheduledAt.getTime() - this.joinWindowMs && now <= this.roomClosesAt(c, now).getTime(),
      canCancel: cancellable,
      lateCancellation: cancellable && this.isLate(c.scheduledAt),
      cancelledAt: c.cancelledAt,
      cancelledByRole: c.cancelledBy ? (c.cancelledBy === c.employee.userId ? Role.EMPLOYEE : Role.PRACTITIONER) : null,
      cancelReason: c.cancelReason,
      cancelledWithin24h: c.cancelledWithin24h,
      noShowAt: c.noShowAt,
      noShowBy: c.noShowBy,
      practitioner: { id: c.practitioner.id, firstName: c.practitioner.firstName, lastName: c.practitioner.lastName, title: c.practitioner.title, specialty: c.practitioner.specialty, avatarUrl: c.practitioner.avatarUrl },
      employee: { id: c.employee.id, firstName: c.employee.firstName, lastName: c.employee.lastName, companyName: me.role === Role.PRACTITIONER ? c.employee.company?.name ?? null : null },
      createdAt: c.createdAt,
    };
  }
}
