import { Processor } from '@nestjs/bullmq';
import { workerOptions } from '../queue/worker-options.js';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { ClosingWorkerHost } from '../queue/closing-worker-host.js';
import { QUEUE } from '../queue/queues.js';
import { registerScheduler } from '../queue/schedulers.js';
import { SystemPrismaService } from '../prisma/prisma.service.js';
import { OutboxService } from './outbox.service.js';

export const OUTBOX_SWEEP_JOB = 'sweep';
const SWEEP_EVERY_MS = 30_000;
const MAX_ATTEMPTS = 10;

/**
 * Retries, every 30 s, the outbox messages their request could not deliver. Every caller's messages:
 * worker work on the system role (the request path delivers its own through definer functions).
 */
@Processor(QUEUE.outbox, workerOptions())
export class OutboxProcessor extends ClosingWorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly outbox: OutboxService,
    private readonly system: SystemPrismaService,
    @InjectQueue(QUEUE.outbox) private readonly queue: Queue,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    registerScheduler(this.queue, OUTBOX_SWEEP_JOB, SWEEP_EVERY_MS, { name: OUTBOX_SWEEP_JOB });
  }

  async process(job: Job<{ olderThanMs?: number }>): Promise<number> {
    return this.deliverPending(job.data?.olderThanMs ?? SWEEP_EVERY_MS);
  }

  /** Messages older than `olderThanMs` still undelivered (their request could not deliver them). */
  async deliverPending(olderThanMs: number, batch = 200): Promise<number> {
    const rows = await this.system.outboxMessage.findMany({
      where: { deliveredAt: null, attempts: { lt: MAX_ATTEMPTS }, createdAt: { lt: new Date(Date.now() - olderThanMs) } },
      select: { id: true, topic: true, payload: true },
      orderBy: { createdAt: 'asc' },
      take: batch,
    });
    for (const row of rows) {
      await this.outbox.perform(row, (error) =>
        this.system.outboxMessage.update({
          where: { id: row.id },
          data: error === null ? { deliveredAt: new Date(), attempts: { increment: 1 } } : { attempts: { increment: 1 }, lastError: error },
        }),
      );
    }
    return rows.length;
  }
}
