import { Injectable } from '@nestjs/common';
import { ConsultationFormat, ConsultationStatus, Prisma, Role } from '@prisma/client';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';

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
  constructor(private readonly tenant: TenantPrisma) {}

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
    const side = me.role === Role.EMPLOYEE ? 'employee' : 'practitioner';
    const { employee, practitioner, ...rest } = c;
    return {
      ...rest,
      employeeUserId: employee.userId,
      practitionerUserId: practitioner.userId,
      side,
      counterpartUserId: side === 'employee' ? practitioner.userId : employee.userId,
    };
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
