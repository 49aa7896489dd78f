import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QUEUE } from '../queue/queues.js';
import { RedisService } from '../redis/redis.module.js';
import type { RenderOptions, TemplateData, TemplateName } from './templates.js';

export interface EmailJob<K extends TemplateName = TemplateName> extends RenderOptions {
  to: string;
  template: K;
  data: TemplateData[K];
}

/**
 * Queues e-mails; the worker sends them. `send` never fails the HTTP request that asked for it: an
 * unreachable Redis is logged (without the address or the data) at once and the request goes on. Routes
 * whose point is the e-mail (reset, verification) are refused with 503 earlier, by their rate limit.
 */
@Injectable()
export class MailService {
  private readonly logger = new Logger('Mail');

  constructor(
    @InjectQueue(QUEUE.email) private readonly queue: Queue<EmailJob>,
    private readonly redis: RedisService,
  ) {}

  async send<K extends TemplateName>(to: string, template: K, data: TemplateData[K], options: RenderOptions = {}): Promise<void> {
    try {
      await this.enqueue({ to, template, data, ...options } as EmailJob);
    } catch (e) {
      this.logger.warn({ message: 'e-mail not queued', template, error: (e as Error).name });
    }
  }

  /** Queues or throws: for the outbox, which retries what could not be queued. */
  async enqueue(job: EmailJob): Promise<void> {
    await this.enqueueMany([job]);
  }

  /** Several e-mails in one Redis round trip (BullMQ addBulk). Queues all or throws. */
  async enqueueMany(jobs: EmailJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.redis.guard(() =>
      this.queue.addBulk(
        jobs.map((job) => ({
          name: job.template,
          data: job,
          opts: {
            attempts: 5,
            backoff: { type: 'exponential', delay: 2000 },
            removeOnComplete: true, // the job holds a single-use link: do not keep it once sent
            removeOnFail: { age: 24 * 3600 },
          },
        })),
      ),
    );
  }

}
