import type { Queue } from 'bullmq';

/** Job names of the `reports` queue. */
export const STATS_REFRESH_JOB = 'refresh-stats';
/** The job scheduler of the periodic refresh (one per deployment, whatever the number of workers). */
export const STATS_REFRESH_SCHEDULER = 'stats-refresh-every-6h';
/** Every refresh request shares this deduplication id, so refreshes never pile up. */
const DEDUP_ID = 'stats-refresh';

export type StatsRefreshReason = 'schedule' | 'on-demand' | 'consultation-ended' | 'account-erased';

export interface StatsRefreshJob {
  reason: StatsRefreshReason;
  /** The admin who asked for it (on demand): the only caller that may read the job's status. */
  requestedBy?: string;
}

/**
 * Debounced refresh after a consultation ends (SPEC §3.4-3, PROPOSED): the first ending queues one refresh
 * `delayMs` later; endings while it waits are absorbed by it (it starts after their commit, the outbox
 * delivers after the commit); an ending while it runs queues exactly one follow-up (`keepLastIfActive`),
 * because the running refresh may have taken its snapshot before that commit. So a practitioner sees
 * today's session at most `delayMs` + one refresh later, and a burst of endings costs one refresh.
 */
export function enqueueDebouncedRefresh(queue: Queue, delayMs: number, reason: StatsRefreshReason = 'consultation-ended') {
  return queue.add(STATS_REFRESH_JOB, { reason } satisfies StatsRefreshJob, {
    delay: delayMs,
    deduplication: { id: DEDUP_ID, keepLastIfActive: true },
    removeOnComplete: 100,
    removeOnFail: 100,
  });
}
