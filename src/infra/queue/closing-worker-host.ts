import { WorkerHost } from '@nestjs/bullmq';
import { OnModuleDestroy } from '@nestjs/common';

/**
 * A BullMQ processor that stops taking jobs, and lets its current job finish, in the FIRST shutdown
 * phase — while the database, Redis and SMTP connections it needs are still open. Those close later,
 * in `onApplicationShutdown`; the other order can leave a job waiting on a closed pool, and the
 * shutdown waiting on that job.
 */
export abstract class ClosingWorkerHost extends WorkerHost implements OnModuleDestroy {
  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }
}
