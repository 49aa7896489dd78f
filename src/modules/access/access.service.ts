import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { ConsultationFormat, ConsultationStatus, Prisma, Role } from '@prisma/client';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { callerContextValues } from '../../infra/prisma/caller-context.js';
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
    return (await this.consultationParticipants(me, consultationId)).access;
  }

  /**
   * The participant check with both participants' display profiles. The rule is one SQL function,
   * consultation_participant() (migration 20261130000500: the caller's own profile id for its role, the whole
   * context binding, under RLS): in an HTTP request it runs in the request's transaction; elsewhere (sockets,
   * jobs) in one prepared round trip (TenantSql) — the chat re-checks a room every few seconds while messages
   * flow, and a Prisma relation query there was planned afresh at every call. An id that is not a UUID
   * matches nothing.
   */
  async consultationParticipants(me: Identity, consultationId: string): Promise<{ access: ConsultationAccess; employee: ParticipantProfile; practitioner: ParticipantProfile }> {
    if (!isUUID(consultationId, 'all')) throw AppException.notFound('Consultation introuvable');
    let row: ParticipantRow | null;
    if (this.tenant.inRequestTransaction) {
      const [u, role, company, employee, practitioner] = callerContextValues(me);
      const rows = await this.tenant.queryRaw<{ result: ParticipantRow | null }[]>(
        Prisma.sql`SELECT consultation_participant(${u}, ${role}, ${company}, ${employee}, ${practitioner}, ${consultationId}::uuid) AS result`,
      );
      row = rows[0]?.result ?? null;
    } else {
      row = await this.sql.call<ParticipantRow | null>('consultation_participant', [consultationId]);
    }
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
