import { Injectable, Logger } from '@nestjs/common';
import { AuditAction, NotificationType, Prisma, Role, UserTokenType } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { IdentityResolver } from '../../common/auth/identity-resolver.service.js';
import type { Identity } from '../../common/context/request-context.js';
import { RequestContext } from '../../common/context/request-context.service.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { pageArgs, pageInfo } from '../../common/pagination/pagination.js';
import { NO_PASSWORD_HASH } from '../../common/security/password.js';
import { randomToken, sha256 } from '../../common/security/tokens.js';
import { AppConfig } from '../../config/app-config.service.js';
import { MailService } from '../../infra/mail/mail.service.js';
import { uniqueViolation } from '../../infra/prisma/db-errors.js';
import { TenantPrisma, TenantTx } from '../../infra/prisma/tenant-prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import { AuthService } from '../auth/auth.service.js';
import { SessionService } from '../auth/session.service.js';
import { NotificationsGateway } from '../notifications/notifications.gateway.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import {
  ActivationResponseDto,
  CreateEmployeeDto,
  EmployeeHrDto,
  EmployeeListDto,
  EmployeeSelfDto,
  EmployeeStatus,
  GDPR_NOTICE,
  HrUpdateEmployeeDto,
  ListEmployeesQueryDto,
  SelfUpdateEmployeeDto,
} from './dto/employees.dto.js';
import { EmployeeStatsService } from './employee-stats.service.js';
import { parsePeriod, Period } from './period.js';

const INVITATION_TTL_MS = 7 * 24 * 3600_000;

/** The company facts that drive invitations. */
export interface InvitingCompany {
  id: string;
  name: string;
  emailDomains: string[];
  maxEmployees: number | null;
}

export interface Invitee {
  email: string;
  firstName: string;
  lastName: string;
  department?: string | null;
  position?: string | null;
}

const HR_VIEW = {
  id: true,
  userId: true,
  firstName: true,
  lastName: true,
  department: true,
  position: true,
  phoneNumber: true,
  onboardingCompletedAt: true,
  user: { select: { email: true, isActive: true, emailVerified: true } },
} satisfies Prisma.EmployeeSelect;
type HrRow = Prisma.EmployeeGetPayload<{ select: typeof HR_VIEW }>;

const SELF_VIEW = { user: { select: { email: true } } } satisfies Prisma.EmployeeInclude;
type SelfRow = Prisma.EmployeeGetPayload<{ include: typeof SELF_VIEW }>;

/** pending = invitation not accepted yet (e-mail never verified); inactive = switched off after that. */
const STATUS_FILTER: Record<EmployeeStatus, Prisma.UserWhereInput> = {
  active: { isActive: true },
  inactive: { isActive: false, emailVerified: true },
  pending: { isActive: false, emailVerified: false },
};

/** A seat is held by an account that can use the platform or is about to: active, or invited. */
const HOLDS_SEAT: Prisma.UserWhereInput = { deletedAt: null, OR: [{ isActive: true }, { emailVerified: false }] };

export function statusOf(user: { isActive: boolean; emailVerified: boolean }): EmployeeStatus {
  return user.isActive ? 'active' : user.emailVerified ? 'inactive' : 'pending';
}

export function domainAllowed(company: InvitingCompany, email: string): boolean {
  return company.emailDomains.includes(`@${email.slice(email.lastIndexOf('@') + 1)}`);
}

const emailTaken = () => AppException.conflict(ErrorCode.EMAIL_TAKEN, 'Un compte existe déjà avec cette adresse e-mail', [{ field: 'email', message: 'déjà utilisée' }]);
const notFound = () => AppException.notFound('Salarié introuvable');

/**
 * Employees (SPEC §4.4 E1–E6, E9–E13, §4.19 I8; US-2.3 … US-2.5). HR acts on its own company's employees
 * only, an employee on its own profile only; any other id is a 404. HR never sees anything about
 * consultations beyond the per-period counters of EmployeeStatsService.
 */
@Injectable()
export class EmployeesService {
  private readonly logger = new Logger('Employees');

  constructor(
    private readonly tenant: TenantPrisma,
    private readonly ctx: RequestContext,
    private readonly stats: EmployeeStatsService,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly notifications: NotificationsService,
    private readonly gateway: NotificationsGateway,
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
    private readonly identities: IdentityResolver,
    private readonly config: AppConfig,
  ) {}

  // ---------- E1 ----------

  async list(me: Identity, q: ListEmployeesQueryDto): Promise<EmployeeListDto> {
    const companyId = companyOf(me);
    const period = parsePeriod(q.period);
    const where: Prisma.EmployeeWhereInput = {
      companyId,
      user: { deletedAt: null, ...(q.status ? STATUS_FILTER[q.status] : {}) },
      ...(q.department ? { department: { equals: q.department, mode: 'insensitive' } } : {}),
      ...(q.q
        ? {
            OR: [
              { firstName: { contains: q.q, mode: 'insensitive' } },
              { lastName: { contains: q.q, mode: 'insensitive' } },
              { user: { email: { contains: q.q, mode: 'insensitive' } } },
            ],
          }
        : {}),
    };
    const { rows, total, usage } = await this.tenant.tx(async (tx) => {
      const [rows, total] = await Promise.all([
        tx.employee.findMany({ where, select: HR_VIEW, orderBy: [{ lastName: 'asc' }, { firstName: 'asc' }, { id: 'asc' }], ...pageArgs(q) }),
        tx.employee.count({ where }),
      ]);
      return { rows, total, usage: await this.stats.forEmployees(rows.map((r) => r.id), period, tx) };
    });
    return { employees: rows.map((r) => toHrDto(r, period, usage.get(r.id))), ...pageInfo(total, q), period: period.label, notice: GDPR_NOTICE };
  }

  // ---------- E2 ----------

  async create(me: Identity, dto: CreateEmployeeDto): Promise<EmployeeHrDto> {
    const company = await this.invitingCompany(me);
    if (!domainAllowed(company, dto.email)) {
      throw AppException.badRequest(ErrorCode.EMAIL_DOMAIN_NOT_ALLOWED, "Le domaine de cette adresse n'est pas autorisé pour l'entreprise", [{ field: 'email', message: 'domaine non autorisé' }]);
    }
    const invited = await this.tenant.tx((tx) => this.insertInvitee(tx, me, company, dto, 'manual')).catch((e) => {
      if (uniqueViolation(e)?.some((f) => f.includes('email'))) throw emailTaken();
      throw e;
    });
    await this.sendInvitation(dto.email, dto.firstName, company.name, invited.token);
    return this.hrView(me, invited.employeeId);
  }

  /**
   * Creates the EMPLOYEE user (inactive, unverified, no password), its profile and a 7-day single-use
   * invitation, as the HR caller in its transaction (RLS: HR inserts EMPLOYEE accounts of its company).
   * Plain inserts without RETURNING, to keep an import to a handful of statements per row.
   */
  async insertInvitee(tx: TenantTx, me: Identity, company: InvitingCompany, invitee: Invitee, source: 'manual' | 'csv'): Promise<{ employeeId: string; userId: string; token: string }> {
    if (company.maxEmployees !== null) await this.reserveSeat(tx, company.id, company.maxEmployees);
    const userId = randomUUID();
    const employeeId = randomUUID();
    const token = randomToken();
    await tx.user.createMany({ data: [{ id: userId, email: invitee.email, passwordHash: NO_PASSWORD_HASH, role: Role.EMPLOYEE, companyId: company.id, isActive: false, emailVerified: false }] });
    await tx.employee.createMany({
      data: [{ id: employeeId, userId, companyId: company.id, firstName: invitee.firstName, lastName: invitee.lastName, department: invitee.department || null, position: invitee.position || null }],
    });
    await this.insertInvitation(tx, me, company.id, userId, token);
    await this.audit.record({ action: AuditAction.CREATE, resource: 'employee', resourceId: employeeId, details: { event: 'EMPLOYEE_INVITED', source } }, tx);
    return { employeeId, userId, token };
  }

  async sendInvitation(email: string, firstName: string, companyName: string, token: string): Promise<void> {
    const link = new URL('/activate', this.config.get('FRONTEND_URL'));
    link.searchParams.set('token', token);
    await this.mail.send(email, 'employee-invitation', { firstName, companyName, link: link.toString() });
  }

  async invitingCompany(me: Identity): Promise<InvitingCompany> {
    const company = await this.tenant.db.company.findUnique({ where: { id: companyOf(me) }, select: { id: true, name: true, emailDomains: true, maxEmployees: true } });
    if (!company) throw AppException.notFound('Entreprise introuvable');
    return company;
  }

  // ---------- E4 ----------

  async activate(token: string, password: string): Promise<ActivationResponseDto> {
    const { identity, message, accessToken, refreshToken } = await this.auth.acceptInvitationAndLogin(token, password);
    // the account is active and the session open whatever happens to this notification
    await this.ctx
      .runAs(identity, () => this.notifications.notify([{ userId: identity.userId, type: NotificationType.ACCOUNT_ACTIVATED, title: 'Compte activé', message: 'Bienvenue sur HuntZen Care' }]))
      .catch((e) => this.logger.warn({ message: 'activation notification not created', error: (e as Error).name }));
    return { message, accessToken, refreshToken };
  }

  // ---------- E5 / E6 ----------

  async me(me: Identity): Promise<EmployeeSelfDto> {
    if (!me.employeeId) throw notFound();
    const row = await this.tenant.db.employee.findUnique({ where: { id: me.employeeId }, include: SELF_VIEW });
    if (!row) throw notFound();
    return toSelfDto(row);
  }

  async updateSelf(me: Identity, dto: SelfUpdateEmployeeDto): Promise<EmployeeSelfDto> {
    if (!me.employeeId) throw notFound();
    const data: Prisma.EmployeeUpdateInput = {};
    for (const [key, value] of Object.entries(dto) as [keyof SelfUpdateEmployeeDto, string | null | undefined][]) {
      if (value === undefined) continue;
      const isDate = key === 'birthDate' || key === 'onboardingCompletedAt' || key === 'consentGivenAt';
      (data as Record<string, unknown>)[key] = value === '' ? null : isDate && value !== null ? new Date(value) : value;
    }
    const employeeId = me.employeeId;
    const row = await this.tenant.tx(async (tx) => {
      const updated = await tx.employee.update({ where: { id: employeeId }, data, include: SELF_VIEW });
      if (Object.keys(data).length) {
        await this.audit.record({ action: AuditAction.UPDATE, resource: 'employee', resourceId: employeeId, details: { event: 'EMPLOYEE_PROFILE_UPDATED', fields: Object.keys(data) } }, tx);
      }
      return updated;
    });
    return toSelfDto(row);
  }

  // ---------- E9 / E10 ----------

  /** E9 for HR: the employee's profile and counters, audited as a read of their data (their access log). */
  async hrRead(me: Identity, id: string, periodLabel?: string): Promise<EmployeeHrDto> {
    const row = await this.findInCompany(this.tenant.db, me, id);
    const period = parsePeriod(periodLabel);
    const usage = await this.stats.forEmployees([row.id], period);
    await this.audit.record({ action: AuditAction.READ, resource: 'employee_profile', resourceId: row.id, subjectUserId: row.userId, details: { event: 'EMPLOYEE_PROFILE_READ' } });
    return toHrDto(row, period, usage.get(row.id));
  }

  async hrView(me: Identity, id: string, periodLabel?: string): Promise<EmployeeHrDto> {
    const row = await this.findInCompany(this.tenant.db, me, id);
    const period = parsePeriod(periodLabel);
    const usage = await this.stats.forEmployees([row.id], period);
    return toHrDto(row, period, usage.get(row.id));
  }

  async hrUpdate(me: Identity, id: string, dto: HrUpdateEmployeeDto): Promise<EmployeeHrDto> {
    const row = await this.findInCompany(this.tenant.db, me, id);
    // an emptied optional field is cleared, not stored as ""
    const data = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined).map(([k, v]) => [k, v === '' ? null : v]));
    if (Object.keys(data).length) {
      await this.tenant.tx(async (tx) => {
        await tx.employee.updateMany({ where: { id: row.id, companyId: companyOf(me) }, data });
        await this.audit.record({ action: AuditAction.UPDATE, resource: 'employee', resourceId: row.id, details: { event: 'EMPLOYEE_UPDATED', fields: Object.keys(data) } }, tx);
      });
    }
    return this.hrView(me, row.id);
  }

  // ---------- E11 / E12 / E13 ----------

  async setActive(me: Identity, id: string, active: boolean): Promise<EmployeeHrDto> {
    const row = await this.findInCompany(this.tenant.db, me, id);
    if (!active) {
      await this.switchOff(me, row, AuditAction.DEACTIVATE);
      return this.hrView(me, row.id);
    }
    if (row.user.isActive) throw AppException.conflict(ErrorCode.ALREADY_ACTIVE, 'Ce salarié est déjà actif');
    if (!row.user.emailVerified) throw AppException.conflict(ErrorCode.INVITATION_PENDING, "Le salarié n'a pas encore activé son compte : renvoyez-lui l'invitation");
    const company = await this.invitingCompany(me);
    await this.tenant.tx(async (tx) => {
      if (company.maxEmployees !== null) await this.reserveSeat(tx, company.id, company.maxEmployees);
      await tx.user.updateMany({ where: { id: row.userId, companyId: company.id, role: Role.EMPLOYEE }, data: { isActive: true } });
      await this.audit.record({ action: AuditAction.ACTIVATE, resource: 'employee', resourceId: row.id, details: { event: 'EMPLOYEE_ACTIVATED' } }, tx);
    });
    this.identities.forget(row.userId);
    return this.hrView(me, row.id);
  }

  /** E11: never a hard delete (SPEC §3.5): the account is switched off like E13, and audited as DELETE. */
  async remove(me: Identity, id: string): Promise<void> {
    const row = await this.findInCompany(this.tenant.db, me, id);
    await this.switchOff(me, row, AuditAction.DELETE);
  }

  private async switchOff(me: Identity, row: HrRow, action: typeof AuditAction.DEACTIVATE | typeof AuditAction.DELETE): Promise<void> {
    await this.tenant.tx(async (tx) => {
      await tx.user.updateMany({ where: { id: row.userId, companyId: companyOf(me), role: Role.EMPLOYEE }, data: { isActive: false } });
      // An unused invitation would switch the account back on when accepted: it dies with the account
      // (RLS lets HR delete only unused invitations of its company's employees).
      await tx.userToken.deleteMany({ where: { userId: row.userId, type: UserTokenType.INVITATION, usedAt: null } });
      await this.audit.record({ action, resource: 'employee', resourceId: row.id, details: { event: action === AuditAction.DELETE ? 'EMPLOYEE_DELETED' : 'EMPLOYEE_DEACTIVATED' } }, tx);
    });
    await this.sessions.revokeAllSessions([row.userId]);
    this.gateway.disconnectUser(row.userId);
  }

  // ---------- I8 ----------

  async resendInvitation(me: Identity, id: string): Promise<void> {
    const row = await this.findInCompany(this.tenant.db, me, id);
    if (row.user.emailVerified) throw AppException.conflict(ErrorCode.ALREADY_ACTIVE, 'Ce salarié a déjà activé son compte');
    const company = await this.invitingCompany(me);
    const token = randomToken();
    await this.tenant.tx(async (tx) => {
      // the new link replaces the previous ones
      await tx.userToken.deleteMany({ where: { userId: row.userId, type: UserTokenType.INVITATION, usedAt: null } });
      await this.insertInvitation(tx, me, company.id, row.userId, token);
      await this.audit.record({ action: AuditAction.UPDATE, resource: 'employee', resourceId: row.id, details: { event: 'INVITATION_RESENT' } }, tx);
    });
    await this.sendInvitation(row.user.email, row.firstName, company.name, token);
  }

  // ---------- helpers ----------

  private async findInCompany(db: TenantPrisma['db'] | TenantTx, me: Identity, id: string): Promise<HrRow> {
    const row = await db.employee.findFirst({ where: { id, companyId: companyOf(me), user: { deletedAt: null } }, select: HR_VIEW });
    if (!row) throw notFound();
    return row;
  }

  /** createMany: no RETURNING (HR may insert an invitation; reading tokens back is not its business). */
  private async insertInvitation(tx: TenantTx, me: Identity, companyId: string, userId: string, token: string): Promise<void> {
    await tx.userToken.createMany({
      data: [{ userId, type: UserTokenType.INVITATION, tokenHash: sha256(token), expiresAt: new Date(Date.now() + INVITATION_TTL_MS), createdBy: me.userId, companyId }],
    });
  }

  /**
   * Seat cap (SPEC §4.4 E2 [PROPOSED]): a per-company advisory lock serialises the count-then-insert of
   * concurrent invitations, so parallel requests or import rows cannot overshoot the cap.
   */
  private async reserveSeat(tx: TenantTx, companyId: string, max: number): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${companyId}::text, 0))`;
    const used = await tx.employee.count({ where: { companyId, user: HOLDS_SEAT } });
    if (used >= max) throw AppException.conflict(ErrorCode.SEAT_LIMIT_REACHED, `Limite de ${max} salariés atteinte pour cette entreprise`);
  }
}

/** ADMIN_RH and EMPLOYEE always carry a company; without one, nothing is in scope. */
export function companyOf(me: Identity): string {
  if (!me.companyId) throw notFound();
  return me.companyId;
}

function toHrDto(r: HrRow, period: Period, usage?: { consultationCount: number; totalDurationMinutes: number }): EmployeeHrDto {
  return {
    view: 'hr',
    id: r.id,
    email: r.user.email,
    firstName: r.firstName,
    lastName: r.lastName,
    department: r.department,
    position: r.position,
    phoneNumber: r.phoneNumber,
    isActive: r.user.isActive,
    status: statusOf(r.user),
    onboardingCompleted: r.onboardingCompletedAt !== null,
    stats: { period: period.label, consultationCount: usage?.consultationCount ?? 0, totalDurationMinutes: usage?.totalDurationMinutes ?? 0 },
  };
}

function toSelfDto(r: SelfRow): EmployeeSelfDto {
  return {
    view: 'self',
    id: r.id,
    companyId: r.companyId,
    email: r.user.email,
    firstName: r.firstName,
    lastName: r.lastName,
    department: r.department,
    position: r.position,
    phoneNumber: r.phoneNumber,
    bio: r.bio,
    location: r.location,
    birthDate: r.birthDate,
    avatarUrl: r.avatarUrl,
    coverUrl: r.coverUrl,
    onboardingCompletedAt: r.onboardingCompletedAt,
    consentGivenAt: r.consentGivenAt,
    consentVersion: r.consentVersion,
    preferredLanguage: r.preferredLanguage,
    timezone: r.timezone,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
