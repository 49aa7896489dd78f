import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { ClosingWorkerHost } from '../../infra/queue/closing-worker-host.js';
import { QUEUE } from '../../infra/queue/queues.js';
import { BackupRunner } from './backup-runner.service.js';

/** S5's on-demand backups (one job per request, id = the backup record's id). */
@Processor(QUEUE.backup)
export class BackupProcessor extends ClosingWorkerHost {
  constructor(private readonly runner: BackupRunner) {
    super();
  }

  async process(job: Job<{ backupId: string }>): Promise<void> {
    await this.runner.run(job.data.backupId);
  }
}
