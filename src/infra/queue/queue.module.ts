import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Global, Logger, Module, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { AppConfig } from '../../config/app-config.service.js';
import { warnAtMostEveryMinute } from '../redis/redis.module.js';
import { QUEUE } from './queues.js';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: { url: config.get('REDIS_URL'), maxRetriesPerRequest: null },
        prefix: `${config.get('REDIS_PREFIX')}:bull`,
      }),
    }),
    BullModule.registerQueue({ name: QUEUE.email }, { name: QUEUE.notifications }, { name: QUEUE.reminders }, { name: QUEUE.outbox }, { name: QUEUE.noteRetention }, { name: QUEUE.articles }, { name: QUEUE.rgpd }, { name: QUEUE.reports }, { name: QUEUE.reportExports }),
    BullModule.registerQueue({ name: QUEUE.retention }, { name: QUEUE.backup }),
  ],
  exports: [BullModule],
})
export class QueueModule implements OnModuleInit {
  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    const logger = new Logger('Queues');
    for (const name of Object.values(QUEUE)) {
      this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }).on('error', warnAtMostEveryMinute(logger, `queue ${name}`));
    }
  }
}
