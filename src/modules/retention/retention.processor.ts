import { InjectQueue, Processor } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { ClosingWorkerHost } from '../../infra/queue/closing-worker-host.js';
import { QUEUE } from '../../infra/queue/queues.js';
import { registerScheduler } from '../../infra/queue/schedulers.js';
import { RETENTION_JOBS, RetentionJob, RetentionService } from './retention.service.js';

const DAILY_MS = 24 * 3600_000;

/** One daily job scheduler per purge (unique ids: one run per day whatever the number of workers). */
@Processor(QUEUE.retention)
export class RetentionProcessor extends ClosingWorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly retention: RetentionService,
    @InjectQueue(QUEUE.retention) private readonly queue: Queue,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    for (const job of RETENTION_JOBS) registerScheduler(this.queue, `retention:${job}`, DAILY_MS, { name: job });
  }

  async process(job: Pick<Job, 'name'>): Promise<number> {
    if (!(RETENTION_JOBS as readonly string[]).includes(job.name)) throw new Error(`unknown retention job ${job.name}`);
    return this.retention.run(job.name as RetentionJob);
  }
}
