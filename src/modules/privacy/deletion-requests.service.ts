import { Injectable } from '@nestjs/common';
import { AuditAction, DeletionRequest } from '@prisma/client';
import { createHash, randomBytes } from 'node:crypto';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { AppConfig } from '../../config/app-config.service.js';
import { MailService } from '../../infra/mail/mail.service.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import { AuthService } from '../auth/auth.service.js';
import type { DeletionRequestCreatedDto, DeletionRequestConfirmedDto, ExportedDeletionRequestDto } from './dto/privacy.dto.js';

const DAY_MS = 24 * 3600_000;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const frDate = (d: Date) => new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'long' }).format(d);

/**
 * U2/U3 (SPEC §4.2, §6.8): a deletion request is confirmed twice — by the current password (the
 * change-password attempt limiter: 403 PASSWORD_INVALID, 429 when locked) and by a single-use code
 * e-mailed to the account (only its hash is stored). It is processed DELETION_GRACE_DAYS (30) after it
 * was made, by the daily erasure job, if confirmed; the user cancels it until then. Signing in does not
 * cancel it: the account stays usable during the grace period (e.g. to export its data first). The reason
 * is never logged, audited nor mailed, and is cleared at processing.
 */
@Injectable()
export class DeletionRequestsService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly auth: AuthService,
    private readonly mail: MailService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async request(me: Identity, password: string, reason: string | undefined): Promise<DeletionRequestCreatedDto> {
    await this.auth.confirmPassword(me, password, 'Mot de passe incorrect');
    const token = randomBytes(24).toString('base64url');
    const now = Date.now();
    const deletionDate = new Date(now + this.config.get('DELETION_GRACE_DAYS') * DAY_MS);
    const confirmationExpiresAt = new Date(now + this.config.get('DELETION_CONFIRMATION_TTL_HOURS') * 3600_000);
    await this.tenant.tx(async (tx) => {
      const pending = await tx.deletionRequest.findFirst({ where: { userId: me.userId, status: 'PENDING' } });
      if (pending?.confirmedAt) {
        throw AppException.conflict(ErrorCode.DELETION_ALREADY_REQUESTED, 'Une demande de suppression confirmée est déjà en cours', [
          { field: 'cancellableUntil', message: pending.deletionDate.toISOString() },
        ]);
      }
      // an unconfirmed request is replaced: its code dies, the new one starts its own 30 days
      if (pending) await tx.deletionRequest.update({ where: { id: pending.id }, data: { status: 'CANCELLED' } });
      const row = await tx.deletionRequest.create({
        data: { userId: me.userId, reason: reason || null, deletionDate, confirmationTokenHash: sha256(token), confirmationExpiresAt },
        select: { id: true },
      });
      await this.audit.record({ action: AuditAction.CREATE, resource: 'deletion_request', resourceId: row.id, isSensitive: true, details: { event: 'DELETION_REQUESTED' } }, tx);
    });
    const link = new URL(`/account/deletion/confirm?token=${token}`, this.config.get('FRONTEND_URL')).toString();
    await this.mail.send(me.email, 'deletion-confirmation', { link, code: token, deletionDate: frDate(deletionDate) });
    return {
      message: `Demande enregistrée : confirmez-la avec le code reçu par e-mail ; suppression dans ${this.config.get('DELETION_GRACE_DAYS')} jours`,
      cancellableUntil: deletionDate,
      confirmationExpiresAt,
    };
  }

  /** The e-mailed code: 400 TOKEN_INVALID (unknown, used, another user's) or TOKEN_EXPIRED. */
  async confirm(me: Identity, token: string): Promise<DeletionRequestConfirmedDto> {
    return this.tenant.tx(async (tx) => {
      const pending = await tx.deletionRequest.findFirst({ where: { userId: me.userId, status: 'PENDING', confirmedAt: null, confirmationTokenHash: sha256(token) } });
      if (!pending) throw AppException.badRequest(ErrorCode.TOKEN_INVALID, 'Code de confirmation invalide', [{ field: 'token', message: 'inconnu ou déjà utilisé' }]);
      if (!pending.confirmationExpiresAt || pending.confirmationExpiresAt.getTime() <= Date.now()) {
        throw AppException.badRequest(ErrorCode.TOKEN_EXPIRED, 'Code de confirmation expiré : refaites la demande', [{ field: 'token', message: 'expiré' }]);
      }
      await tx.deletionRequest.update({ where: { id: pending.id }, data: { confirmedAt: new Date(), confirmationTokenHash: null } });
      await this.audit.record({ action: AuditAction.UPDATE, resource: 'deletion_request', resourceId: pending.id, isSensitive: true, details: { event: 'DELETION_CONFIRMED' } }, tx);
      return { message: `Suppression confirmée : elle aura lieu le ${frDate(pending.deletionDate)}, annulable jusque-là`, cancellableUntil: pending.deletionDate };
    });
  }

  /** U3: 404 when nothing is pending. */
  async cancel(me: Identity): Promise<void> {
    await this.tenant.tx(async (tx) => {
      const pending = await tx.deletionRequest.findFirst({ where: { userId: me.userId, status: 'PENDING' } });
      if (!pending) throw AppException.notFound('Aucune demande de suppression en cours');
      await tx.deletionRequest.update({ where: { id: pending.id }, data: { status: 'CANCELLED' } });
      await this.audit.record({ action: AuditAction.UPDATE, resource: 'deletion_request', resourceId: pending.id, isSensitive: true, details: { event: 'DELETION_CANCELLED' } }, tx);
    });
    await this.mail.send(me.email, 'deletion-cancelled', {});
  }

  async current(me: Identity): Promise<ExportedDeletionRequestDto | null> {
    const row = await this.tenant.db.deletionRequest.findFirst({ where: { userId: me.userId, status: 'PENDING' } });
    return row ? toDeletionRequestDto(row) : null;
  }
}

export function toDeletionRequestDto(r: DeletionRequest): ExportedDeletionRequestDto {
  return { id: r.id, status: r.status, requestedAt: r.requestedAt, deletionDate: r.deletionDate, confirmedAt: r.confirmedAt, cancelledAt: r.cancelledAt };
}
