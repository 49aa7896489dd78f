import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config.service.js';
import { closeRedis } from '../lifecycle/shutdown.js';
import { RedisUnavailableError } from './redis-unavailable.error.js';

export const REDIS = Symbol('REDIS');

/** How long a request waits on Redis before it gives up with a 503 (a Redis outage must not hang it). */
export const REDIS_WAIT_MS = 1_000;

/**
 * The shared ioredis connection (throttler, presence, caches). BullMQ opens its own.
 * Its state tells the whole process whether Redis is reachable: `available` is false while the
 * connection is down, and `guard` fails fast instead of queueing commands for a Redis that is not there.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: Redis;
  readonly prefix: string;
  private readonly logger = new Logger('Redis');

  constructor(config: AppConfig) {
    this.client = new Redis(config.get('REDIS_URL'), { maxRetriesPerRequest: 1, commandTimeout: REDIS_WAIT_MS, lazyConnect: false });
    this.prefix = config.get('REDIS_PREFIX');
    watchConnection(this.client, this.logger);
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** Redis answered last time we looked: the connection is up. */
  get available(): boolean {
    return this.client.status === 'ready';
  }

  /** Runs `fn` against Redis, or throws RedisUnavailableError at once when it is down or after REDIS_WAIT_MS. */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.available) throw new RedisUnavailableError();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new RedisUnavailableError()), REDIS_WAIT_MS))),
      ]);
    } catch (e) {
      if (e instanceof RedisUnavailableError || !this.available || isConnectionError(e)) throw new RedisUnavailableError();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await closeRedis('redis', this.client);
  }
}

/** ioredis errors that mean "no connection" rather than a bad command. */
export function isConnectionError(e: unknown): boolean {
  const err = e as { name?: string; code?: string; message?: string };
  return (
    err?.name === 'MaxRetriesPerRequestError' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTCONN'].includes(err?.code ?? '') ||
    /Connection is closed|Stream isn't writeable|Command timed out/.test(err?.message ?? '')
  );
}

/**
 * Logs a connection's outages once (not once per reconnection attempt, which would flood the logs) and
 * its recovery; also gives it the 'error' listener whose absence makes ioredis print every failure.
 */
export function watchConnection(client: Redis, logger: Logger): void {
  let down = false;
  client.on('error', (e: Error & { code?: string }) => {
    if (down) return;
    down = true;
    logger.warn({ message: 'Redis unreachable', error: e.code ?? e.name });
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log({ message: 'Redis reachable again' });
  });
}

/**
 * An 'error' listener for clients that do not say when they are back (BullMQ queues and workers): one
 * warning a minute at most. Without a listener BullMQ prints every failed reconnection to stderr.
 */
export function warnAtMostEveryMinute(logger: Logger, what: string): (e: Error & { code?: string }) => void {
  let last = 0;
  return (e) => {
    if (Date.now() - last < 60_000) return;
    last = Date.now();
    logger.warn({ message: `${what}: Redis unreachable`, error: e.code ?? e.name });
  };
}

@Global()
@Module({
  providers: [RedisService, { provide: REDIS, inject: [RedisService], useFactory: (r: RedisService) => r.client }],
  exports: [RedisService, REDIS],
})
export class RedisModule {}

export const InjectRedis = () => Inject(REDIS);
