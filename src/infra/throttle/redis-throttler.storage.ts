import { Injectable, Logger, Module } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { MetricsService } from '../metrics/metrics.service.js';
import { RedisUnavailableError } from '../redis/redis-unavailable.error.js';
import { RedisService } from '../redis/redis.module.js';
import { GLOBAL_LIMIT_KEY } from './rate-limit.js';

// Atomic fixed window: count the hit, start the window on the first one, and once the limit is passed
// set a block key for `blockDuration`. Returns [hits, windowMsLeft, blocked, blockMsLeft].
const SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
local blockTtl = redis.call('PTTL', KEYS[2])
if blockTtl > 0 then return {hits, ttl, 1, blockTtl} end
if hits > tonumber(ARGV[2]) then
  local block = tonumber(ARGV[3])
  if block > 0 then redis.call('SET', KEYS[2], '1', 'PX', block); return {hits, ttl, 1, block} end
  return {hits, ttl, 1, ttl}
end
return {hits, ttl, 0, 0}`;

/**
 * Throttler counters in Redis, so every api instance enforces the same limits (SPEC §7.3).
 * Without Redis: the global per-caller budget fails OPEN (the request goes on; a warning per outage and
 * the `rate_limit_fail_open_total` metric say so), while route limits that protect credentials (login,
 * password reset, ...) fail CLOSED with 503 — an outage must not become unlimited password guessing.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private failingOpen = false;

  constructor(
    private readonly redis: RedisService,
    private readonly metrics: MetricsService,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string): ReturnType<ThrottlerStorage['increment']> {
    const base = this.redis.key('throttle', name, key);
    let reply: [number, number, number, number];
    try {
      reply = (await this.redis.guard(() =>
        this.redis.client.eval(SCRIPT, 2, base, `${base}:block`, String(ttl), String(limit), String(blockDuration)),
      )) as [number, number, number, number];
      this.failingOpen = false;
    } catch (e) {
      if (!(e instanceof RedisUnavailableError) || !key.startsWith(GLOBAL_LIMIT_KEY)) throw e;
      this.metrics.rateLimitFailOpen.inc();
      if (!this.failingOpen) this.logger.warn({ message: 'Redis unreachable: the global rate limit is not enforced until it is back' });
      this.failingOpen = true;
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
    const [hits, ttlMs, blocked, blockMs] = reply;
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(ttlMs / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(blockMs / 1000),
    };
  }
}

@Module({ providers: [RedisThrottlerStorage], exports: [RedisThrottlerStorage] })
export class ThrottleStorageModule {}
