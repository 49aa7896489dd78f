import { Module } from '@nestjs/common';
import { MailProcessor } from '../infra/mail/mail.processor.js';

/** Every BullMQ processor; loaded by the worker process, or by the api when WORKER_EMBEDDED=true. */
@Module({ providers: [MailProcessor] })
export class ProcessorsModule {}
