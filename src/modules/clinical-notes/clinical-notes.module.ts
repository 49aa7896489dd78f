import { Module } from '@nestjs/common';
import { ClinicalNotesRetentionService } from './clinical-notes-retention.service.js';
import { ClinicalNotesController } from './clinical-notes.controller.js';
import { ClinicalNotesService } from './clinical-notes.service.js';

@Module({ controllers: [ClinicalNotesController], providers: [ClinicalNotesService] })
export class ClinicalNotesModule {}

/** The purge job's service, for the worker's ProcessorsModule (no HTTP). */
@Module({ providers: [ClinicalNotesRetentionService], exports: [ClinicalNotesRetentionService] })
export class ClinicalNotesRetentionModule {}
