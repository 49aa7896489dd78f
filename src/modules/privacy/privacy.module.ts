import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { JournalModule } from '../journal/journal.module.js';
import { ConsentsService } from './consents.service.js';
import { DeletionRequestsService } from './deletion-requests.service.js';
import { ErasureService } from './erasure.service.js';
import { PersonalDataExportService } from './personal-data-export.service.js';
import { PrivacyController } from './privacy.controller.js';

/** RGPD rights (SPEC §4.2, §6.8): export, deletion requests, consents. */
@Module({
  imports: [AuthModule, JournalModule],
  controllers: [PrivacyController],
  providers: [PersonalDataExportService, DeletionRequestsService, ConsentsService],
})
export class PrivacyModule {}

/** The erasure job's service, for the worker's ProcessorsModule (no HTTP). */
@Module({ imports: [AuthModule], providers: [ErasureService], exports: [ErasureService] })
export class PrivacyErasureModule {}
