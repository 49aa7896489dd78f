import { Injectable } from '@nestjs/common';
import { AuditAction, Prisma, Role } from '@prisma/client';
import { pageInfo } from '../../common/pagination/pagination.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { AccessLogQueryDto, AccessLogResponseDto } from './access-log.dto.js';

/**
 * "Who accessed my data" (beyond the spec): the audited reads and exports of the caller's personal data by
 * someone else. Through my_access_log(), a SECURITY DEFINER function that returns only the caller's rows as
 * subject and, of the actor, its role and organisation (never its name, e-mail or address).
 */
@Injectable()
export class AccessLogService {
  constructor(private readonly tenant: TenantPrisma) {}

  async list(q: AccessLogQueryDto): Promise<AccessLogResponseDto> {
    const rows = await this.tenant.queryRaw<
      { id: string; accessed_at: Date; action: AuditAction; resource: string; actor_role: Role | null; actor_organisation: string | null; total: bigint }[]
    >(Prisma.sql`SELECT * FROM my_access_log(${q.limit}::integer, ${(q.page - 1) * q.limit}::integer)`);
    // past the last page no row carries the total: count it then (rare)
    const total = rows.length ? Number(rows[0].total) : q.page > 1 ? await this.count() : 0;
    return {
      accesses: rows.map((r) => ({ id: r.id, accessedAt: r.accessed_at.toISOString(), action: r.action, resource: r.resource, actorRole: r.actor_role, actorOrganisation: r.actor_organisation })),
      ...pageInfo(total, q),
    };
  }

  private async count(): Promise<number> {
    const rows = await this.tenant.queryRaw<{ total: bigint }[]>(Prisma.sql`SELECT total FROM my_access_log(1, 0)`);
    return rows.length ? Number(rows[0].total) : 0;
  }
}
