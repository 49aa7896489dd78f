import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { AppConfig } from '../../config/app-config.service.js';
import { SystemPrismaService } from '../../infra/prisma/prisma.service.js';
import { ClosingWorkerHost } from '../../infra/queue/closing-worker-host.js';
import { QUEUE } from '../../infra/queue/queues.js';
import { registerScheduler } from '../../infra/queue/schedulers.js';
import { STATS_REFRESH_JOB, STATS_REFRESH_SCHEDULER, type StatsRefreshJob } from './stats-refresh.js';

const HOUR = 3_600_000;

/**
 * Refreshes the two counter views (SPEC §3.4): every STATS_REFRESH_EVERY_HOURS (job scheduler), on demand
 * (R-admin route) and debounced after each consultation end (outbox topic `stats.refresh`). The refresh
 * functions run `REFRESH MATERIALIZED VIEW CONCURRENTLY` as the view owner: readers keep reading the
 * previous contents meanwhile, never blocked. System client: the refresh spans every tenant by design
 * (ARCHITECTURE §4: "reports refresh"); it can only call the two refresh functions it is granted.
 */
@Processor(QUEUE.reports)
export class StatsRefreshProcessor extends ClosingWorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('StatsRefresh');

  constructor(
    private readonly system: SystemPrismaService,
    private readonly config: AppConfig,
    @InjectQueue(QUEUE.reports) private readonly queue: Queue,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    registerScheduler(this.queue, STATS_REFRESH_SCHEDULER, this.config.get('STATS_REFRESH_EVERY_HOURS') * HOUR, {
      name: STATS_REFRESH_JOB,
      data: { reason: 'schedule' } satisfies StatsRefreshJob,
      opts: { removeOnComplete: 100, removeOnFail: 100 },
    });
  }

  async process(job: Job<StatsRefreshJob>): Promise<{ durationMs: number }> {
    if (job.name !== STATS_REFRESH_JOB) throw new Error(`unknown reports job ${job.name}`);
    return this.refresh(job.data?.reason ?? 'schedule');
  }

  async refresh(reason: string): Promise<{ durationMs: number }> {
    const started = Date.now();
    await this.system.$executeRaw`SELECT refresh_employee_stats()`;
    await this.system.$executeRaw`SELECT refresh_practitioner_stats()`;
    const durationMs = Date.now() - started;
    this.logger.log({ message: 'counter views refreshed', reason, durationMs });
    return { durationMs };
  }
}
