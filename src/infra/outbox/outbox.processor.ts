import { Processor } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { ClosingWorkerHost } from '../queue/closing-worker-host.js';
import { QUEUE } from '../queue/queues.js';
import { registerScheduler } from '../queue/schedulers.js';
import { OutboxService } from './outbox.service.js';

export const OUTBOX_SWEEP_JOB = 'sweep';
const SWEEP_EVERY_MS = 30_000;

/** Retries, every 30 s, the outbox messages their request could not deliver. */
@Processor(QUEUE.outbox)
export class OutboxProcessor extends ClosingWorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly outbox: OutboxService,
    @InjectQueue(QUEUE.outbox) private readonly queue: Queue,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    registerScheduler(this.queue, OUTBOX_SWEEP_JOB, SWEEP_EVERY_MS, { name: OUTBOX_SWEEP_JOB });
  }

  async process(job: Job<{ olderThanMs?: number }>): Promise<number> {
    return this.outbox.deliverPending(job.data?.olderThanMs ?? SWEEP_EVERY_MS);
  }
}
