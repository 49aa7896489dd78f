import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.service.js';
import { RedisService } from '../../infra/redis/redis.module.js';

const WINDOW_MS = 10_000;
// fixed window: count, start the window on the first hit; returns [hits, msLeft]
const SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl}`;

/**
 * Per-user, per-event fixed windows in Redis (every instance counts together). chat:message gets
 * CHAT_MESSAGES_PER_10S, the other events four times that. Redis down: fails open (the adapter is down
 * too, so nothing crosses instances anyway), with a warning.
 */
@Injectable()
export class ChatRateLimiter {
  private readonly logger = new Logger('ChatRateLimit');
  private readonly messages: number;

  constructor(
    private readonly redis: RedisService,
    config: AppConfig,
  ) {
    this.messages = config.get('CHAT_MESSAGES_PER_10S');
  }

  /** 0 when allowed, else the seconds until the window ends. */
  async hit(userId: string, event: string): Promise<number> {
    const limit = event === 'chat:message' ? this.messages : this.messages * 4;
    try {
      const [hits, ttl] = (await this.redis.guard(() => this.redis.client.eval(SCRIPT, 1, this.redis.key('chat-rl', userId, event), String(WINDOW_MS)))) as [number, number];
      return hits > limit ? Math.max(1, Math.ceil(ttl / 1000)) : 0;
    } catch (e) {
      this.logger.warn({ message: 'chat rate limit not enforced (Redis unavailable)', error: (e as Error).name });
      return 0;
    }
  }
}
