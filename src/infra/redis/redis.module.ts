import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config.service.js';

export const REDIS = Symbol('REDIS');

/** The shared ioredis connection (throttler, presence, caches). BullMQ opens its own. */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: Redis;
  readonly prefix: string;

  constructor(config: AppConfig) {
    this.client = new Redis(config.get('REDIS_URL'), { maxRetriesPerRequest: 2, lazyConnect: false });
    this.prefix = config.get('REDIS_PREFIX');
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

@Global()
@Module({
  providers: [RedisService, { provide: REDIS, inject: [RedisService], useFactory: (r: RedisService) => r.client }],
  exports: [RedisService, REDIS],
})
export class RedisModule {}

export const InjectRedis = () => Inject(REDIS);
