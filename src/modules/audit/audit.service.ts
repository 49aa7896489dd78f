import { Injectable, Logger } from '@nestjs/common';
import { AuditAction, Prisma, SecurityEventType, SecuritySeverity } from '@prisma/client';
import { RequestContext } from '../../common/context/request-context.service.js';
import { SystemPrismaService } from '../../infra/prisma/prisma.service.js';
import { TenantPrisma, TenantTx } from '../../infra/prisma/tenant-prisma.service.js';

export interface AuditEntry {
  action: AuditAction;
  resource: string;
  resourceId?: string | null;
  companyId?: string | null;
  /** Ids, flags and semantic event names only (e.g. `{ event: 'PASSWORD_RESET' }`) — never content. */
  details?: Prisma.InputJsonObject;
  isSensitive?: boolean;
  /**
   * The user whose personal data this READ/EXPORT/DOWNLOAD by someone else concerns: the row then shows in that
   * user's access log (GET /api/users/me/access-log). Ignored when it is the caller itself.
   */
  subjectUserId?: string | null;
}

/**
 * The append-only audit trail (SPEC §7.9). Rows are written as the current caller, under RLS; pass the
 * caller's transaction so the audit row commits or rolls back with the change it describes.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly ctx: RequestContext,
  ) {}

  async record(entry: AuditEntry, tx?: TenantTx): Promise<void> {
    const actor = this.ctx.requireIdentity;
    const data: Prisma.AuditLogCreateManyInput = {
      userId: actor.userId,
      userRole: actor.role,
      userEmail: actor.email,
      action: entry.action,
      resource: entry.resource,
      resourceId: entry.resourceId ?? null,
      companyId: entry.companyId ?? actor.companyId,
      ipAddress: this.ctx.ip ?? null,
      userAgent: this.ctx.userAgent ?? null,
      details: entry.details,
      isSensitive: entry.isSensitive ?? false,
      subjectUserId: entry.subjectUserId && entry.subjectUserId !== actor.userId ? entry.subjectUserId : null,
    };
    // createMany: a plain INSERT without RETURNING — the caller may write audit rows but not read them
    // back (only SUPER_ADMIN passes the SELECT policy), and `create` would need to.
    if (tx) await tx.auditLog.createMany({ data: [data] });
    else await this.tenant.db.auditLog.createMany({ data: [data] });
  }
}

/**
 * Security events (failed logins, token reuse, rate-limit blocks) for the SUPER_ADMIN screen. Most happen
 * before anyone is authenticated, so they go through the system client. Never fails the request.
 */
@Injectable()
export class SecurityEventService {
  private readonly logger = new Logger('Security');

  constructor(
    private readonly system: SystemPrismaService,
    private readonly ctx: RequestContext,
  ) {}

  async record(type: SecurityEventType, severity: SecuritySeverity, userId?: string | null, meta?: Prisma.InputJsonObject): Promise<void> {
    try {
      await this.system.securityEvent.create({
        data: { type, severity, userId: userId ?? null, ip: this.ctx.ip ?? null, meta },
      });
    } catch (e) {
      this.logger.error({ message: 'security event not recorded', type, error: (e as Error).name });
    }
    this.logger.warn({ message: 'security event', type, severity, userId });
  }
}
