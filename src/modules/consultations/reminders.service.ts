import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QUEUE } from '../../infra/queue/queues.js';
import { RedisService } from '../../infra/redis/redis.module.js';

export type ReminderKind = '24h' | '1h';
const OFFSETS: Record<ReminderKind, number> = { '24h': 24 * 3600_000, '1h': 3600_000 };

/** The repeatable job that re-creates missing reminders (see `ensure`). */
export const RECONCILE_JOB = 'reconcile';
export const RECONCILE_EVERY_MS = 15 * 60_000;

export interface ReminderJob {
  consultationId: string;
  kind: ReminderKind;
  /** The start the reminder was planned for: if the consultation moved since, the job does nothing. */
  scheduledAt: string;
}

/**
 * Delayed BullMQ jobs at T-24 h and T-1 h (SPEC §6.4, §11 B17). Job ids are deterministic, so a
 * reschedule replaces them and a cancellation removes them. A reminder whose time has already passed
 * (booking less than 24 h ahead) is not created. Methods throw when Redis fails: callers go through the
 * outbox (retried) or a job (retried by BullMQ).
 */
@Injectable()
export class RemindersService {
  constructor(
    @InjectQueue(QUEUE.reminders) readonly queue: Queue<ReminderJob>,
    private readonly redis: RedisService,
  ) {}

  static jobId(consultationId: string, kind: ReminderKind): string {
    return `reminder-${consultationId}-${kind}`;
  }

  async schedule(consultationId: string, scheduledAt: Date): Promise<void> {
    await this.scheduleMany([{ consultationId, scheduledAt }]);
  }

  /** Replaces the reminders of several consultations: removals, then one addBulk (one Redis round trip each). */
  async scheduleMany(items: { consultationId: string; scheduledAt: Date }[]): Promise<void> {
    await this.removeMany(items.map((i) => i.consultationId));
    await this.ensureMany(items);
  }

  /**
   * Adds the reminders still to come, leaving existing jobs as they are (same job id ⇒ BullMQ keeps the
   * first). Used after booking and by the periodic reconciliation, which repairs reminders lost when a
   * process stopped between the database commit and the queueing.
   */
  async ensure(consultationId: string, scheduledAt: Date): Promise<void> {
    await this.ensureMany([{ consultationId, scheduledAt }]);
  }

  async ensureMany(items: { consultationId: string; scheduledAt: Date }[]): Promise<void> {
    const now = Date.now();
    const jobs = items.flatMap(({ consultationId, scheduledAt }) =>
      (Object.keys(OFFSETS) as ReminderKind[])
        .map((kind) => ({ kind, delay: scheduledAt.getTime() - OFFSETS[kind] - now }))
        .filter(({ delay }) => delay > 0)
        .map(({ kind, delay }) => ({
          name: kind,
          data: { consultationId, kind, scheduledAt: scheduledAt.toISOString() },
          opts: { jobId: RemindersService.jobId(consultationId, kind), delay, attempts: 3, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: true, removeOnFail: { age: 7 * 86400 } },
        })),
    );
    if (jobs.length) await this.redis.guard(() => this.queue.addBulk(jobs));
  }

  async remove(consultationId: string): Promise<void> {
    await this.removeMany([consultationId]);
  }

  /** Removes reminders concurrently (BullMQ has no bulk remove; ioredis pipelines concurrent commands). */
  async removeMany(consultationIds: string[]): Promise<void> {
    const ids = consultationIds.flatMap((id) => (Object.keys(OFFSETS) as ReminderKind[]).map((kind) => RemindersService.jobId(id, kind)));
    if (ids.length) await this.redis.guard(() => Promise.all(ids.map((id) => this.queue.remove(id))));
  }
}
