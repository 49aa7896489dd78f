import { Module } from '@nestjs/common';
import { MailProcessor } from '../infra/mail/mail.processor.js';
import { RemindersProcessor } from '../modules/consultations/reminders.processor.js';
import { RemindersService } from '../modules/consultations/reminders.service.js';
import { NotificationsProcessor } from '../modules/notifications/notifications.processor.js';

/** Every BullMQ processor; loaded by the worker process, or by the api when WORKER_EMBEDDED=true. */
@Module({ providers: [MailProcessor, NotificationsProcessor, RemindersProcessor, RemindersService] })
export class ProcessorsModule {}
