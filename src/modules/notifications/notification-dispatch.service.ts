import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { NotificationType, Prisma } from '@prisma/client';
import type { Queue } from 'bullmq';
import { QUEUE } from '../../infra/queue/queues.js';
import { RedisService } from '../../infra/redis/redis.module.js';
import type { TemplateData, TemplateName } from '../../infra/mail/templates.js';

export interface DispatchJob<K extends TemplateName = TemplateName> {
  /** User ids: the worker resolves addresses and preferences (the caller may not read other users). */
  userIds: string[];
  type: NotificationType;
  title: string;
  message: string;
  linkUrl?: string;
  metadata?: Prisma.InputJsonObject;
  /** The e-mail sent to recipients who keep e-mails on for `type`. */
  mail?: { template: K; data: TemplateData[K] };
}

/**
 * Notifications to other users (US-9.1): queued after the change commits; the worker applies each
 * recipient's preferences (in-app / e-mail), writes the rows, pushes `notification:new` and queues the
 * e-mails. Request paths go through the outbox, so a notification is never lost with a failed queueing.
 */
@Injectable()
export class NotificationDispatchService {
  constructor(
    @InjectQueue(QUEUE.notifications) private readonly queue: Queue<DispatchJob>,
    private readonly redis: RedisService,
  ) {}

  /** Queues or throws (callers: the outbox, which retries, and job processors, which BullMQ retries). */
  async dispatch<K extends TemplateName>(job: DispatchJob<K>): Promise<void> {
    await this.dispatchMany([job as DispatchJob]);
  }

  /** Several dispatches in one Redis round trip (BullMQ addBulk). Queues all or throws. */
  async dispatchMany(jobs: DispatchJob[]): Promise<void> {
    const bulk = jobs
      .filter((job) => job.userIds.length > 0)
      .map((job) => ({ name: job.type, data: job, opts: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: { age: 86400 } } }));
    if (bulk.length) await this.redis.guard(() => this.queue.addBulk(bulk));
  }
}
