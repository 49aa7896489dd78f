import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { AuditAction, BackupStatus } from '@prisma/client';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { AppException } from '../../common/errors/app.exception.js';
import type { Identity } from '../../common/context/request-context.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { QUEUE } from '../../infra/queue/queues.js';
import { AuditService } from '../audit/audit.service.js';
import { BackupAcceptedDto, BackupDto } from './dto/admin.dto.js';

export const BACKUP_JOB = 'pg-dump';

type BackupRow = { id: string; status: BackupStatus; startedAt: Date; finishedAt: Date | null; sizeBytes: bigint | null; error: string | null; encryptedDek: string | null };
const SELECT = { id: true, status: true, startedAt: true, finishedAt: true, sizeBytes: true, error: true, encryptedDek: true } as const;

export function toBackupDto(r: BackupRow): BackupDto {
  return {
    id: r.id,
    status: r.status,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    sizeBytes: r.sizeBytes === null ? null : Number(r.sizeBytes),
    encrypted: r.encryptedDek !== null,
    error: r.error,
  };
}

/** S5: a SUPER_ADMIN asks for a backup; the `backup` queue's job runs pg_dump (BackupRunner). */
@Injectable()
export class BackupService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly audit: AuditService,
    @InjectQueue(QUEUE.backup) private readonly queue: Queue,
  ) {}

  async request(me: Identity): Promise<BackupAcceptedDto> {
    const id = randomUUID();
    const startedAt = new Date();
    await this.tenant.tx(async (tx) => {
      // createMany: no RETURNING (the insert policy is the only one this write needs)
      await tx.backupRecord.createMany({ data: [{ id, status: BackupStatus.RUNNING, requestedBy: me.userId, startedAt }] });
      await this.audit.record({ action: AuditAction.CREATE, resource: 'backup', resourceId: id, details: { event: 'BACKUP_REQUESTED' } }, tx);
    });
    // the job id is the record's id: the status endpoint and a retried request find the same job
    await this.queue.add(BACKUP_JOB, { backupId: id }, { jobId: id, attempts: 1, removeOnComplete: 100, removeOnFail: 100 });
    return { jobId: id, backup: toBackupDto({ id, status: BackupStatus.RUNNING, startedAt, finishedAt: null, sizeBytes: null, error: null, encryptedDek: null }) };
  }

  async status(id: string): Promise<BackupDto> {
    const row = await this.tenant.db.backupRecord.findFirst({ where: { id }, select: SELECT });
    if (!row) throw AppException.notFound('Sauvegarde introuvable');
    return toBackupDto(row);
  }
}
