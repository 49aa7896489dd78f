import { Global, Module } from '@nestjs/common';
import { OutboxService } from './outbox.service.js';

/** The transactional outbox: effects written with the business change, delivered after commit. */
@Global()
@Module({ providers: [OutboxService], exports: [OutboxService] })
export class OutboxModule {}
