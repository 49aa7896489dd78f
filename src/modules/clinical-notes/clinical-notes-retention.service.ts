import { Injectable, Logger } from '@nestjs/common';
import { AuditAction } from '@prisma/client';
import { AppConfig } from '../../config/app-config.service.js';
import { SystemPrismaService } from '../../infra/prisma/prisma.service.js';

const BATCH = 500;

/**
 * Hard-deletes the clinical notes soft-deleted more than CLINICAL_NOTE_RETENTION_YEARS ago (SPEC §6.8,
 * §11 S19). Counted from deleted_at, which the database stamps itself, so a note is kept at least the
 * legal period after its creation too. Notes still in use are never purged. Runs on the system role:
 * the api role has no DELETE on clinical_notes.
 */
@Injectable()
export class ClinicalNotesRetentionService {
  private readonly logger = new Logger('ClinicalNotesRetention');

  constructor(
    private readonly system: SystemPrismaService,
    private readonly config: AppConfig,
  ) {}

  cutoff(now = new Date()): Date {
    const cutoff = new Date(now);
    cutoff.setUTCFullYear(cutoff.getUTCFullYear() - this.config.get('CLINICAL_NOTE_RETENTION_YEARS'));
    return cutoff;
  }

  /** Returns how many notes were purged; batches keep each transaction and its locks short. */
  async purge(now = new Date()): Promise<number> {
    const cutoff = this.cutoff(now);
    let purged = 0;
    for (;;) {
      const due = await this.system.clinicalNote.findMany({ where: { deletedAt: { lt: cutoff } }, select: { id: true }, take: BATCH });
      if (due.length === 0) break;
      const ids = due.map((n) => n.id);
      await this.system.$transaction([
        this.system.clinicalNote.deleteMany({ where: { id: { in: ids }, deletedAt: { lt: cutoff } } }),
        this.system.auditLog.createMany({
          data: ids.map((id) => ({ userId: 'system', action: AuditAction.DELETE, resource: 'clinical_note', resourceId: id, isSensitive: true, details: { event: 'CLINICAL_NOTE_PURGED' } })),
        }),
      ]);
      purged += ids.length;
    }
    if (purged) this.logger.log({ message: 'clinical notes past retention purged', count: purged, cutoff: cutoff.toISOString() });
    return purged;
  }
}
