import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { AuditAction } from '@prisma/client';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { NO_PASSWORD_HASH } from '../../common/security/password.js';
import { MailService } from '../../infra/mail/mail.service.js';
import { ERASED_KEY_VERSION, SubjectKeys } from '../../infra/crypto/subject-keys.service.js';
import { SystemPrismaService } from '../../infra/prisma/prisma.service.js';
import { RealtimePublisher } from '../../infra/realtime/realtime-publisher.service.js';
import { StorageService } from '../../infra/storage/storage.service.js';
import { SessionService } from '../auth/session.service.js';
import { AppConfig } from '../../config/app-config.service.js';
import { QUEUE } from '../../infra/queue/queues.js';
import { enqueueDebouncedRefresh } from '../reports/stats-refresh.js';

const BATCH = 20;
/** SPEC §6.8: the anonymised employee of kept consultations. */
export const DELETED_USER = { firstName: 'Utilisateur', lastName: 'supprimé' } as const;

export interface ErasureRun {
  erased: string[];
  /** Unconfirmed requests whose code expired: cancelled. */
  expired: number;
}

/**
 * The daily RGPD erasure (SPEC §6.8, §8.3 `processDeletion`). For each CONFIRMED request whose deletion date
 * has come (`now` is a parameter: the job passes its own, tests drive it), in one transaction per user:
 * - the request is claimed (PENDING → COMPLETED by a conditional update: two workers never erase twice);
 * - journal entries are deleted; messages of the user's consultations are emptied (ciphertext and wrapped
 *   keys blanked, flagged deleted) and the user's SUBJECT KEY is deleted — crypto-shredding: every copy of
 *   those envelopes elsewhere (backups, replicas, logs of rows) is undecryptable for good;
 * - consultations stay (counters, billing) with the employee anonymised ("Utilisateur supprimé"), their
 *   free-text cancel reason and idempotency data cleared; clinical notes are untouched (kept for the legal
 *   period under their own keys); review comments are cleared, ratings kept;
 * - the account is anonymised: e-mail `deleted-<uuid>@huntzen.care`, unusable password, no 2FA, inactive,
 *   `deleted_at`; profile PII cleared (names, phone, bio, birth date, avatar, …); refresh tokens, one-time
 *   tokens, backup codes and notifications deleted; consent records kept as proof without their IP; the
 *   user's uploaded files deleted (rows, then stored objects);
 * - one audit row (system, counts only).
 * After commit: cached identities dropped, sockets disconnected on every instance, a last e-mail to the
 * former address. Runs on the system role: it spans both participants' rows by design.
 */
@Injectable()
export class ErasureService {
  private readonly logger = new Logger('Erasure');

  constructor(
    private readonly system: SystemPrismaService,
    private readonly sessions: SessionService,
    private readonly realtime: RealtimePublisher,
    private readonly storage: StorageService,
    private readonly mail: MailService,
    private readonly subjects: SubjectKeys,
    private readonly config: AppConfig,
    @InjectQueue(QUEUE.reports) private readonly reportsQueue: Queue,
  ) {}

  async processDue(now = new Date()): Promise<ErasureRun> {
    const { count: expired } = await this.system.deletionRequest.updateMany({
      where: { status: 'PENDING', confirmedAt: null, confirmationExpiresAt: { lt: now } },
      data: { status: 'CANCELLED', cancelledAt: now, confirmationTokenHash: null },
    });
    const erased: string[] = [];
    let after: string | undefined;
    for (;;) {
      const due = await this.system.deletionRequest.findMany({
        where: { status: 'PENDING', confirmedAt: { not: null }, deletionDate: { lte: now }, ...(after ? { id: { gt: after } } : {}) },
        orderBy: { id: 'asc' },
        select: { id: true },
        take: BATCH,
      });
      if (due.length === 0) break;
      after = due.at(-1)!.id;
      for (const r of due) {
        try {
          const userId = await this.erase(r.id, now);
          if (userId) erased.push(userId);
        } catch (e) {
          // the request stays PENDING: the next run retries it
          this.logger.error({ message: 'erasure failed', requestId: r.id, error: (e as Error).name });
        }
      }
    }
    if (erased.length || expired) this.logger.log({ message: 'deletion requests processed', erased: erased.length, expired });
    // the reports' per-department sums exclude erased accounts as of the last refresh: ask for one now
    // (debounced, shared with the other refresh requests); Redis down: the 6-hourly schedule catches up
    if (erased.length) {
      await enqueueDebouncedRefresh(this.reportsQueue, this.config.get('STATS_REFRESH_DEBOUNCE_MS'), 'account-erased').catch((e: Error) =>
        this.logger.warn({ message: 'counter refresh after erasure not queued', error: e.name }),
      );
    }
    return { erased, expired };
  }

  /** Erases the user of one due request; null when another worker claimed it first. */
  async erase(requestId: string, now: Date): Promise<string | null> {
    const result = await this.system.$transaction(async (tx) => {
      const claimed = await tx.deletionRequest.updateManyAndReturn({
        where: { id: requestId, status: 'PENDING', confirmedAt: { not: null }, deletionDate: { lte: now } },
        data: { status: 'COMPLETED', processedAt: now, reason: null, confirmationTokenHash: null },
        select: { userId: true },
      });
      if (claimed.length === 0) return null;
      const userId = claimed[0].userId;
      const user = await tx.user.findUniqueOrThrow({
        where: { id: userId },
        select: { email: true, role: true, companyId: true, employee: { select: { id: true } }, practitioner: { select: { id: true } } },
      });
      const counts = { journalEntries: 0, messages: 0, consultations: 0, files: 0 };

      if (user.employee) {
        const employeeId = user.employee.id;
        counts.journalEntries = (await tx.journalEntry.deleteMany({ where: { employeeId } })).count;
        const consultations = await tx.consultation.findMany({ where: { employeeId }, select: { id: true } });
        const ids = consultations.map((c) => c.id);
        counts.consultations = ids.length;
        counts.messages = (
          await tx.message.updateMany({
            where: { consultationId: { in: ids } },
            data: {
              encryptedContent: '', iv: '', authTag: '', encryptedDek: '', dekIv: '', dekAuthTag: '', keyVersion: ERASED_KEY_VERSION,
              attachmentUrl: null, attachmentName: null, attachmentType: null, attachmentSize: null, isDeleted: true, deletedAt: now,
            },
          })
        ).count;
        await tx.consultation.updateMany({ where: { employeeId }, data: { cancelReason: null, idempotencyKey: null, requestFingerprint: null } });
        await tx.practitionerReview.updateMany({ where: { employeeId }, data: { comment: null } });
        await tx.employee.update({
          where: { id: employeeId },
          data: { ...DELETED_USER, position: null, phoneNumber: null, bio: null, location: null, birthDate: null, avatarUrl: null, coverUrl: null },
        });
      }
      if (user.practitioner) {
        // the author of kept clinical notes stays identifiable by its professional id (legal record)
        await tx.practitioner.update({
          where: { id: user.practitioner.id },
          data: { ...DELETED_USER, bio: '', avatarUrl: null, coverUrl: null, videoUrl: null, inPersonAddress: null, isActive: false, isAcceptingNewClients: false },
        });
      }
      // crypto-shredding: the data keys of the journal and of the user's consultation messages die here
      await tx.subjectKey.deleteMany({ where: { subjectId: userId } });

      const files = await tx.file.findMany({ where: { uploadedBy: userId, practitionerDocuments: { none: {} } }, select: { id: true, path: true } });
      await tx.file.deleteMany({ where: { id: { in: files.map((f) => f.id) } } });
      counts.files = files.length;

      await tx.refreshToken.deleteMany({ where: { userId } });
      await tx.userToken.deleteMany({ where: { userId } });
      await tx.twoFactorBackupCode.deleteMany({ where: { userId } });
      await tx.notification.deleteMany({ where: { userId } });
      await tx.consent.updateMany({ where: { userId }, data: { ip: null } });
      await tx.user.update({
        where: { id: userId },
        data: {
          email: `deleted-${randomUUID()}@huntzen.care`, passwordHash: NO_PASSWORD_HASH, isActive: false, deletedAt: now,
          twoFactorEnabled: false, twoFactorSecret: null, lastLoginAt: null,
        },
      });
      // the audit trail stays (security, ≥ 1 year) but stops naming the user by e-mail (user id: the anonymised account)
      await tx.$queryRaw`SELECT audit_forget_user_email(${userId}::uuid)`;
      await tx.auditLog.createMany({
        data: [{ userId: 'system', action: AuditAction.DELETE, resource: 'user', resourceId: userId, companyId: user.companyId, isSensitive: true, details: { event: 'USER_ERASED', requestId, ...counts } }],
      });
      return { userId, email: user.email, paths: files.map((f) => f.path) };
    });
    if (!result) return null;

    await this.sessions.revokeAllSessions([result.userId]);
    this.subjects.forget(result.userId);
    this.realtime.disconnectUser(result.userId);
    for (const path of result.paths) {
      await this.storage.delete(path).catch((e: Error) => this.logger.warn({ message: 'stored object not removed', error: e.name }));
    }
    await this.mail.send(result.email, 'deletion-completed', {});
    return result.userId;
  }
}
