import type { WorkerOptions } from 'bullmq';

/**
 * Options of every BullMQ processor: JOB_LOCK_MS (env schema, default 30 s) is the job lock and the
 * stalled-job check interval, so a job whose worker died mid-way (SIGKILL, OOM) goes back to the queue
 * after at most about twice that. Read from the environment when the decorator runs (module load).
 */
export function workerOptions(opts: Partial<WorkerOptions> = {}): Partial<WorkerOptions> {
  const lock = Number(process.env.JOB_LOCK_MS) || 30_000;
  return { lockDuration: lock, stalledInterval: lock, ...opts };
}
