import { Injectable } from '@nestjs/common';
import { ConsultationFormat, ConsultationStatus, Prisma, Role } from '@prisma/client';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { TenantSql } from '../../infra/prisma/tenant-sql.service.js';

/** What any caller of a consultation-scoped resource (chat, call, file, note) may need to know. */
export interface ConsultationAccess {
  id: string;
  status: ConsultationStatus;
  format: ConsultationFormat;
  scheduledAt: Date;
  scheduledEndAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  employeeId: string;
  practitionerId: string;
  employeeUserId: string;
  practitionerUserId: string;
  /** The caller's side and the other side's user id (the only user id ever compared with the caller's). */
  side: 'employee' | 'practitioner';
  counterpartUserId: string;
}

/** A participant as the other one sees it (chat sender names). */
export interface ParticipantProfile {
  userId: string;
  id: string;
  firstName: string;
  lastName: string;
  avatarUrl: string | null;
}

/** What consultation_participant() answers (json: instants as ISO strings with their offset). */
type ParticipantRow = Omit<ConsultationAccess, 'employeeUserId' | 'practitionerUserId' | 'side' | 'counterpartUserId' | 'scheduledAt' | 'scheduledEndAt' | 'startedAt' | 'endedAt'> & {
  scheduledAt: string;
  scheduledEndAt: string;
  startedAt: string | null;
  endedAt: string | null;
  employee: ParticipantProfile;
  practitioner: ParticipantProfile;
};

const SELECT = {
  id: true, status: true, format: true, scheduledAt: true, scheduledEndAt: true, startedAt: true, endedAt: true,
  employeeId: true, practitionerId: true,
  employee: { select: { userId: true } },
  practitioner: { select: { userId: true } },
} satisfies Prisma.ConsultationSelect;

/**
 * The one place that answers "may this caller touch this object?" (in the manner of Immich's access.ts).
 * Each check queries by id AND the caller's own profile id, so another person's id simply matches nothing
 * and the answer is a 404 that reveals nothing; RLS enforces the same rule underneath.
 */
@Injectable()
export class AccessService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly sql: TenantSql,
  ) {}

  /** Where-clause restricting consultations to those the caller takes part in (nobody else: matches none). */
  participantWhere(me: Identity): Prisma.ConsultationWhereInput {
    if (me.role === Role.EMPLOYEE && me.employeeId) return { employeeId: me.employeeId };
    if (me.role === Role.PRACTITIONER && me.practitionerId) return { practitionerId: me.practitionerId };
    return { id: { in: [] } };
  }

  /** The consultation if the caller is one of its two participants, else 404 `NOT_FOUND`. */
  async consultationParticipant(me: Identity, consultationId: string): Promise<ConsultationAccess> {
    const c = await this.tenant.db.consultation.findFirst({ where: { id: consultationId, ...this.participantWhere(me) }, select: SELECT });
    if (!c) throw AppException.notFound('Consultation introuvable');
    const { employee, practitioner, ...rest } = c;
    return withSides(me, rest, employee.userId, practitioner.userId);
  }

  /**
   * The same check (same rule, same 404) with both participants' profiles, in one prepared round trip
   * (TenantSql, consultation_participant) instead of Prisma's relation query, planned at every call: for
   * the realtime path, where a chat room is re-checked every few seconds while messages flow. Inside an
   * HTTP request it commits the request's transaction first (TenantSql), so only where nothing follows.
   */
  async consultationParticipants(me: Identity, consultationId: string): Promise<{ access: ConsultationAccess; employee: ParticipantProfile; practitioner: ParticipantProfile }> {
    const row = await this.sql.call<ParticipantRow | null>('consultation_participant', [consultationId]);
    if (!row) throw AppException.notFound('Consultation introuvable');
    const { employee, practitioner, scheduledAt, scheduledEndAt, startedAt, endedAt, ...rest } = row;
    const at = (iso: string | null) => (iso === null ? null : new Date(iso));
    const access = withSides(me, { ...rest, scheduledAt: new Date(scheduledAt), scheduledEndAt: new Date(scheduledEndAt), startedAt: at(startedAt), endedAt: at(endedAt) }, employee.userId, practitioner.userId);
    return { access, employee, practitioner };
  }

  /**
   * User ids of everyone who shares a consultation (not cancelled) with the caller: the only people who
   * may see the caller's presence (SPEC §5.4 W26). Runs as the caller (RLS).
   */
  async counterpartUserIds(me: Identity): Promise<string[]> {
    const employee = me.role === Role.EMPLOYEE;
    const rows = await this.tenant.db.consultation.findMany({
      where: { ...this.participantWhere(me), status: { not: ConsultationStatus.CANCELLED } },
      select: { employee: { select: { userId: true } }, practitioner: { select: { userId: true } } },
      distinct: [employee ? 'practitionerId' : 'employeeId'],
    });
    return [...new Set(rows.map((r) => (employee ? r.practitioner.userId : r.employee.userId)))];
  }

  /** The consultation if the caller is its practitioner (clinical notes), else 404. */
  async consultationPractitioner(me: Identity, consultationId: string): Promise<ConsultationAccess> {
    if (me.role !== Role.PRACTITIONER) throw AppException.notFound('Consultation introuvable');
    return this.consultationParticipant(me, consultationId);
  }
}

function withSides(me: Identity, c: Omit<ConsultationAccess, 'employeeUserId' | 'practitionerUserId' | 'side' | 'counterpartUserId'>, employeeUserId: string, practitionerUserId: string): ConsultationAccess {
  const side = me.role === Role.EMPLOYEE ? 'employee' : 'practitioner';
  return { ...c, employeeUserId, practitionerUserId, side, counterpartUserId: side === 'employee' ? practitionerUserId : employeeUserId };
}
