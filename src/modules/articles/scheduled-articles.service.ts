import { Injectable, Logger } from '@nestjs/common';
import { AuditAction } from '@prisma/client';
import { SystemPrismaService } from '../../infra/prisma/prisma.service.js';

/**
 * Scheduled publication (SPEC §8.3, US-8.1): SCHEDULED articles whose date has come become PUBLISHED,
 * dated when they were due. A job without a caller, hence the system client (ARCHITECTURE §4).
 */
@Injectable()
export class ScheduledArticlesService {
  private readonly logger = new Logger('ScheduledArticles');

  constructor(private readonly system: SystemPrismaService) {}

  /** Publishes every article due at `now`; returns their ids. Idempotent: a second run finds nothing. */
  async publishDue(now = new Date()): Promise<string[]> {
    const published = await this.system.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`
        UPDATE articles
        SET status = 'PUBLISHED', published_at = scheduled_for, scheduled_for = NULL, updated_at = now()
        WHERE status = 'SCHEDULED' AND scheduled_for <= ${now}
        RETURNING id`;
      if (rows.length) {
        await tx.auditLog.createMany({
          data: rows.map((r) => ({ userId: 'system', action: AuditAction.UPDATE, resource: 'article', resourceId: r.id, details: { event: 'ARTICLE_PUBLISHED', scheduled: true } })),
        });
      }
      return rows.map((r) => r.id);
    });
    if (published.length) this.logger.log({ message: 'scheduled articles published', count: published.length });
    return published;
  }
}
