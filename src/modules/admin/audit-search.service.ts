import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { AuditLogDto, AuditLogQueryDto, AuditLogsResponseDto } from './dto/admin.dto.js';

const PAGE_SIZE = 50; // SPEC §4.16 S4

/**
 * S4, SUPER_ADMIN only (RLS: the only role with SELECT on audit_logs). Never `details` (free-form JSON).
 * Rows that describe care (isSensitive: notes, consultation transitions) or someone reading another
 * person's data (subjectUserId) are shown without their resource id and changes: with them an admin could
 * pair a practitioner with a patient (who saw whom). The more restrictive reading of S4; the actor, action,
 * resource type and time stay. For the same reason `q` never matches the resource id of such a row.
 */
@Injectable()
export class AuditSearchService {
  constructor(private readonly tenant: TenantPrisma) {}

  async search(q: AuditLogQueryDto): Promise<AuditLogsResponseDto> {
    const start = q.startDate ? new Date(q.startDate) : undefined;
    const end = q.endDate ? new Date(q.endDate) : undefined;
    if (start && end && end < start) {
      throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'endDate doit suivre startDate', [{ field: 'endDate', message: 'doit être postérieure à startDate' }]);
    }
    const and: Prisma.AuditLogWhereInput[] = [];
    if (q.action) and.push({ action: q.action });
    if (q.resource) and.push({ resource: q.resource });
    if (q.userId) and.push({ userId: q.userId });
    if (q.email) and.push({ userEmail: { equals: q.email, mode: 'insensitive' } });
    if (q.role) and.push({ userRole: q.role });
    if (q.companyId) and.push({ companyId: q.companyId });
    if (start || end) and.push({ createdAt: { gte: start, lte: end } });
    if (q.q) {
      and.push({
        OR: [
          { userId: q.q },
          { userEmail: { contains: q.q, mode: 'insensitive' } },
          { resourceId: q.q, isSensitive: false, subjectUserId: null },
        ],
      });
    }
    const where: Prisma.AuditLogWhereInput = { AND: and };
    const [total, rows] = await Promise.all([
      this.tenant.db.auditLog.count({ where }),
      this.tenant.db.auditLog.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: (q.page - 1) * PAGE_SIZE,
        take: PAGE_SIZE,
        select: {
          id: true, createdAt: true, userId: true, userEmail: true, userRole: true, action: true, resource: true, resourceId: true,
          companyId: true, ipAddress: true, userAgent: true, changesBefore: true, changesAfter: true, isSensitive: true, subjectUserId: true,
        },
      }),
    ]);
    const logs: AuditLogDto[] = rows.map((r) => {
      const redacted = r.isSensitive || r.subjectUserId !== null;
      return {
        id: r.id,
        timestamp: r.createdAt.toISOString(),
        userId: r.userId,
        userEmail: r.userEmail,
        userRole: r.userRole,
        action: r.action,
        resource: r.resource,
        resourceId: redacted ? null : r.resourceId,
        companyId: r.companyId,
        ipAddress: r.ipAddress,
        userAgent: r.userAgent,
        changesBefore: redacted ? null : ((r.changesBefore as Record<string, unknown> | null) ?? null),
        changesAfter: redacted ? null : ((r.changesAfter as Record<string, unknown> | null) ?? null),
        redacted,
      };
    });
    return { logs, total, page: q.page, pages: Math.ceil(total / PAGE_SIZE) };
  }
}
