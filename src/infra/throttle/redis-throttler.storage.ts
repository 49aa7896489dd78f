import { Injectable, Module } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { RedisService } from '../redis/redis.module.js';

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

/** Throttler counters in Redis, so every api instance enforces the same limits (SPEC §7.3). */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly redis: RedisService) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string): ReturnType<ThrottlerStorage['increment']> {
    const base = this.redis.key('throttle', name, key);
    const [hits, ttlMs, blocked, blockMs] = (await this.redis.client.eval(
      SCRIPT,
      2,
      base,
      `${base}:block`,
      String(ttl),
      String(limit),
      String(blockDuration),
    )) as [number, number, number, number];
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
