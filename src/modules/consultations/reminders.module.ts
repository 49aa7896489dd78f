import { Global, Module } from '@nestjs/common';
import { RemindersService } from './reminders.service.js';

/** Scheduling of consultation reminders (the outbox and the worker use it; jobs: RemindersProcessor). */
@Global()
@Module({ providers: [RemindersService], exports: [RemindersService] })
export class RemindersModule {}
