import { InjectQueue, Processor } from '@nestjs/bullmq';
import { workerOptions } from '../../infra/queue/worker-options.js';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { ClosingWorkerHost } from '../../infra/queue/closing-worker-host.js';
import { QUEUE } from '../../infra/queue/queues.js';
import { registerScheduler } from '../../infra/queue/schedulers.js';
import { ClinicalNotesRetentionService } from './clinical-notes-retention.service.js';

export const NOTE_RETENTION_JOB = 'purge';
const DAILY_MS = 24 * 3600_000;

/** The daily clinical-note retention purge (one scheduler for all worker instances). */
@Processor(QUEUE.noteRetention, workerOptions())
export class ClinicalNotesRetentionProcessor extends ClosingWorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly retention: ClinicalNotesRetentionService,
    @InjectQueue(QUEUE.noteRetention) private readonly queue: Queue,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    registerScheduler(this.queue, NOTE_RETENTION_JOB, DAILY_MS, { name: NOTE_RETENTION_JOB });
  }

  async process(): Promise<number> {
    return this.retention.purge();
  }
}
