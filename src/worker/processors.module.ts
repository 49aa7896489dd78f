import { Module } from '@nestjs/common';
import { MailProcessor } from '../infra/mail/mail.processor.js';
import { OutboxProcessor } from '../infra/outbox/outbox.processor.js';
import { ClinicalNotesRetentionProcessor } from '../modules/clinical-notes/clinical-notes-retention.processor.js';
import { ClinicalNotesRetentionModule } from '../modules/clinical-notes/clinical-notes.module.js';
import { ScheduledArticlesProcessor } from '../modules/articles/scheduled-articles.processor.js';
import { ScheduledArticlesService } from '../modules/articles/scheduled-articles.service.js';
import { RemindersProcessor } from '../modules/consultations/reminders.processor.js';
import { NotificationsProcessor } from '../modules/notifications/notifications.processor.js';
import { ErasureProcessor } from '../modules/privacy/erasure.processor.js';
import { PrivacyErasureModule } from '../modules/privacy/privacy.module.js';
import { StatsRefreshProcessor } from '../modules/reports/stats-refresh.processor.js';
import { ReportExportProcessor } from '../modules/reports/report-export.processor.js';
import { ReportsModule } from '../modules/reports/reports.module.js';
import { RetentionProcessor } from '../modules/retention/retention.processor.js';
import { RetentionModule } from '../modules/retention/retention.module.js';
import { BackupProcessor } from '../modules/admin/backup.processor.js';
import { BackupRunnerModule } from '../modules/admin/admin.module.js';

/** Every BullMQ processor; loaded by the worker process, or by the api when WORKER_EMBEDDED=true. */
@Module({
  imports: [ClinicalNotesRetentionModule, PrivacyErasureModule, ReportsModule, RetentionModule, BackupRunnerModule],
  providers: [MailProcessor, NotificationsProcessor, RemindersProcessor, OutboxProcessor, ClinicalNotesRetentionProcessor, ScheduledArticlesProcessor, ScheduledArticlesService, ErasureProcessor, StatsRefreshProcessor, ReportExportProcessor, RetentionProcessor, BackupProcessor],
})
export class ProcessorsModule {}
