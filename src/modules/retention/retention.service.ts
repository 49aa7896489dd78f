import { Injectable, Logger } from '@nestjs/common';
import { EmailStatus, Prisma } from '@prisma/client';
import { AppConfig } from '../../config/app-config.service.js';
import { SystemPrismaService } from '../../infra/prisma/prisma.service.js';
import { StorageObjectNotFoundError, StorageService } from '../../infra/storage/storage.service.js';

const BATCH = 1000;
const DAY_MS = 24 * 3600_000;

/** The daily purges, one BullMQ job scheduler each (issue 9 item 5). */
export const RETENTION_JOBS = ['outbox', 'notifications', 'sent-mail', 'security-events', 'audit-logs', 'key-store-dumps'] as const;
export type RetentionJob = (typeof RETENTION_JOBS)[number];

/**
 * Deletes operational rows past their retention period (env, in days). Each purge deletes in batches of
 * BATCH ids, one short statement each, so no long lock is held and concurrent inserts never wait. Runs on
 * the system role (no tenant: the rows of every caller); audit rows leave only through the owner's
 * purge_audit_logs(), which also refuses anything younger than 365 days whatever is asked.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger('Retention');

  constructor(
    private readonly system: SystemPrismaService,
    private readonly config: AppConfig,
    private readonly storage: StorageService,
  ) {}

  cutoff(job: RetentionJob, now = new Date()): Date {
    const days = {
      outbox: this.config.get('OUTBOX_RETENTION_DAYS'),
      notifications: this.config.get('NOTIFICATION_RETENTION_DAYS'),
      'sent-mail': this.config.get('SENT_MAIL_RETENTION_DAYS'),
      'security-events': this.config.get('SECURITY_EVENT_RETENTION_DAYS'),
      'audit-logs': this.config.get('AUDIT_LOG_RETENTION_DAYS'),
      'key-store-dumps': this.config.get('SUBJECT_KEY_BACKUP_RETENTION_DAYS'),
    }[job];
    return new Date(now.getTime() - days * DAY_MS);
  }

  /** Runs one purge; returns how many rows it deleted. `now` is a parameter so tests control the clock. */
  async run(job: RetentionJob, now = new Date()): Promise<number> {
    const cutoff = this.cutoff(job, now);
    let deleted: number;
    switch (job) {
      case 'outbox':
        deleted = await this.batched((take) =>
          this.system.$executeRaw`DELETE FROM outbox_messages WHERE id IN (SELECT id FROM outbox_messages WHERE delivered_at IS NOT NULL AND delivered_at < ${cutoff} LIMIT ${take})`,
        );
        break;
      case 'notifications':
        deleted = await this.batched((take) =>
          this.system.$executeRaw`DELETE FROM notifications WHERE id IN (SELECT id FROM notifications WHERE created_at < ${cutoff} OR expires_at < ${now} LIMIT ${take})`,
        );
        break;
      case 'sent-mail':
        deleted = await this.batched((take) =>
          this.system.$executeRaw`DELETE FROM email_queue WHERE id IN (SELECT id FROM email_queue WHERE status = ${EmailStatus.SENT}::"EmailStatus" AND sent_at < ${cutoff} LIMIT ${take})`,
        );
        break;
      case 'security-events':
        deleted = await this.batched((take) =>
          this.system.$executeRaw`DELETE FROM security_events WHERE id IN (SELECT id FROM security_events WHERE created_at < ${cutoff} LIMIT ${take})`,
        );
        break;
      case 'audit-logs':
        deleted = await this.batched(async (take) => {
          const [row] = await this.system.$queryRaw<{ n: number }[]>(Prisma.sql`SELECT purge_audit_logs(${cutoff}::timestamptz, ${take}::integer) AS n`);
          return row.n;
        });
        break;
      case 'key-store-dumps':
        deleted = await this.purgeKeyStoreDumps(cutoff, now);
        break;
    }
    if (deleted) this.logger.log({ message: 'rows past retention deleted', job, count: deleted, cutoff: cutoff.toISOString() });
    return deleted;
  }

  /**
   * Key-store dumps (subject keys beside a backup, README "Crypto-shredding and backups") past their expiry,
   * or older than the retention configured now if it was lowered since: the stored object is deleted, then
   * the record is marked purged (kept: the backup's history says its keys are gone, and why).
   */
  private async purgeKeyStoreDumps(cutoff: Date, now: Date): Promise<number> {
    const due = await this.system.keyStoreDump.findMany({
      where: { purgedAt: null, OR: [{ expiresAt: { lte: now } }, { createdAt: { lt: cutoff } }] },
      select: { id: true, location: true },
      orderBy: { createdAt: 'asc' },
    });
    for (const dump of due) {
      await this.storage.delete(dump.location).catch((e: unknown) => {
        if (!(e instanceof StorageObjectNotFoundError)) throw e;
      });
      await this.system.keyStoreDump.update({ where: { id: dump.id }, data: { purgedAt: now } });
    }
    return due.length;
  }

  private async batched(step: (take: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await step(BATCH);
      total += n;
      if (n < BATCH) return total;
    }
  }
}
