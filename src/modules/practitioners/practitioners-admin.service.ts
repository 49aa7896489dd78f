import { Injectable } from '@nestjs/common';
import { AuditAction, DocumentStatus, NotificationType, Prisma, Role, UserTokenType } from '@prisma/client';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { pageArgs, pageInfo } from '../../common/pagination/pagination.js';
import { NO_PASSWORD_HASH } from '../../common/security/password.js';
import { randomToken, sha256 } from '../../common/security/tokens.js';
import { AppConfig } from '../../config/app-config.service.js';
import { MailService } from '../../infra/mail/mail.service.js';
import { uniqueViolation } from '../../infra/prisma/db-errors.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import type { CreatePractitionerDto, ValidatePractitionerDto } from './dto/practitioner-input.dto.js';
import type { AdminPractitionerDto, AdminPractitionerListDto, PendingPractitionerListDto } from './dto/practitioner-output.dto.js';
import type { AdminPractitionersQueryDto, PendingPractitionersQueryDto } from './dto/practitioner-query.dto.js';
import { AdminRow, toAdmin, toPending } from './practitioner.mapper.js';

const INVITATION_TTL_MS = 7 * 24 * 3600_000;
const USER_SELECT = { select: { email: true, isActive: true, deletedAt: true } } as const;

const emailTaken = () => AppException.conflict(ErrorCode.EMAIL_TAKEN, 'Un compte existe déjà avec cette adresse e-mail', [{ field: 'email', message: 'déjà utilisée' }]);
const professionalIdTaken = () =>
  AppException.conflict(ErrorCode.PROFESSIONAL_ID_TAKEN, 'Ce numéro ADELI/RPPS est déjà enregistré', [{ field: 'professionalId', message: 'déjà utilisé' }]);

/**
 * ADMIN_HUNTZEN's side of the practitioner directory (SPEC §4.5 PR1–PR3, PR12, PR13; US-3.1; §11 B14):
 * accounts are created by invitation, then validated once the documents are checked. Everything runs
 * as the admin, under RLS (the policies let ADMIN_HUNTZEN create and update practitioners).
 */
@Injectable()
export class PractitionersAdminService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly mail: MailService,
    private readonly config: AppConfig,
  ) {}

  // ---------- PR1 ----------

  async create(me: Identity, dto: CreatePractitionerDto): Promise<AdminPractitionerDto> {
    const [userClash, idClash] = await Promise.all([
      this.tenant.db.user.findUnique({ where: { email: dto.email }, select: { id: true } }),
      dto.professionalId ? this.tenant.db.practitioner.findUnique({ where: { professionalId: dto.professionalId }, select: { id: true } }) : null,
    ]);
    if (userClash) throw emailTaken();
    if (idClash) throw professionalIdTaken();

    // The account has no password until the invitation is accepted. A hash of a random secret (rather
    // than a marker) costs a login attempt the same time as any account: no oracle for invited e-mails.
    const passwordHash = NO_PASSWORD_HASH;
    const token = randomToken();
    const { email, firstName, lastName, title, ...profile } = dto;
    const row = await this.tenant
      .tx(async (tx) => {
        const user = await tx.user.create({
          data: {
            email,
            passwordHash,
            role: Role.PRACTITIONER,
            isActive: false,
            emailVerified: false,
            practitioner: { create: { firstName, lastName, title, ...profile, isValidated: false } },
          },
          select: { id: true, email: true, isActive: true, deletedAt: true, practitioner: true },
        });
        // createMany: no RETURNING — the user_tokens SELECT policy does not cover platform admins
        await tx.userToken.createMany({
          data: [{ userId: user.id, type: UserTokenType.INVITATION, tokenHash: sha256(token), expiresAt: new Date(Date.now() + INVITATION_TTL_MS), createdBy: me.userId }],
        });
        const practitioner = user.practitioner!;
        await this.audit.record({ action: AuditAction.CREATE, resource: 'practitioner', resourceId: practitioner.id, details: { event: 'PRACTITIONER_INVITED', userId: user.id } }, tx);
        return { ...practitioner, user: { email: user.email, isActive: user.isActive, deletedAt: user.deletedAt } };
      })
      .catch((e) => this.rethrowUnique(e));

    await this.mail.send(email, 'practitioner-invitation', { title, lastName, link: this.link('/activate', token) });
    return toAdmin(row);
  }

  // ---------- PR2 (admin view) ----------

  async list(q: AdminPractitionersQueryDto): Promise<AdminPractitionerListDto> {
    const where: Prisma.PractitionerWhereInput = {
      ...(q.isValidated !== undefined ? { isValidated: q.isValidated } : {}),
      ...(q.isActive !== undefined ? { isActive: q.isActive } : {}),
      ...(q.specialty ? { specialty: q.specialty } : {}),
      ...(q.q
        ? {
            OR: [
              { firstName: { contains: q.q, mode: 'insensitive' } },
              { lastName: { contains: q.q, mode: 'insensitive' } },
              { professionalId: { contains: q.q } },
              { user: { email: { contains: q.q, mode: 'insensitive' } } },
            ],
          }
        : {}),
    };
    const [total, rows] = await this.tenant.tx(async (tx) => [
      await tx.practitioner.count({ where }),
      await tx.practitioner.findMany({ where, include: { user: USER_SELECT }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], ...pageArgs(q) }),
    ] as const);
    return { view: 'admin', practitioners: rows.map(toAdmin), ...pageInfo(total, q) };
  }

  // ---------- PR3 ----------

  async pending(q: PendingPractitionersQueryDto): Promise<PendingPractitionerListDto> {
    const where: Prisma.PractitionerWhereInput = { isValidated: false };
    const [total, rows] = await this.tenant.tx(async (tx) => [
      await tx.practitioner.count({ where }),
      await tx.practitioner.findMany({
        where,
        include: { user: USER_SELECT, documents: { orderBy: { createdAt: 'asc' } } },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        ...pageArgs(q),
      }),
    ] as const);
    return { practitioners: rows.map(toPending), ...pageInfo(total, q) };
  }

  // ---------- PR12 ----------

  async validate(me: Identity, id: string, dto: ValidatePractitionerDto): Promise<{ practitioner: AdminPractitionerDto; message: string }> {
    const now = new Date();
    const outcome = await this.tenant.tx(async (tx) => {
      const current = await this.find(tx, id);
      if (dto.validated) {
        // documents are uploaded from the practitioner's own space: validating a never-activated account
        // would list someone who cannot log in
        if (!current.user.isActive || current.user.deletedAt) {
          throw AppException.conflict(ErrorCode.ACCOUNT_INACTIVE, "Le praticien n'a pas encore activé son compte");
        }
        if (current.isValidated) return { row: current, changed: false, pushed: [] };
        await tx.practitionerDocument.updateMany({
          where: { practitionerId: id, status: DocumentStatus.PENDING },
          data: { status: DocumentStatus.APPROVED, reviewedBy: me.userId, reviewedAt: now },
        });
        const row = await tx.practitioner.update({
          where: { id },
          data: { isValidated: true, validatedAt: now, validatedBy: me.userId, documentsVerified: true },
          include: { user: USER_SELECT },
        });
        const pushed = await this.notifications.create(
          [{ userId: current.userId, type: NotificationType.PRACTITIONER_VALIDATED, title: 'Profil validé', message: 'Votre profil est validé : vous apparaissez désormais dans la recherche.', linkUrl: '/practitioner/availability', metadata: { practitionerId: id } }],
          tx,
        );
        await this.audit.record({ action: AuditAction.VALIDATE, resource: 'practitioner', resourceId: id, details: { event: 'PRACTITIONER_APPROVED' } }, tx);
        return { row, changed: true, pushed };
      }
      // rejection (SPEC PR12 PROPOSED): pending documents are refused with the notes, the profile is unlisted
      await tx.practitionerDocument.updateMany({
        where: { practitionerId: id, status: DocumentStatus.PENDING },
        data: { status: DocumentStatus.REJECTED, reviewedBy: me.userId, reviewedAt: now, rejectionReason: dto.notes ?? null },
      });
      const row = await tx.practitioner.update({
        where: { id },
        data: { isValidated: false, validatedAt: null, validatedBy: null, documentsVerified: false },
        include: { user: USER_SELECT },
      });
      await this.audit.record({ action: AuditAction.VALIDATE, resource: 'practitioner', resourceId: id, details: { event: 'PRACTITIONER_REJECTED' } }, tx);
      return { row, changed: true, pushed: [] };
    });

    this.notifications.push(outcome.pushed);
    const p = outcome.row;
    if (!outcome.changed) return { practitioner: toAdmin(p), message: 'Praticien déjà validé' };
    if (dto.validated) {
      await this.mail.send(p.user.email, 'practitioner-validated', { title: p.title, lastName: p.lastName, link: this.link('/practitioner/availability') });
      return { practitioner: toAdmin(p), message: 'Praticien validé : il est désormais visible dans la recherche' };
    }
    await this.mail.send(p.user.email, 'practitioner-rejected', { title: p.title, lastName: p.lastName, link: this.link('/practitioner/documents') });
    return { practitioner: toAdmin(p), message: 'Dossier du praticien refusé' };
  }

  // ---------- PR13 ----------

  async setDocumentsVerified(me: Identity, id: string, documentsVerified: boolean): Promise<AdminPractitionerDto> {
    const row = await this.tenant.tx(async (tx) => {
      await this.find(tx, id);
      if (documentsVerified) {
        await tx.practitionerDocument.updateMany({
          where: { practitionerId: id, status: DocumentStatus.PENDING },
          data: { status: DocumentStatus.APPROVED, reviewedBy: me.userId, reviewedAt: new Date() },
        });
      }
      const updated = await tx.practitioner.update({ where: { id }, data: { documentsVerified }, include: { user: USER_SELECT } });
      await this.audit.record(
        {
          action: AuditAction.VALIDATE,
          resource: 'practitioner',
          resourceId: id,
          details: { event: documentsVerified ? 'PRACTITIONER_DOCUMENTS_VERIFIED' : 'PRACTITIONER_DOCUMENTS_UNVERIFIED' },
        },
        tx,
      );
      return updated;
    });
    return toAdmin(row);
  }

  // ---------- helpers ----------

  private async find(tx: Prisma.TransactionClient, id: string): Promise<AdminRow> {
    const row = await tx.practitioner.findUnique({ where: { id }, include: { user: USER_SELECT } });
    if (!row) throw AppException.notFound('Praticien introuvable');
    return row;
  }

  private link(path: string, token?: string): string {
    const url = new URL(path, this.config.get('FRONTEND_URL'));
    if (token) url.searchParams.set('token', token);
    return url.toString();
  }

  private rethrowUnique(e: unknown): never {
    const fields = uniqueViolation(e);
    if (fields) {
      if (fields.some((f) => /professional/i.test(f))) throw professionalIdTaken();
      if (fields.some((f) => /email/i.test(f))) throw emailTaken();
    }
    throw e;
  }
}
