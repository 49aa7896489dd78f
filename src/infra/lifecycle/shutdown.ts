import { INestApplicationContext, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { drainHttp } from './drain.js';

/** How long one connection may take to close politely before it is cut. */
export const CLOSE_STEP_MS = 2_000;

/** What could not be closed cleanly during this process's shutdown: said in one log line at the end. */
const unclean = new Map<string, string>();
/** Steps still waiting: named if the grace period runs out while they are. */
const pending = new Set<string>();

export function markUnclean(what: string, why: string): void {
  unclean.set(what, why);
}

/** Waits for `promise` at most `ms`; a failure or a timeout is recorded under `what`, never thrown. */
export async function closeStep(what: string, promise: Promise<unknown>, ms = CLOSE_STEP_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  pending.add(what);
  const outcome = await Promise.race([
    promise.then(
      () => 'ok',
      (e: Error) => e?.name ?? 'error',
    ),
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms))),
  ]);
  clearTimeout(timer);
  pending.delete(what);
  if (outcome !== 'ok') markUnclean(what, outcome);
  return outcome === 'ok';
}

/**
 * QUIT when Redis answers, otherwise (or when QUIT does not come back in time) a plain disconnect: a QUIT
 * sent to an unreachable Redis waits in the offline queue forever, and so would the shutdown.
 */
export async function closeRedis(what: string, client: Redis, ms = CLOSE_STEP_MS): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready' && (await closeStep(what, client.quit(), ms))) return;
  if (client.status !== 'ready') markUnclean(what, 'unreachable');
  client.disconnect();
}

/**
 * SIGTERM / SIGINT: `app.close()` (stop taking work, finish what runs, close connections) bounded by
 * `graceMs`, then exit 0 with one line naming what could not be closed cleanly. Replaces Nest's
 * enableShutdownHooks, which waits without bound and re-raises the signal (exit 143).
 */
export function exitOnSignals(app: INestApplicationContext, graceMs: number, logger = new Logger('Shutdown'), drainMs = 0): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ message: `${signal} again: exiting now` });
      process.exit(1);
    }
    stopping = true;
    const started = Date.now();
    logger.log({ message: `${signal}: shutting down`, graceMs });
    const deadline = setTimeout(() => {
      for (const what of pending.size ? pending : ['application']) markUnclean(what, `still closing after ${graceMs} ms`);
      finish();
    }, graceMs);
    const finish = () => {
      clearTimeout(deadline);
      const notes = [...unclean].map(([what, why]) => `${what} (${why})`);
      const ms = Date.now() - started;
      if (notes.length) logger.warn({ message: `stopped in ${ms} ms; not closed cleanly: ${notes.join(', ')}` });
      else logger.log({ message: `stopped in ${ms} ms` });
      process.exit(0);
    };
    // the api first drains its HTTP connections (at most half the grace period), the rest closes after
    if (drainMs > 0) await drainHttp(app, Math.min(drainMs, graceMs / 2)).catch(() => markUnclean('http drain', 'error'));
    await app.close().catch((e: Error) => markUnclean('application', e?.name ?? 'error'));
    finish();
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stop(signal));
}
