import { Injectable } from '@nestjs/common';
import { AuditAction, Consent, ConsentType } from '@prisma/client';
import type { Identity } from '../../common/context/request-context.js';
import { RequestContext } from '../../common/context/request-context.service.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { AppConfig } from '../../config/app-config.service.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { ConsentDto, ConsentListDto } from './dto/privacy.dto.js';

/**
 * Consents (SPEC §3.3 proposal, §6.8): each given consent is a row with its type, the version of the text
 * and the time the database stamps; withdrawing stamps `withdrawn_at` (never deletes: it is the proof). One
 * active consent per type: giving a new version withdraws the previous one. Own rows only (RLS); the
 * database refuses any other change (consents_guard_write).
 */
@Injectable()
export class ConsentsService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly ctx: RequestContext,
  ) {}

  async list(me: Identity): Promise<ConsentListDto> {
    const rows = await this.tenant.db.consent.findMany({ where: { userId: me.userId }, orderBy: [{ givenAt: 'desc' }, { id: 'desc' }] });
    return { currentVersion: this.config.get('CONSENT_CURRENT_VERSION'), consents: rows.map(toConsentDto) };
  }

  /** Gives `type` at the current version; giving it again at the same version returns the active one. */
  async give(me: Identity, type: ConsentType, version: string): Promise<ConsentDto> {
    const current = this.config.get('CONSENT_CURRENT_VERSION');
    if (version !== current) {
      throw AppException.conflict(ErrorCode.CONSENT_VERSION_OUTDATED, 'Cette version du texte n’est plus en vigueur', [{ field: 'version', message: `version en vigueur : ${current}` }]);
    }
    return this.tenant.tx(async (tx) => {
      const active = await tx.consent.findFirst({ where: { userId: me.userId, type, withdrawnAt: null } });
      if (active?.version === version) return toConsentDto(active);
      if (active) await tx.consent.update({ where: { id: active.id }, data: { withdrawnAt: new Date() } });
      const row = await tx.consent.create({ data: { userId: me.userId, type, version, ip: this.ctx.ip ?? null } });
      await this.audit.record({ action: AuditAction.CREATE, resource: 'consent', resourceId: row.id, details: { event: 'CONSENT_GIVEN', type, version } }, tx);
      return toConsentDto(row);
    });
  }

  /** Withdraws the active consent of `type` (404 when there is none). */
  async withdraw(me: Identity, type: ConsentType): Promise<ConsentDto> {
    return this.tenant.tx(async (tx) => {
      const active = await tx.consent.findFirst({ where: { userId: me.userId, type, withdrawnAt: null } });
      if (!active) throw AppException.notFound('Aucun consentement actif de ce type');
      const row = await tx.consent.update({ where: { id: active.id }, data: { withdrawnAt: new Date() } });
      await this.audit.record({ action: AuditAction.UPDATE, resource: 'consent', resourceId: row.id, details: { event: 'CONSENT_WITHDRAWN', type, version: row.version } }, tx);
      return toConsentDto(row);
    });
  }
}

export function toConsentDto(c: Consent): ConsentDto {
  return { id: c.id, type: c.type, version: c.version, givenAt: c.givenAt, withdrawnAt: c.withdrawnAt };
}
