import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { closeStep } from '../lifecycle/shutdown.js';
import { RedisService, warnAtMostEveryMinute } from '../redis/redis.module.js';

/** How long a running job may take to finish at shutdown before the worker is closed by force. */
const FINISH_JOB_MS = 3_000;

/**
 * A BullMQ processor that stops taking jobs, and lets its current job finish, in the FIRST shutdown
 * phase — while the database, Redis and SMTP connections it needs are still open. Those close later,
 * in `onApplicationShutdown`; the other order can leave a job waiting on a closed pool, and the
 * shutdown waiting on that job. A job that does not finish in time (its SMTP server or database is
 * unreachable), or any job while Redis is down (it could not be acknowledged anyway, and a polite close
 * waits on Redis), is abandoned: its lock expires and BullMQ hands it to another worker (at-least-once).
 */
export abstract class ClosingWorkerHost extends WorkerHost implements OnModuleDestroy {
  // a property, not a constructor parameter: the processors keep their own constructors
  @Inject(RedisService) private readonly redisState: RedisService;
  private readonly warnOutage = warnAtMostEveryMinute(new Logger('Workers'), 'worker');

  @OnWorkerEvent('error')
  onWorkerError(e: Error): void {
    this.warnOutage(e);
  }

  async onModuleDestroy(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const name = `worker ${worker.name}`;
    if (this.redisState.available && (await closeStep(name, worker.close(), FINISH_JOB_MS))) return;
    await closeStep(`${name} (forced${this.redisState.available ? '' : ', redis unreachable'})`, worker.close(true));
  }
}
