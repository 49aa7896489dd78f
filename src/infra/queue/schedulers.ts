import { Logger } from '@nestjs/common';
import type { JobSchedulerTemplateOptions, Queue } from 'bullmq';

const logger = new Logger('Schedulers');

/**
 * Registers a repeating job (unique by id across worker instances) without holding up the boot: with
 * Redis unreachable the process still starts, answers /health and reports /health/ready as not ready;
 * the registration completes once Redis is back (BullMQ's connection waits for it).
 */
export function registerScheduler(queue: Queue, id: string, everyMs: number, template: { name: string; data?: unknown; opts?: JobSchedulerTemplateOptions }): void {
  queue.upsertJobScheduler(id, { every: everyMs }, template).catch((e: Error) => {
    logger.warn({ message: 'job scheduler not registered', queue: queue.name, id, error: e.name });
  });
}
