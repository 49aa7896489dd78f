import { Injectable, Logger } from '@nestjs/common';
import { SystemPrismaService } from '../../infra/prisma/prisma.service.js';

const AUDIT_DETAILS = JSON.stringify({ event: 'ARTICLE_PUBLISHED', scheduled: true });

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
    // one statement (publication and audit rows together): no interactive transaction to hold open
    // when the database goes away mid-job
    const rows = await this.system.$queryRaw<{ id: string }[]>`
      WITH published AS (
        UPDATE articles
        SET status = 'PUBLISHED', published_at = scheduled_for, scheduled_for = NULL, updated_at = now()
        WHERE status = 'SCHEDULED' AND scheduled_for <= ${now}
        RETURNING id
      ), audited AS (
        INSERT INTO audit_logs (id, user_id, action, resource, resource_id, details)
        SELECT gen_random_uuid(), 'system', 'UPDATE', 'article', id::text, ${AUDIT_DETAILS}::jsonb FROM published
      )
      SELECT id FROM published`;
    if (rows.length) this.logger.log({ message: 'scheduled articles published', count: rows.length });
    return rows.map((r) => r.id);
  }
}
