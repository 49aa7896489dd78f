import { InjectQueue, Processor } from '@nestjs/bullmq';
import { workerOptions } from '../../infra/queue/worker-options.js';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { ClosingWorkerHost } from '../../infra/queue/closing-worker-host.js';
import { QUEUE } from '../../infra/queue/queues.js';
import { registerScheduler } from '../../infra/queue/schedulers.js';
import { ScheduledArticlesService } from './scheduled-articles.service.js';

export const PUBLISH_DUE_JOB = 'publish-due';
const PUBLISH_EVERY_MS = 60_000;

/** Every minute, publishes the articles whose scheduled date has come (one scheduler for all workers). */
@Processor(QUEUE.articles, workerOptions())
export class ScheduledArticlesProcessor extends ClosingWorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly scheduled: ScheduledArticlesService,
    @InjectQueue(QUEUE.articles) private readonly queue: Queue,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    registerScheduler(this.queue, PUBLISH_DUE_JOB, PUBLISH_EVERY_MS, { name: PUBLISH_DUE_JOB });
  }

  async process(): Promise<number> {
    return (await this.scheduled.publishDue()).length;
  }
}
