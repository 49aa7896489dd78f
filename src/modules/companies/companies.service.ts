import { Injectable } from '@nestjs/common';
import { AuditAction, Company, NotificationType, Prisma, Role } from '@prisma/client';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { pageArgs, pageInfo } from '../../common/pagination/pagination.js';
import { AppConfig } from '../../config/app-config.service.js';
import { MailService } from '../../infra/mail/mail.service.js';
import { uniqueViolation } from '../../infra/prisma/db-errors.js';
import { TenantPrisma, TenantTx } from '../../infra/prisma/tenant-prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import { SessionService } from '../auth/session.service.js';
import { NotificationsGateway } from '../notifications/notifications.gateway.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import {
  CompanyDto,
  CompanyListDto,
  CompanySummaryDto,
  CreateCompanyDto,
  ListCompaniesQueryDto,
  RH_EDITABLE_COMPANY_FIELDS,
  UpdateCompanyDto,
} from './dto/companies.dto.js';
import { firstFreeSlug, slugify } from '../../common/text/slugify.js';

const SLUG_ATTEMPTS = 5;
const siretTaken = () => AppException.conflict(ErrorCode.SIRET_TAKEN, 'Une entreprise utilise déjà ce SIRET', [{ field: 'siret', message: 'déjà utilisé' }]);

/**
 * Companies (SPEC §4.3 C1–C8, §4.19 I9; US-2.1, US-2.2). Platform admins act on any company; HR only on
 * its own, and only on its profile fields (§11 B13) — the database trigger `companies_guard_privileged`
 * enforces the same rule underneath.
 */
@Injectable()
export class CompaniesService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly notifications: NotificationsService,
    private readonly gateway: NotificationsGateway,
    private readonly sessions: SessionService,
    private readonly config: AppConfig,
  ) {}

  // ---------- C1 ----------

  async create(dto: CreateCompanyDto): Promise<CompanyDto> {
    await this.assertDomainsFree(dto.emailDomains);
    if (dto.siret && (await this.tenant.db.company.findUnique({ where: { siret: dto.siret }, select: { id: true } }))) throw siretTaken();
    const base = slugify(dto.name, 'entreprise');
    for (let attempt = 0; attempt < SLUG_ATTEMPTS; attempt++) {
      const slug = await this.freeSlug(base);
      try {
        const company = await this.tenant.tx(async (tx) => {
          const created = await tx.company.create({ data: { ...this.columns(dto), name: dto.name, emailDomains: dto.emailDomains, slug, isActive: false } });
          await this.audit.record({ action: AuditAction.CREATE, resource: 'company', resourceId: created.id, companyId: created.id, details: { event: 'COMPANY_CREATED' } }, tx);
          return created;
        });
        if (company.contactEmail) await this.mail.send(company.contactEmail, 'company-welcome', { companyName: company.name });
        return toCompanyDto(company);
      } catch (e) {
        const fields = uniqueViolation(e);
        if (!fields) throw e;
        if (fields.some((f) => f.includes('siret'))) throw siretTaken();
        // another request took this slug between our read and our insert: pick the next one
        if (fields.some((f) => f.includes('slug'))) continue;
        throw e;
      }
    }
    throw AppException.conflict(ErrorCode.CONFLICT, 'Impossible de générer un identifiant unique, réessayez');
  }

  // ---------- C2 ----------

  async list(q: ListCompaniesQueryDto): Promise<CompanyListDto> {
    const where: Prisma.CompanyWhereInput = {
      ...(q.isActive !== undefined ? { isActive: q.isActive } : {}),
      ...(q.q ? { name: { contains: q.q, mode: 'insensitive' } } : {}),
    };
    const [rows, total] = await this.tenant.tx(async (tx) =>
      Promise.all([
        tx.company.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], ...pageArgs(q), select: { id: true, name: true, slug: true, isActive: true, validatedAt: true, suspendedAt: true, createdAt: true } }),
        tx.company.count({ where }),
      ]),
    );
    return { companies: rows satisfies CompanySummaryDto[], ...pageInfo(total, q) };
  }

  // ---------- C3 / C7 ----------

  async get(me: Identity, id: string): Promise<CompanyDto> {
    return toCompanyDto(await this.findInScope(this.tenant.db, me, id));
  }

  // ---------- C4 / C8 ----------

  async update(me: Identity, id: string, dto: UpdateCompanyDto): Promise<CompanyDto> {
    const sent = Object.keys(dto).filter((k) => dto[k as keyof UpdateCompanyDto] !== undefined);
    if (me.role === Role.ADMIN_RH) {
      const refused = sent.filter((k) => !(RH_EDITABLE_COMPANY_FIELDS as readonly string[]).includes(k));
      if (refused.length) {
        throw new AppException(403, ErrorCode.FORBIDDEN, "Ces champs sont réservés à l'administration HuntZen", refused.map((field) => ({ field, message: "réservé à l'administration HuntZen" })));
      }
    }
    const current = await this.findInScope(this.tenant.db, me, id);
    if (dto.emailDomains) await this.assertDomainsFree(dto.emailDomains, current.id);

    const data = this.columns(dto);
    const fields = Object.keys(data);
    let company = current;
    if (fields.length) {
      company = await this.tenant
        .tx(async (tx) => {
          const updated = await tx.company.update({ where: { id: current.id }, data });
          await this.audit.record({ action: AuditAction.UPDATE, resource: 'company', resourceId: current.id, companyId: current.id, details: { event: 'COMPANY_UPDATED', fields } }, tx);
          return updated;
        })
        .catch((e) => {
          if (uniqueViolation(e)?.some((f) => f.includes('siret'))) throw siretTaken();
          throw e;
        });
    }
    // Only ADMIN_HUNTZEN gets here with isActive: the state change has the effects of C5 / I9.
    if (dto.isActive === true && !company.isActive) return this.validate(me, company.id);
    if (dto.isActive === false && company.isActive) return this.suspend(company.id, AuditAction.DEACTIVATE);
    return toCompanyDto(company);
  }

  // ---------- C5 ----------

  async validate(me: Identity, id: string): Promise<CompanyDto> {
    const now = new Date();
    const { company, admins, pushes } = await this.tenant.tx(async (tx) => {
      const { count } = await tx.company.updateMany({ where: { id, isActive: false }, data: { isActive: true, validatedAt: now, validatedBy: me.userId, suspendedAt: null } });
      if (count !== 1) {
        if (await tx.company.findUnique({ where: { id }, select: { id: true } })) throw AppException.conflict(ErrorCode.ALREADY_ACTIVE, "L'entreprise est déjà active");
        throw AppException.notFound('Entreprise introuvable');
      }
      const company = await tx.company.findUniqueOrThrow({ where: { id } });
      const admins = await tx.user.findMany({ where: { companyId: id, role: Role.ADMIN_RH, deletedAt: null }, select: { id: true, email: true } });
      const pushes = await this.notifications.create(
        admins.map((a) => ({ userId: a.id, type: NotificationType.COMPANY_VALIDATED, title: 'Entreprise validée', message: "L'accès de votre entreprise à HuntZen Care est actif", linkUrl: '/rh' })),
        tx,
      );
      await this.audit.record({ action: AuditAction.VALIDATE, resource: 'company', resourceId: id, companyId: id, details: { event: 'COMPANY_VALIDATED' } }, tx);
      return { company, admins, pushes };
    });
    this.notifications.push(pushes);
    const link = new URL('/login', this.config.get('FRONTEND_URL')).toString();
    for (const a of admins) await this.mail.send(a.email, 'company-validated', { companyName: company.name, link });
    return toCompanyDto(company);
  }

  // ---------- I9 / C6 ----------

  /** Suspension (I9) and deletion (C6, a soft deactivation: SPEC §3.5): access closed, sessions ended. */
  async suspend(id: string, action: typeof AuditAction.DEACTIVATE | typeof AuditAction.DELETE): Promise<CompanyDto> {
    const { company, userIds } = await this.tenant.tx(async (tx) => {
      const current = await tx.company.findUnique({ where: { id }, select: { suspendedAt: true } });
      if (!current) throw AppException.notFound('Entreprise introuvable');
      const company = await tx.company.update({ where: { id }, data: { isActive: false, suspendedAt: current.suspendedAt ?? new Date() } });
      const users = await tx.user.findMany({ where: { companyId: id }, select: { id: true } });
      await this.audit.record(
        { action, resource: 'company', resourceId: id, companyId: id, details: { event: action === AuditAction.DELETE ? 'COMPANY_DELETED' : 'COMPANY_SUSPENDED', users: users.length } },
        tx,
      );
      return { company, userIds: users.map((u) => u.id) };
    });
    await this.sessions.revokeAllSessions(userIds);
    for (const userId of userIds) this.gateway.disconnectUser(userId);
    return toCompanyDto(company);
  }

  // ---------- helpers ----------

  /** Platform admins: any company. HR: its own only; any other id is a 404 (no existence leak). */
  private async findInScope(db: TenantPrisma['db'] | TenantTx, me: Identity, id: string): Promise<Company> {
    if (me.role === Role.ADMIN_RH && id !== me.companyId) throw AppException.notFound('Entreprise introuvable');
    const company = await db.company.findUnique({ where: { id } });
    if (!company) throw AppException.notFound('Entreprise introuvable');
    return company;
  }

  /** Lowest free slug among base, base-2, base-3 … */
  private async freeSlug(base: string): Promise<string> {
    const rows = await this.tenant.db.company.findMany({ where: { slug: { startsWith: base } }, select: { slug: true } });
    return firstFreeSlug(base, rows.map((r) => r.slug));
  }

  /** A domain admits its holders into a tenant (§11 B13): two companies may not claim the same one. */
  private async assertDomainsFree(domains: string[], exceptId?: string): Promise<void> {
    const owner = await this.tenant.db.company.findFirst({
      where: { emailDomains: { hasSome: domains }, ...(exceptId ? { id: { not: exceptId } } : {}) },
      select: { emailDomains: true },
    });
    if (!owner) return;
    const clash = domains.filter((d) => owner.emailDomains.includes(d));
    throw AppException.conflict(ErrorCode.EMAIL_DOMAIN_TAKEN, 'Un domaine e-mail est déjà attribué à une autre entreprise', clash.map((d) => ({ field: 'emailDomains', message: `${d} déjà attribué` })));
  }

  /** The writable columns present in the body (isActive excluded: it changes through C5 / I9 only). */
  private columns(dto: UpdateCompanyDto): Omit<UpdateCompanyDto, 'isActive'> {
    const { isActive: _ignored, ...rest } = dto;
    return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  }
}

export function toCompanyDto(c: Company): CompanyDto {
  return {
    id: c.id,
    name: c.name,
    slug: c.slug,
    legalName: c.legalName,
    siret: c.siret,
    emailDomains: c.emailDomains,
    sector: c.sector,
    size: c.size,
    address: c.address,
    postalCode: c.postalCode,
    city: c.city,
    country: c.country,
    logoUrl: c.logoUrl,
    coverUrl: c.coverUrl,
    primaryColor: c.primaryColor,
    secondaryColor: c.secondaryColor,
    contactEmail: c.contactEmail,
    contactPhone: c.contactPhone,
    websiteUrl: c.websiteUrl,
    autoApproveEmployees: c.autoApproveEmployees,
    requireEmailVerification: c.requireEmailVerification,
    allowInternalNews: c.allowInternalNews,
    maxEmployees: c.maxEmployees,
    isActive: c.isActive,
    validatedAt: c.validatedAt,
    validatedBy: c.validatedBy,
    suspendedAt: c.suspendedAt,
    billingEmail: c.billingEmail,
    billingAddress: c.billingAddress,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}
