import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.service.js';
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
    BullModule.registerQueue({ name: QUEUE.email }, { name: QUEUE.notifications }, { name: QUEUE.reminders }, { name: QUEUE.outbox }),
  ],
  exports: [BullModule],
})
export class QueueModule {}
