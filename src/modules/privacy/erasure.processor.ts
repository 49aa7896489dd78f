import { InjectQueue, Processor } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { ClosingWorkerHost } from '../../infra/queue/closing-worker-host.js';
import { QUEUE } from '../../infra/queue/queues.js';
import { registerScheduler } from '../../infra/queue/schedulers.js';
import { ErasureRun, ErasureService } from './erasure.service.js';

export const ERASURE_JOB = 'process-deletions';
const DAILY_MS = 24 * 3600_000;

/** `now` (ISO) overrides the clock of one run: for operators replaying a day, and for tests. */
export interface ErasureJobData {
  now?: string;
}

/** The daily processing of due deletion requests (SPEC §8.3 `processDeletion`; one scheduler for all workers). */
@Processor(QUEUE.rgpd)
export class ErasureProcessor extends ClosingWorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly erasure: ErasureService,
    @InjectQueue(QUEUE.rgpd) private readonly queue: Queue,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    registerScheduler(this.queue, ERASURE_JOB, DAILY_MS, { name: ERASURE_JOB });
  }

  async process(job: Pick<Job<ErasureJobData>, 'data'>): Promise<ErasureRun> {
    const now = job.data?.now ? new Date(job.data.now) : new Date();
    if (Number.isNaN(now.getTime())) throw new Error('invalid `now` in job data');
    return this.erasure.processDue(now);
  }
}
